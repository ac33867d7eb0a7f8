/**
 * The field injectors: the ways a programming run gets interrupted in the field. Each one fires
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
import { TclConnectionLostError } from '../openocd/index.js';
import {
  FaultInjectionError,
  FaultNotSupportedError,
  type FaultEnvironment,
  type FaultInjector,
  type FireResult,
  type InjectorKind,
  type PowerCutOptions,
} from './injector.js';

export function requirePowerCut(env: FaultEnvironment, kind: InjectorKind): void {
  if (!env.board.allows.powerCut) throw new FaultNotSupportedError(env.board.id, kind, 'boards.json allows.powerCut is false');
  if (kind === 'power-cut' && !env.power())
    throw new FaultNotSupportedError(env.board.id, kind, `the board has no power switch (power.type ${env.board.power.type})`);
}

export class KillOpenOcd implements FaultInjector {
  readonly kind = 'kill-openocd' as const;
  readonly endsOpenOcd = true;
  readonly cutsPower = false;

  preflight(env: FaultEnvironment): void {
    if (!env.openOcdProcess())
      throw new FaultNotSupportedError(
        env.board.id,
        this.kind,
        'the session is attached to an OpenOCD it did not start (openocd.tclHost/tclPort): it cannot kill it',
      );
  }

  async fire(env: FaultEnvironment): Promise<FireResult> {
    const proc = env.openOcdProcess();
    if (!proc) throw new FaultNotSupportedError(env.board.id, this.kind, 'no OpenOCD process');
    const exit = await proc.kill('SIGKILL');
    return { notes: [`OpenOCD pid ${proc.pid ?? '?'} killed with SIGKILL (exit: code ${exit.code ?? '-'}, signal ${exit.signal ?? '-'})`] };
  }
}

export class TclShutdown implements FaultInjector {
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
        if (!(error instanceof TclConnectionLostError)) throw error;
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

export class AssertSrst implements FaultInjector {
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

export class PowerCut implements FaultInjector {
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
