/**
 * One run of a board's programming procedure, optionally interrupted, the way the field runs it:
 *
 * - `openocd-plan`: the harness's plan (session.flash.program).
 * - `openocd-program`: OpenOCD's own `program <image> verify <address>`, one call on the
 *   harness's OpenOCD (program-run.ts).
 * - `command`: the team's tool as a child process in its own process group (command-run.ts).
 *
 * A fault fires at the procedure point (procedure-point.ts): when the tool's output states a
 * progress or matches a line, after a time, or while the virtual chip holds inside an erase or a
 * page program. The run returns what the tool did (exit, output, progress) and the landing; it
 * throws only when it cannot run the procedure at all (a tool that cannot be started: broken).
 * Whether the run succeeded is the caller's verdict (`assertProcedureSucceeded`).
 */
import type { ProcedureSpec } from '../boards/types.js';
import { VerdictCategory, VerdictError } from '../exit-codes.js';
import type { AimReport } from '../faults/aim.js';
import type { FaultLanding } from '../faults/injectors.js';
import type { ProgrammingResult } from '../flash/programming-result.js';
import type { BoardSession } from '../session/board-session.js';
import { runCommand } from './command-run.js';
import type { CommandExit, ProgressSample } from './command-process.js';
import type { ProcedureFault } from './procedure-injectors.js';
import { runProgramCommand } from './program-run.js';

export { PROCEDURE_UNIT, chipOperationTarget } from './procedure-target.js';

export interface ProcedureRunOptions {
  /** Flash offset of the image in the QSPI bank. Default 0. */
  readonly offset?: number;
  readonly fault?: ProcedureFault;
  /** openocd-plan only: the write chunk. */
  readonly chunkSize?: number;
}

export interface ProcedureFaultRecord {
  readonly injector: ProcedureFault['injector'];
  readonly point: string;
  /** False when the procedure ended before the point was reached: the fault never fired. */
  readonly fired: boolean;
  /** Milliseconds from the procedure's start to the moment the injector fired. */
  readonly firedAtMs?: number;
  /** What made it fire: the progress sample, the line, the time, the chip trigger. */
  readonly trigger?: string;
  /** The last progress the tool stated before the fault. */
  readonly progressAtFire?: ProgressSample;
  readonly aim?: AimReport;
  readonly landing?: FaultLanding;
  readonly notes: readonly string[];
}

export interface ProcedureRun {
  readonly procedure: string;
  readonly kind: ProcedureSpec['kind'];
  readonly boardId: string;
  /** The command line as run (shell-quoted), or the Tcl call. */
  readonly command: string;
  readonly exit?: CommandExit;
  /** command: the tool's process id, which is also its process group's id. */
  readonly toolPid?: number;
  /** True when the procedure reported success (exit code among its success codes, no timeout, not killed). */
  readonly succeeded: boolean;
  /** Why it did not succeed, in a person's words. */
  readonly failure?: string;
  readonly transcript: string;
  readonly progress: readonly ProgressSample[];
  readonly durationMs: number;
  readonly imageBytes: number;
  readonly fault?: ProcedureFaultRecord;
  /** openocd-plan: the plan's result. */
  readonly plan?: ProgrammingResult;
}

/** A procedure that failed with no fault injected (or timed out): a verdict, with its output. */
export class ProcedureFailedError extends VerdictError {
  constructor(readonly run: ProcedureRun) {
    super(VerdictCategory.procedureFailed, `board ${run.boardId}: procedure ${run.procedure} (${run.command}) ${run.failure ?? 'failed'}`);
  }
}

/** Throws ProcedureFailedError unless the run succeeded. */
export function assertProcedureSucceeded(run: ProcedureRun): void {
  if (!run.succeeded) throw new ProcedureFailedError(run);
}

/** Runs `procedure` to program `image` on the session's board (see the module comment). */
export async function runProcedure(
  session: BoardSession,
  procedure: ProcedureSpec,
  image: Uint8Array,
  options: ProcedureRunOptions = {},
): Promise<ProcedureRun> {
  switch (procedure.kind) {
    case 'openocd-plan':
      return runPlan(session, procedure.id, image, options);
    case 'openocd-program':
      return runProgramCommand(session, procedure, image, options);
    case 'command':
      return runCommand(session, procedure, image, options);
  }
}

async function runPlan(session: BoardSession, id: string, image: Uint8Array, options: ProcedureRunOptions): Promise<ProcedureRun> {
  if (options.fault) throw new RangeError("the harness's plan is interrupted through session.flash.program's fault points, not a procedure fault");
  const started = performance.now();
  const plan = await session.flash.program(image, {
    ...(options.offset !== undefined ? { offset: options.offset } : {}),
    chunkSize: options.chunkSize ?? 16 * 1024,
  });
  const ok = plan.verify?.ok !== false;
  return {
    procedure: id,
    kind: 'openocd-plan',
    boardId: session.board.id,
    command: 'harness plan: erase, write, verify',
    succeeded: ok,
    ...(ok ? {} : { failure: `verify found ${plan.verify?.differences.length ?? '?'} differences` }),
    transcript: '',
    progress: [],
    durationMs: performance.now() - started,
    imageBytes: image.length,
    plan,
  };
}
