/**
 * A fault point armed with the injector that fires it and the session's wiring, checked before
 * the board is touched. A run holds one or none, so its fault path never meets a missing part.
 */
import { defaultAim, type Aim, type AimKind } from '../faults/aim.js';
import {
  createInjector,
  FaultNotSupportedError,
  type FaultEnvironment,
  type FaultInjector,
  type FaultLanding,
  type InjectorKind,
} from '../faults/injectors.js';
import { formatFaultPoint, type FaultPoint } from '../faults/fault-point.js';
import { isInsideOperation, unreachable } from '../faults/reach.js';

export interface FaultWiring {
  readonly env: FaultEnvironment;
  /** Told once the injector fired and the landing is known (the session updates its state). */
  readonly onFired?: (landing: FaultLanding, injector: FaultInjector) => void;
  /** How faults inside chip operations are aimed (default: the chip trigger on a virtual board, time otherwise). */
  readonly aim?: AimKind | Aim;
}

/** A fault point with the injector that fires it and the session's wiring; checked by preflight. */
export interface ArmedFault {
  readonly point: FaultPoint;
  readonly injector: FaultInjector;
  readonly wiring: FaultWiring;
  /** Set for points inside a chip operation. */
  readonly aim?: Aim;
}

/**
 * The fault point with its injector, refused now (RangeError, FaultNotSupportedError) if it
 * cannot fire, or cannot reach the point (reach.ts: Tcl-driven injectors land only between commands).
 */
export function armFault(
  faultPoint: FaultPoint | undefined,
  injectorOrKind: FaultInjector | InjectorKind | undefined,
  wiring: FaultWiring | undefined,
): ArmedFault | undefined {
  const injector = typeof injectorOrKind === 'string' ? createInjector(injectorOrKind) : injectorOrKind;
  if (!injector) {
    if (faultPoint) throw new RangeError(`fault point ${formatFaultPoint(faultPoint)} needs an injector`);
    return undefined;
  }
  if (!wiring) throw new RangeError('an injector needs the fault wiring (options.faults: the session provides it)');
  // An injector without a point is still checked: the caller meant to use it.
  injector.preflight(wiring.env);
  if (!faultPoint) return undefined;
  const why = unreachable(injector.kind, faultPoint);
  if (why) throw new FaultNotSupportedError(wiring.env.board.id, injector.kind, why);
  if (!isInsideOperation(faultPoint)) return { point: faultPoint, injector, wiring };
  const aim = typeof wiring.aim === 'object' ? wiring.aim : defaultAim(wiring.env, wiring.aim);
  return { point: faultPoint, injector, wiring, aim };
}
