/**
 * Fault injectors: the ways a programming run gets interrupted in the field. Each one fires
 * now (the runner calls it at the fault point), and tells the runner what it did; the runner
 * turns that and its RunTracker into a FaultLanding (where the interruption really landed).
 *
 * Tcl-based injectors (`shutdown`, `adapter assert srst`) go over a second Tcl connection, so
 * they are not queued behind the command being interrupted on the main one; when OpenOCD serves
 * them relative to a running flash command is OpenOCD's business, so the landing records when
 * the injector was done and when the in-flight command settled. SIGKILL and a power cut act at
 * once.
 */
import { setTimeout as delay } from 'node:timers/promises';
import type { BoardRecord } from '../boards/types.js';
import { NoVerdictError } from '../exit-codes.js';
import type { OpenOcdProcess, TclCaller } from '../openocd/index.js';
import type { PowerSwitch } from '../power/power-switch.js';
import type { FaultInjectorKind, FaultPoint } from './fault-point.js';
import type { RunSnapshot } from './run-tracker.js';
import type { VirtualBoardControl, VirtualFlashOperation } from '../boards/virtual-board-control.js';

/** The four field injectors, plus the virtual board's in-chip power cut. */
export type InjectorKind = FaultInjectorKind | 'virtual-chip-power-cut';

/** What injectors reach through the session (resolved at fire time: OpenOCD may be restarted). */
export interface FaultEnvironment {
  readonly board: BoardRecord;
  /** The OpenOCD process the session started; undefined when attached to an external one. */
  openOcdProcess(): OpenOcdProcess | undefined;
  /** A fresh Tcl connection (the main one is busy with the command being interrupted). */
  openSideChannel(): Promise<TclCaller & { close(): Promise<void> }>;
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

/** What an erase in flight is, for injectors that aim inside it. */
export interface EraseTarget {
  readonly unitIndex: number;
  /** Flash offset from the bank start. */
  readonly offset: number;
  readonly length: number;
  readonly delayMs: number;
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
  /** For an erase-in-flight point: called just before the erase command is sent. */
  prepareForErase?(env: FaultEnvironment, target: EraseTarget): Promise<void>;
  /**
   * For an erase-in-flight point: resolves at the moment to fire, after the erase command was
   * sent. Default: `delayMs` of wall time. The virtual in-chip trigger waits for the chip.
   */
  waitForEraseMoment?(env: FaultEnvironment, target: EraseTarget): Promise<void>;
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
}

export interface PowerCutOptions {
  /** How long the board stays off. Default 300 ms. */
  readonly offMs?: number;
  /** Restore power afterwards. Default true. */
  readonly restore?: boolean;
}

function requirePowerCut(env: FaultEnvironment, kind: InjectorKind): void {
  if (!env.board.allows.powerCut) throw new FaultNotSupportedError(env.board.id, kind, 'boards.json allows.powerCut is false');
  if (kind === 'power-cut' && !env.power()) throw new FaultNotSupportedError(env.board.id, kind, `the board has no power switch (power.type ${env.board.power.type})`);
}

class KillOpenOcd implements FaultInjector {
  readonly kind = 'kill-openocd' as const;
  readonly endsOpenOcd = true;
  readonly cutsPower = false;

  preflight(env: FaultEnvironment): void {
    if (!env.openOcdProcess()) throw new FaultNotSupportedError(env.board.id, this.kind, 'the session is attached to an OpenOCD it did not start (openocd.tclHost/tclPort): it cannot kill it');
  }

  async fire(env: FaultEnvironment): Promise<FireResult> {
    const proc = env.openOcdProcess();
    if (!proc) throw new FaultNotSupportedError(env.board.id, this.kind, 'no OpenOCD process');
    const exit = await proc.kill('SIGKILL');
    return { notes: [`OpenOCD pid ${proc.pid ?? '?'} killed with SIGKILL (exit: code ${exit.code ?? '-'}, signal ${exit.signal ?? '-'})`] };
  }
}

class TclShutdown implements FaultInjector {
  readonly kind = 'tcl-shutdown' as const;
  readonly endsOpenOcd = true;
  readonly cutsPower = false;

  preflight(): void {}

  async fire(env: FaultEnvironment): Promise<FireResult> {
    const proc = env.openOcdProcess();
    proc?.expectExit();
    const firedAt = performance.now();
    const side = await env.openSideChannel();
    const sentAt = performance.now();
    try {
      // -600 = ERROR_COMMAND_CLOSE_CONNECTION, OpenOCD's normal answer to shutdown.
      await side.call('shutdown', { acceptCodes: [-600], timeoutMs: 600_000 }).catch((error: unknown) => {
        // The connection may drop before the reply arrives: that is the shutdown working.
        if (!(error instanceof Error) || !/connection lost|closed/i.test(error.message)) throw error;
      });
    } catch (error) {
      throw new FaultInjectionError(env.board.id, this.kind, 'send Tcl shutdown', error instanceof Error ? error.message : String(error), { cause: error });
    } finally {
      await side.close().catch(() => undefined);
    }
    const answeredMs = performance.now() - sentAt;
    if (proc) await Promise.race([proc.exited, delay(10_000)]);
    return {
      notes: [
        `second Tcl connection ready ${(sentAt - firedAt).toFixed(0)} ms after firing (OpenOCD answers a new connection only between commands)`,
        `Tcl shutdown answered ${answeredMs.toFixed(0)} ms after it was sent`,
        proc ? `OpenOCD pid ${proc.pid ?? '?'} ${proc.running ? 'still running after 10 s' : 'exited'}` : 'external OpenOCD: exit not observed',
      ],
    };
  }
}

class AssertSrst implements FaultInjector {
  readonly kind = 'srst' as const;
  readonly endsOpenOcd = false;
  readonly cutsPower = false;

  constructor(private readonly holdMs = 100) {}

  preflight(env: FaultEnvironment): void {
    if (!env.board.reset.srst) throw new FaultNotSupportedError(env.board.id, this.kind, 'boards.json reset.srst is false: the probe does not drive NRST');
  }

  async fire(env: FaultEnvironment): Promise<FireResult> {
    const firedAt = performance.now();
    const side = await env.openSideChannel();
    const sentAt = performance.now();
    try {
      await side.call('adapter assert srst', { timeoutMs: 600_000 });
      const assertedAfter = performance.now() - sentAt;
      await delay(this.holdMs);
      await side.call('adapter deassert srst');
      return {
        notes: [
          `second Tcl connection ready ${(sentAt - firedAt).toFixed(0)} ms after firing (OpenOCD answers a new connection only between commands)`,
          `NRST asserted ${assertedAfter.toFixed(0)} ms after the request, held ${this.holdMs} ms, released`,
          'MCU reset only: the W25Q512JV keeps power, so an erase or program it was running goes on',
        ],
      };
    } catch (error) {
      throw new FaultInjectionError(env.board.id, this.kind, 'pulse SRST', error instanceof Error ? error.message : String(error), { cause: error });
    } finally {
      await side.close().catch(() => undefined);
    }
  }
}

class PowerCut implements FaultInjector {
  readonly kind = 'power-cut' as const;
  readonly endsOpenOcd = false;
  readonly cutsPower = true;

  constructor(private readonly options: PowerCutOptions = {}) {}

  preflight(env: FaultEnvironment): void {
    requirePowerCut(env, this.kind);
  }

  async fire(env: FaultEnvironment): Promise<FireResult> {
    const power = env.power()!;
    const offMs = this.options.offMs ?? 300;
    try {
      await power.off();
    } catch (error) {
      throw new FaultInjectionError(env.board.id, this.kind, 'cut power', error instanceof Error ? error.message : String(error), { cause: error });
    }
    const notes = [`power cut through ${power.description}`];
    if (this.options.restore ?? true) {
      await delay(offMs);
      try {
        await power.on();
      } catch (error) {
        throw new FaultInjectionError(env.board.id, this.kind, 'restore power', error instanceof Error ? error.message : String(error), { cause: error });
      }
      notes.push(`power restored after ${offMs} ms`);
    }
    return { notes };
  }
}

/**
 * Virtual board only: waits until the chip itself reports the erase of the target unit in
 * progress (its operation log over the control socket), waits `delayMs`, then cuts power at
 * the board. Precise where a relay is not: the landing carries the chip's own record of the
 * interrupted erase (elapsed fraction).
 */
class VirtualChipPowerCut implements FaultInjector {
  readonly kind = 'virtual-chip-power-cut' as const;
  readonly endsOpenOcd = false;
  readonly cutsPower = true;
  private target: EraseTarget | undefined;
  /** Start time (chip nanos) of the newest logged operation before the erase was sent. */
  private baselineNanos = -1;

  constructor(private readonly options: PowerCutOptions = {}) {}

  async prepareForErase(env: FaultEnvironment): Promise<void> {
    const ops = await env.control()!.operations();
    this.baselineNanos = ops.reduce((max, op) => Math.max(max, op.startNanos), -1);
  }

  preflight(env: FaultEnvironment): void {
    if (env.board.kind !== 'virtual') throw new FaultNotSupportedError(env.board.id, this.kind, 'only the virtual board has an in-chip trigger');
    if (!env.control()) throw new FaultNotSupportedError(env.board.id, this.kind, 'the virtual board has no control socket');
    requirePowerCut(env, this.kind);
  }

  async waitForEraseMoment(env: FaultEnvironment, target: EraseTarget): Promise<void> {
    this.target = target;
    const control = env.control()!;
    const deadline = performance.now() + 10_000;
    for (;;) {
      const ops = await control.operations();
      const erase = findErase(ops, target.offset, this.baselineNanos);
      if (erase?.result === 'in-progress') break;
      if (erase && erase.result !== 'in-progress') {
        throw new FaultInjectionError(env.board.id, this.kind, `catch the erase of unit ${target.unitIndex} in flight`, `the chip's log shows it already ${erase.result} (erase too short for the trigger: raise the virtual time scale)`);
      }
      if (performance.now() > deadline) throw new FaultInjectionError(env.board.id, this.kind, `see the erase of unit ${target.unitIndex} start`, 'no erase of that address in the chip log within 10 s');
      await delay(1);
    }
    await delay(target.delayMs);
  }

  async fire(env: FaultEnvironment): Promise<FireResult> {
    const control = env.control()!;
    await control.power(false);
    const offMs = this.options.offMs ?? 300;
    const notes = ['power cut through the virtual board control socket'];
    const virtual: Record<string, unknown> = {};
    if (this.target) {
      const record = findErase(await control.operations(), this.target.offset, this.baselineNanos);
      virtual.interruptedOperation = record;
      if (record) notes.push(`chip log: ${record.op} at 0x${record.address.toString(16)} ${record.result}${record.fraction !== undefined ? ` at ${(record.fraction * 100).toFixed(1)} %` : ''}`);
    }
    if (this.options.restore ?? true) {
      await delay(offMs);
      await control.power(true);
      notes.push(`power restored after ${offMs} ms`);
    }
    return { notes, virtual };
  }
}

function findErase(ops: readonly VirtualFlashOperation[], offset: number, afterNanos: number): VirtualFlashOperation | undefined {
  for (let i = ops.length - 1; i >= 0; i--) {
    const op = ops[i]!;
    if (op.startNanos <= afterNanos) continue;
    if (op.op.includes('erase') && op.address <= offset && offset < op.address + op.length) return op;
  }
  return undefined;
}

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
  }
}

/** Fires an injector outside a programming run (a spec's "pull the plug now"). */
export async function fireNow(env: FaultEnvironment, injector: FaultInjector, description = 'fired by hand'): Promise<FaultLanding> {
  injector.preflight(env);
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
  };
}

export type { FaultPoint };
