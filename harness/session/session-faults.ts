/**
 * The session's fault side: the environment injectors act through, resolved when they fire
 * (a reconnect replaces OpenOCD), and `session.faults` for spec code.
 */
import type { BoardRecord } from '../boards/types.js';
import type { VirtualBoardControl } from '../boards/virtual-board-control.js';
import {
  createInjector,
  fireNow,
  type FaultEnvironment,
  type FaultInjector,
  type FaultLanding,
  type InjectorKind,
  type InjectorOptions,
} from '../faults/injectors.js';
import { confirmFault, type FaultConfirmation } from '../faults/confirmation.js';
import type { PowerSwitch } from '../power/power-switch.js';
import type { OpenOcdConnection } from './openocd-connection.js';

/** What the session offers spec code about faults. */
export interface SessionFaults {
  /** The environment injectors act through (resolved at fire time). */
  readonly env: FaultEnvironment;
  /** Every landing so far, oldest first. */
  readonly landings: readonly FaultLanding[];
  injector(kind: InjectorKind): FaultInjector;
  /** Fires an injector now, outside a programming run ("pull the plug now"). */
  fire(kind: InjectorKind | FaultInjector, description?: string): Promise<FaultLanding>;
  /**
   * Confirms from the MCU's reset flags that the landing's fault happened (harness/faults/
   * confirmation.ts): after `reconnect()` for a power cut, right after the fault (before anything
   * resets the MCU) for SRST. Throws FaultNotConfirmedError (no verdict) when it did not; a
   * landing with nothing to confirm, or already settled, returns its record as it is.
   */
  confirm(landing: FaultLanding): Promise<FaultConfirmation | undefined>;
  /**
   * Records a fault fired outside the harness's plan (a procedure run, harness/procedures): the
   * session then treats it like any fired injector (evidence, reconnect, a chip lost after it).
   */
  record(landing: FaultLanding, injector: FaultInjector): void;
}

export interface FaultEnvironmentParts {
  readonly openocd: OpenOcdConnection;
  readonly power: () => PowerSwitch | undefined;
  readonly control: () => VirtualBoardControl | undefined;
}

export function createFaultEnvironment(board: BoardRecord, parts: FaultEnvironmentParts): FaultEnvironment {
  return {
    board,
    openOcdProcess: () => parts.openocd.process,
    openSideChannel: () => parts.openocd.openSideChannel(),
    tcl: () => parts.openocd.caller(() => new Error('OpenOCD is not running')),
    power: parts.power,
    control: parts.control,
  };
}

export interface SessionFaultHooks {
  /** Throws when the session cannot act (closed, broken). */
  readonly check: (method: string) => void;
  /** Every fired injector's landing, for the session's state and evidence. */
  readonly onFired: (landing: FaultLanding, injector: FaultInjector) => void;
}

export function createSessionFaults(
  env: FaultEnvironment,
  options: InjectorOptions | undefined,
  landings: readonly FaultLanding[],
  hooks: SessionFaultHooks,
): SessionFaults {
  return {
    env,
    landings,
    injector: (kind) => createInjector(kind, options),
    fire: async (kind, description) => {
      hooks.check('faults.fire');
      const injector = typeof kind === 'string' ? createInjector(kind, options) : kind;
      const landing = await fireNow(env, injector, description);
      hooks.onFired(landing, injector);
      return landing;
    },
    record: (landing, injector) => hooks.onFired(landing, injector),
    confirm: async (landing) => {
      if (landing.confirmation?.status === 'pending') hooks.check('faults.confirm');
      return confirmFault(env, landing);
    },
  };
}
