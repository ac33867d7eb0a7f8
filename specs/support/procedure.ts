/**
 * The procedure under test (HIL_PROCEDURE, set by `--procedure`; default the harness's plan), and
 * its interruption cases for spec 2 when it is not the plan: the run laid down and interrupted by
 * the procedure itself, the landing observed through the harness's OpenOCD before anything
 * repairs the chip. Every run's tool output and exit status are attached as they happen, so a
 * failed case still shows them.
 */
import {
  assertProcedureSucceeded,
  checkProcedureLanding,
  DEFAULT_PROCEDURE_ID,
  findProcedure,
  formatProcedurePoint,
  parseProcedurePoint,
  procedureFaultUnreachable,
  procedureIntendedLanding,
  ProcedureFailedError,
  runProcedure,
  type ProcedureFault,
  type ProcedureInjectorKind,
  type ProcedureIntendedLanding,
  type ProcedureLandingCheck,
  type ProcedureRun,
} from '../../harness/procedures/index.js';
import type { ProcedureSpec } from '../../harness/boards/index.js';
import { FaultDidNotLandError, type LandingObservation } from '../../harness/flash/index.js';
import { attachJson, attachText, parameter, step } from '../../harness/report/index.js';
import type { BoardSession } from '../../harness/session/index.js';
import type { SpecImages } from './images.js';
import { narrowedCases, UNIT } from './interruption.js';

/**
 * For a spec that judges the board, the bootloader or the harness itself and programs through the
 * harness (its plan, OpenOCD's commands) whatever procedure the run puts under test: its results
 * say so (`procedure` = openocd-plan) instead of naming a procedure they never ran.
 */
export function programsWithHarnessPlan(): void {
  beforeEach(async () => {
    await parameter('procedure', DEFAULT_PROCEDURE_ID);
  });
}

/** The procedure the run puts under test on this board. */
export function specProcedure(board: BoardSession['board']): ProcedureSpec {
  return findProcedure(board, process.env.HIL_PROCEDURE || undefined, 'HIL_PROCEDURE');
}

export interface ProcedureCase {
  readonly injector: ProcedureInjectorKind;
  readonly point: string;
}

/**
 * A team's tool: killed at half its stated progress and during an erase (the chip finishes), cut
 * during an erase, a page program and the write, reset by NRST during the write.
 */
export const COMMAND_MATRIX: readonly ProcedureCase[] = [
  { injector: 'kill-tool', point: 'progress:50%' },
  { injector: 'kill-tool', point: 'erase-in-flight:last:50%' },
  { injector: 'power-cut', point: 'erase-in-flight:middle:50%' },
  { injector: 'power-cut', point: 'program-in-flight:last:50%' },
  { injector: 'power-cut', point: 'progress:25%' },
  { injector: 'srst', point: 'progress:75%' },
];

/**
 * Programming that runs in the harness's OpenOCD (its own program, or a tool that drives it):
 * OpenOCD killed or the power cut inside its erase and its page programs.
 */
export const OPENOCD_PROGRAM_MATRIX: readonly ProcedureCase[] = [
  { injector: 'kill-openocd', point: 'erase-in-flight:middle:50%' },
  { injector: 'power-cut', point: 'erase-in-flight:first:50%' },
  { injector: 'power-cut', point: 'program-in-flight:last:50%' },
];

/** The cases for `procedure`, or the cross product HIL_SPEC_INJECTORS × HIL_SPEC_POINTS when either narrows the run. */
export function procedureCases(procedure: ProcedureSpec, env: NodeJS.ProcessEnv = process.env): readonly ProcedureCase[] {
  const inHarnessOpenOcd = procedure.kind === 'openocd-program' || (procedure.kind === 'command' && procedure.usesHarnessOpenOcd);
  return narrowedCases(inHarnessOpenOcd ? OPENOCD_PROGRAM_MATRIX : COMMAND_MATRIX, env);
}

/** Why this board and procedure cannot take the case; undefined when they can. */
export function procedureCaseUnsupported(c: ProcedureCase, procedure: ProcedureSpec, board: BoardSession['board']): string | undefined {
  return procedureFaultUnreachable(procedure, board, { injector: c.injector, point: parseProcedurePoint(c.point) });
}

/** The run's summary and the tool's whole output, attached under `name`. */
export async function attachProcedureRun(name: string, run: ProcedureRun): Promise<void> {
  await attachJson(name, {
    procedure: run.procedure,
    kind: run.kind,
    command: run.command,
    succeeded: run.succeeded,
    ...(run.failure ? { failure: run.failure } : {}),
    exit: run.exit ?? null,
    durationMs: Math.round(run.durationMs),
    imageBytes: run.imageBytes,
    progressSamples: run.progress.length,
    lastProgress: run.progress[run.progress.length - 1] ?? null,
    fault: run.fault ?? null,
  });
  if (run.transcript !== '') await attachText(`${name}: tool output`, run.transcript);
}

/** A normal run of the procedure (no fault): attached, and a verdict "procedure failed" when it does not succeed. */
export async function programWithProcedure(session: BoardSession, procedure: ProcedureSpec, image: Uint8Array, what: string): Promise<ProcedureRun> {
  return step(`${what} with procedure ${procedure.id}`, async () => {
    const run = await runProcedure(session, procedure, image);
    await attachProcedureRun(what, run);
    assertProcedureSucceeded(run);
    return run;
  });
}

export interface ProcedureInterruption {
  readonly run: ProcedureRun;
  readonly observation: LandingObservation;
  readonly intended: ProcedureIntendedLanding;
  readonly check: ProcedureLandingCheck;
  /** The `landing observed` attachment. */
  readonly record: Record<string, unknown>;
}

/**
 * Lays down the previous image with the procedure, runs the new image's programming with the
 * fault, and observes the landing (the run brought the harness's OpenOCD back). Throws
 * ProcedureFailedError when the procedure failed on its own before the point (a verdict), and
 * FaultDidNotLandError when the fault never fired or landed elsewhere (broken).
 */
export async function interruptProcedureAndObserve(
  session: BoardSession,
  procedure: ProcedureSpec,
  c: ProcedureCase,
  images: SpecImages,
): Promise<ProcedureInterruption> {
  const { image, previous } = images;
  await programWithProcedure(session, procedure, previous, 'lay down the previous image');
  const fault: ProcedureFault = { injector: c.injector, point: parseProcedurePoint(c.point) };
  const run = await runProcedure(session, procedure, image, { fault });
  await attachProcedureRun('the interrupted run', run);
  const record = run.fault!;
  if (!record.fired) {
    // The tool ended before the point: on its own failure that is the procedure's verdict.
    if (!run.succeeded) throw new ProcedureFailedError(run);
    throw new FaultDidNotLandError(session.board.id, c.point, c.injector, 1, record.notes.join('; '));
  }
  if (record.landing) await session.faults.confirm(record.landing);
  const units = Math.ceil(image.length / UNIT);
  const observation = await session.flash.observeLanding({
    images: { previous, next: image, offset: 0 },
    range: { offset: 0, length: units * UNIT },
    // A tool states no acknowledgements to predict from: every unit is compared with what was there.
    predict: () => 'old',
  });
  const chunkBytes = procedure.kind === 'command' ? procedure.chunkBytes : UNIT;
  const intended = procedureIntendedLanding(fault, image.length, UNIT, chunkBytes);
  const check = checkProcedureLanding(record, observation, intended, { offset: 0, bytes: image.length });
  const landingRecord = {
    procedure: procedure.id,
    point: formatProcedurePoint(fault.point),
    injector: c.injector,
    observed: observation.observed,
    unit: observation.unit,
    writtenBytes: check.writtenBytes,
    intended,
    landed: check.landed,
    ...(check.miss ? { miss: check.miss } : {}),
    fingerprint: observation.fingerprint,
    trigger: record.trigger ?? null,
    progressAtFire: record.progressAtFire ?? null,
    aim: record.aim ?? null,
    confirmation: record.landing?.confirmation ?? null,
    toolExit: run.exit ?? null,
    flashTimeScale: session.flash.target.timeScale,
    units: observation.units,
    inspection: observation.inspection,
  };
  await attachJson('landing observed', landingRecord);
  if (!check.landed) throw new FaultDidNotLandError(session.board.id, c.point, c.injector, 1, check.miss ?? 'unknown miss');
  return { run, observation, intended, check, record: landingRecord };
}
