/**
 * What a fault injector is: the contract between the programming run (which fires it at a fault
 * point) and the ways a run gets interrupted, the environment injectors act through, and the
 * landing record (where the interruption really landed).
 */
import type { BoardRecord } from '../boards/types.js';
import { NoVerdictError } from '../exit-codes.js';
import type { OpenOcdProcess, TclCaller } from '../openocd/index.js';
import type { PowerSwitch } from '../power/power-switch.js';
import type { FaultInjectorKind } from './fault-point.js';
import type { RunSnapshot } from './run-tracker.js';
import type { VirtualBoardControl } from '../boards/virtual-board-control.js';
import type { AimReport } from './aim.js';
import type { FaultConfirmation } from './confirmation.js';

/**
 * The four field injectors, the virtual board's in-chip power cut, and SIGKILL to a programming
 * tool's process group (harness/procedures: only while a command procedure runs).
 */
export type InjectorKind = FaultInjectorKind | 'virtual-chip-power-cut' | 'kill-tool';

/** What injectors reach through the session (resolved at fire time: OpenOCD may be restarted). */
export interface FaultEnvironment {
  readonly board: BoardRecord;
  /** The OpenOCD process the session started; undefined when attached to an external one. */
  openOcdProcess(): OpenOcdProcess | undefined;
  /** A fresh Tcl connection (the main one is busy with the command being interrupted). */
  openSideChannel(): Promise<TclCaller & { close(): Promise<void> }>;
  /** The session's main Tcl connection, for work while no command runs (it lands in the transcript). */
  tcl?(): TclCaller | undefined;
  power(): PowerSwitch | undefined;
  control(): VirtualBoardControl | undefined;
}

export class FaultNotSupportedError extends NoVerdictError {
  constructor(
    readonly boardId: string,
    readonly injector: InjectorKind,
    readonly reason: string,
  ) {
    super(`board ${boardId}: fault injector ${injector} cannot run: ${reason}`);
  }
}

export class FaultInjectionError extends NoVerdictError {
  constructor(
    readonly boardId: string,
    readonly injector: InjectorKind,
    readonly action: string,
    readonly response: string,
    options?: { cause?: unknown },
  ) {
    super(`board ${boardId}: fault injector ${injector} failed to ${action}: ${response}`, options);
  }
}

export interface FireResult {
  /** Free-text notes on what was done and observed ("Tcl shutdown answered after the erase returned"). */
  readonly notes: readonly string[];
  /** Extra evidence from the virtual board's control socket (operation record, power state). */
  readonly virtual?: Record<string, unknown>;
}

export interface FaultInjector {
  readonly kind: InjectorKind;
  /** True when OpenOCD no longer serves afterwards: the session must `reconnect()`. */
  readonly endsOpenOcd: boolean;
  /** True when the board lost power (OpenOCD's view of the target is stale: reconnect too). */
  readonly cutsPower: boolean;
  /** Refuses before the run touches the board (board without a switch, power cuts forbidden...). */
  preflight(env: FaultEnvironment): void;
  fire(env: FaultEnvironment): Promise<FireResult>;
}

export interface FaultLanding {
  readonly injector: InjectorKind;
  /** The planned point in its CLI spelling (formatFaultPoint), or 'manual'. */
  readonly point: string;
  readonly description: string;
  /** Where the run was when the injector fired. */
  readonly phase: RunSnapshot['phase'];
  /** Image bytes acknowledged as written when the run stopped. */
  readonly lastAckedByte: number;
  /** Index of the last erase unit acknowledged as erased when the run stopped. */
  readonly lastErasedUnit: number | undefined;
  readonly lastErasedOffset: number | undefined;
  /**
   * What OpenOCD had acknowledged when the injector fired. The fields above also count an
   * in-flight command that completed afterwards (OpenOCD may report an erase done that a power
   * cut stopped: the chip comes back idle).
   */
  readonly acknowledgedBeforeFault?: { readonly lastErasedUnit: number | undefined; readonly lastAckedByte: number };
  /** Milliseconds from the start of the run to the moment the injector fired. */
  readonly elapsedMs: number;
  /** The command that was running on OpenOCD when the injector fired. */
  readonly inFlightCommand: string | undefined;
  /** What became of it: it failed (interrupted), or finished before the fault took effect. */
  readonly inFlightOutcome: 'interrupted' | 'completed' | 'none';
  /** Milliseconds from the start of the run until the in-flight command settled (if there was one). */
  readonly inFlightSettledAtMs?: number;
  /** Milliseconds from the start of the run until the injector had done its work. */
  readonly injectorDoneAtMs: number;
  readonly notes: readonly string[];
  readonly virtual?: Record<string, unknown>;
  /** For a point inside a chip operation: how it was aimed and whether the aim saw it hit. */
  readonly aim?: AimReport;
  /** For faults that reset the MCU: whether its reset flags confirm it (confirmation.ts). */
  readonly confirmation?: FaultConfirmation;
}

export interface PowerCutOptions {
  /** How long the board stays off. Default 300 ms. */
  readonly offMs?: number;
  /** Restore power afterwards. Default true. */
  readonly restore?: boolean;
}
