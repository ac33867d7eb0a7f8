/**
 * The faults a procedure run can take, and which procedure and board can take which. A command
 * procedure's tool is killed by its process group (`kill-tool`), the board's power cut through
 * its switch, or NRST pulsed by the board's own reset line (the virtual board's; a real board's
 * only reset line is the probe's, which the tool holds). OpenOCD's `program` on the harness's
 * OpenOCD takes the harness's kill and power cut.
 */
import { setTimeout as delay } from 'node:timers/promises';
import type { BoardRecord, ProcedureSpec } from '../boards/types.js';
import { FaultInjectionError, type FaultEnvironment, type FaultInjector, type FireResult } from '../faults/injectors.js';
import { formatProcedurePoint, isChipOperationPoint, type ProcedurePoint } from './procedure-point.js';

export type ProcedureInjectorKind = 'kill-tool' | 'power-cut' | 'srst' | 'kill-openocd';

export const PROCEDURE_INJECTORS: readonly ProcedureInjectorKind[] = ['kill-tool', 'power-cut', 'srst', 'kill-openocd'];

export interface ProcedureFault {
  readonly injector: ProcedureInjectorKind;
  readonly point: ProcedurePoint;
}

/** SIGKILL to the running tool's process group (set once the tool runs). */
export class KillTool implements FaultInjector {
  readonly kind = 'kill-tool' as const;
  readonly endsOpenOcd = false;
  readonly cutsPower = false;

  constructor(private readonly tool: () => { readonly pid: number; killGroup(signal?: NodeJS.Signals): void } | undefined) {}

  preflight(): void {}

  fire(env: FaultEnvironment): Promise<FireResult> {
    const running = this.tool();
    if (!running) return Promise.reject(new FaultInjectionError(env.board.id, this.kind, 'kill the tool', 'no tool is running'));
    running.killGroup('SIGKILL');
    return Promise.resolve({
      notes: [`SIGKILL to the tool's process group ${running.pid}`, 'the chip keeps power and finishes the operation it started'],
    });
  }
}

/** NRST pulsed through the virtual board's control socket: a reset line that is not the probe's. */
export class ControlSrst implements FaultInjector {
  readonly kind = 'srst' as const;
  readonly endsOpenOcd = false;
  readonly cutsPower = false;

  constructor(private readonly holdMs = 100) {}

  preflight(env: FaultEnvironment): void {
    if (!env.control()) throw new FaultInjectionError(env.board.id, this.kind, 'pulse NRST', 'the board has no reset line besides the probe');
  }

  async fire(env: FaultEnvironment): Promise<FireResult> {
    const control = env.control()!;
    try {
      await control.nrst(true);
      await delay(this.holdMs);
      await control.nrst(false);
    } catch (error) {
      throw new FaultInjectionError(env.board.id, this.kind, 'pulse NRST', error instanceof Error ? error.message : String(error), { cause: error });
    }
    return { notes: [`NRST asserted through the board's reset line for ${this.holdMs} ms`, 'MCU reset only: the chip finishes an operation it was running'] };
  }
}

/** Why `board` cannot take `fault` while `procedure` runs; undefined when it can. */
export function procedureFaultUnreachable(procedure: ProcedureSpec, board: BoardRecord, fault: ProcedureFault): string | undefined {
  const { injector, point } = fault;
  const virtual = board.kind === 'virtual';
  if (injector === 'power-cut') {
    if (!board.allows.powerCut) return 'boards.json allows.powerCut is false for this board';
    if (board.power.type === 'none') return 'the board has no power switch (power.type none)';
  }
  if (injector === 'srst' && !virtual && !board.reset.srst) return 'boards.json reset.srst is false: the probe does not drive NRST';
  if (isChipOperationPoint(point) && !virtual)
    return `${formatProcedurePoint(point)} is held by the virtual board's chip trigger; on silicon aim a tool's run by progress:, line: or time:`;
  switch (procedure.kind) {
    case 'openocd-plan':
      return "the harness's plan takes the plan's fault points (harness/faults), not a procedure's";
    case 'openocd-program':
      if (injector === 'kill-tool') return "OpenOCD's program runs on the harness's OpenOCD: kill-openocd kills it";
      if (injector === 'srst') return 'OpenOCD serves the Tcl connection that asserts NRST only between commands, and program is one command';
      if (point.kind === 'progress' || point.kind === 'line')
        return "OpenOCD's program says nothing on the Tcl port until it returns: aim it by time or a chip operation";
      return undefined;
    case 'command':
      if (procedure.usesHarnessOpenOcd) {
        if (injector === 'kill-tool')
          return `procedure ${procedure.id} programs through the harness's OpenOCD (usesHarnessOpenOcd): killing the tool leaves OpenOCD's work running; kill-openocd interrupts it`;
        if (injector === 'srst' && !virtual)
          return "OpenOCD serves the Tcl connection that asserts NRST only between commands, and the tool's work on it may be one command";
      } else if (injector === 'kill-openocd') return "the tool runs its own programmer: kill-tool kills the tool's process group";
      if (injector === 'srst' && procedure.needsProbe && !virtual)
        return "the tool holds the probe, whose NRST is the board's only reset line: the harness has no SRST of its own while the tool runs";
      if (point.kind === 'progress' && procedure.progress === undefined) return `procedure ${procedure.id} has no progress pattern: aim it by line: or time:`;
      return undefined;
  }
}
