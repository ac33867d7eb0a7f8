/**
 * Making and firing fault injectors: `createInjector(kind)` for a programming run's fault
 * point, `fireNow` for a spec's "pull the plug now". The contract is in injector.ts, the field
 * injectors in field-injectors.ts, the virtual board's in-chip trigger in virtual-chip-power-cut.ts.
 */
import type { FaultPoint } from './fault-point.js';
import { AssertSrst, KillOpenOcd, PowerCut, TclShutdown } from './field-injectors.js';
import type { FaultEnvironment, FaultInjector, FaultLanding, InjectorKind, PowerCutOptions } from './injector.js';
import { VirtualChipPowerCut } from './virtual-chip-power-cut.js';
import { prepareConfirmation } from './confirmation.js';
import { FaultNotSupportedError } from './injector.js';

export { FaultInjectionError, FaultNotSupportedError } from './injector.js';
export type { FaultEnvironment, FaultInjector, FaultLanding, FireResult, InjectorKind, PowerCutOptions } from './injector.js';

export interface InjectorOptions {
  /** srst: how long NRST stays asserted. Default 100 ms. */
  readonly srstHoldMs?: number;
  readonly powerCut?: PowerCutOptions;
}

export function createInjector(kind: InjectorKind, options: InjectorOptions = {}): FaultInjector {
  switch (kind) {
    case 'kill-openocd':
      return new KillOpenOcd();
    case 'tcl-shutdown':
      return new TclShutdown();
    case 'srst':
      return new AssertSrst(options.srstHoldMs);
    case 'power-cut':
      return new PowerCut(options.powerCut);
    case 'virtual-chip-power-cut':
      return new VirtualChipPowerCut(options.powerCut);
    case 'kill-tool':
      throw new FaultNotSupportedError(
        '(any)',
        kind,
        "kill-tool fires only while a command procedure runs (harness/procedures): it kills the tool's process group",
      );
  }
}

/**
 * Fires an injector outside a programming run (a spec's "pull the plug now"). A fault that resets
 * the MCU clears its reset flags first; the landing's confirmation stays pending until
 * `confirmFault` (after `reconnect()` for a power cut).
 */
export async function fireNow(env: FaultEnvironment, injector: FaultInjector, description = 'fired by hand'): Promise<FaultLanding> {
  injector.preflight(env);
  const confirmation = await prepareConfirmation(env, injector.kind);
  const started = performance.now();
  const result = await injector.fire(env);
  return {
    injector: injector.kind,
    point: 'manual',
    description,
    phase: 'done',
    lastAckedByte: 0,
    lastErasedUnit: undefined,
    lastErasedOffset: undefined,
    elapsedMs: Math.round(performance.now() - started),
    inFlightCommand: undefined,
    inFlightOutcome: 'none',
    injectorDoneAtMs: Math.round(performance.now() - started),
    notes: result.notes,
    ...(result.virtual ? { virtual: result.virtual } : {}),
    ...(confirmation ? { confirmation } : {}),
  };
}

export type { FaultPoint };
