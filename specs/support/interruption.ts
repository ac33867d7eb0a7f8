/**
 * One interruption of the scenario, made to land and observed: lay down the previous image,
 * run the new image's programming with the fault at its point, then (before anything repairs
 * the chip) read where it really landed and judge it against where the case says it lands
 * (harness/faults/reach.ts). A timed aim that missed is re-aimed; a miss that stays a miss is
 * broken ("fault did not land"), never passed; so is a power cut or SRST the MCU's reset flags do
 * not confirm ("fault not confirmed"). Spec 2, the soak and the landing bench share it.
 */
import { expect } from 'chai';
import {
  formatFaultPoint,
  intendedLanding,
  isInsideOperation,
  parseFaultPoint,
  TimedAim,
  unreachable,
  type AimKind,
  type FaultInjectorKind,
  type FaultLanding,
  type IntendedLanding,
  type InjectorKind,
} from '../../harness/faults/index.js';
import {
  checkLanding,
  FaultDidNotLandError,
  landingFacts,
  reaimCorrection,
  W25Q512JV,
  type LandingCheck,
  type LandingObservation,
  type ProgrammingResult,
} from '../../harness/flash/index.js';
import { IMAGE_HEADER_SIZE } from '../../harness/image/index.js';
import type { BoardSession } from '../../harness/session/index.js';
import { KIB, type SpecImages } from './images.js';

export const UNIT = 64 * KIB;

/**
 * Why a case whose flash state equals another case's is kept: the same landing reached by another
 * injector leaves the next run a different board and host to recover.
 */
export const RECOVERY_PATH: Readonly<Record<FaultInjectorKind, string>> = {
  'power-cut': 'the chip and MCU lose power: the chip forgets 4-byte address mode and write enable, the next run must bring it back up',
  'kill-openocd': 'OpenOCD dies without cleanup: the next run starts a fresh OpenOCD on a target left mid-command',
  srst: 'only the MCU resets while OpenOCD stays up: the next run goes on through the same OpenOCD connection',
  'tcl-shutdown': 'OpenOCD exits through its own shutdown: the next run starts a fresh OpenOCD on a cleanly released target',
};

export interface MatrixCase {
  readonly injector: FaultInjectorKind;
  readonly point: string;
}

/**
 * The matrix on the 17-unit image: first / middle / last are units 0, 8 and 16. Inside-operation
 * points only for the injectors that reach inside an operation; Tcl-driven ones (srst, Tcl
 * shutdown) only between commands (reach.ts). Power cuts get the spread of moments (early, half,
 * late in an erase; a page program in the first and last unit), the others the points where their
 * recovery path differs.
 */
export const MATRIX: readonly MatrixCase[] = [
  { injector: 'power-cut', point: 'erase-in-flight:first:50%' },
  { injector: 'power-cut', point: 'erase-in-flight:middle:10%' },
  { injector: 'power-cut', point: 'erase-in-flight:last:90%' },
  { injector: 'power-cut', point: 'program-in-flight:first:50%' },
  { injector: 'power-cut', point: 'program-in-flight:last:50%' },
  { injector: 'power-cut', point: 'between-erase-and-write' },
  { injector: 'power-cut', point: 'after-header' },
  { injector: 'power-cut', point: 'write:50%' },
  { injector: 'kill-openocd', point: 'erase-in-flight:middle:50%' },
  { injector: 'kill-openocd', point: 'program-in-flight:middle:50%' },
  { injector: 'kill-openocd', point: 'between-erase-and-write' },
  { injector: 'kill-openocd', point: 'write:50%' },
  { injector: 'srst', point: 'erase:after:middle' },
  { injector: 'srst', point: 'write:50%' },
  { injector: 'tcl-shutdown', point: 'erase:after:middle' },
  { injector: 'tcl-shutdown', point: 'write:50%' },
];

/**
 * The cases to run: the matrix, or the cross product HIL_SPEC_INJECTORS × HIL_SPEC_POINTS when
 * either narrows the run (unreachable pairs stay in, to be skipped with the reason).
 */
export function matrixCases(env: NodeJS.ProcessEnv = process.env): readonly MatrixCase[] {
  return narrowedCases(MATRIX, env);
}

/** `matrix`, or the cross product HIL_SPEC_INJECTORS × HIL_SPEC_POINTS (each defaulting to the matrix's own) when either is set. */
export function narrowedCases<K extends string>(
  matrix: readonly { readonly injector: K; readonly point: string }[],
  env: NodeJS.ProcessEnv,
): readonly { readonly injector: K; readonly point: string }[] {
  const injectors = (env.HIL_SPEC_INJECTORS || undefined)?.split(',') as K[] | undefined;
  const points = (env.HIL_SPEC_POINTS || undefined)?.split(',');
  if (!injectors && !points) return matrix;
  const kinds = injectors ?? [...new Set(matrix.map((c) => c.injector))];
  const pointList = points ?? [...new Set(matrix.map((c) => c.point))];
  return kinds.flatMap((injector) => pointList.map((point) => ({ injector, point })));
}

/** Why this board cannot take this case, or undefined when it can. */
export function unsupported(
  c: MatrixCase,
  board: { allows: { powerCut: boolean }; reset: { srst?: boolean }; power: { type: string }; openocd: { tclPort?: number } },
): string | undefined {
  const kind = c.injector;
  if (kind === 'power-cut' && !board.allows.powerCut) return 'boards.json allows.powerCut is false for this board';
  if (kind === 'power-cut' && board.power.type === 'none') return 'the board has no power switch (power.type none)';
  if (kind === 'srst' && board.reset.srst !== true) return 'the board has no SRST line wired (reset.srst)';
  if (kind === 'kill-openocd' && board.openocd.tclPort !== undefined) return 'OpenOCD runs on another host (openocd.tclPort): the harness cannot kill it';
  return unreachable(kind as InjectorKind, parseFaultPoint(c.point));
}

export interface AttemptRecord {
  readonly attempt: number;
  readonly aim: AimKind | undefined;
  readonly correctionMs?: number;
  readonly observed: string;
  readonly unit: number | undefined;
  readonly fingerprint: string;
  readonly miss?: string;
}

export interface InterruptionResult {
  readonly run: ProgrammingResult;
  readonly landing: FaultLanding;
  readonly observation: LandingObservation;
  readonly intended: IntendedLanding;
  readonly check: LandingCheck;
  readonly attempts: readonly AttemptRecord[];
  /** The `landing observed` attachment. */
  readonly record: Record<string, unknown>;
}

export interface InterruptionOptions {
  readonly images: SpecImages;
  /** Default: the chip trigger on a virtual board, time otherwise. */
  readonly aim?: AimKind;
  /** Tries for a timed aim (the chip trigger is exact: one). Default 3. */
  readonly maxAttempts?: number;
  readonly chunkSize?: number;
}

/** The state the acknowledged progress predicts for each plan unit (the CRC compare tries it first). */
function predictor(landing: FaultLanding): (index: number) => 'old' | 'blank' | 'new' {
  return (index) => {
    if (landing.lastErasedUnit === undefined || index > landing.lastErasedUnit) return 'old';
    return landing.lastAckedByte >= (index + 1) * UNIT ? 'new' : 'blank';
  };
}

/**
 * Lays down the previous image, interrupts the new image's programming at `c.point` with
 * `c.injector`, reconnects when the fault ended OpenOCD or the power, and observes the landing.
 * Returns on a landing as intended or on acknowledged work the flash contradicts (the caller's
 * verdict); throws FaultDidNotLandError when it cannot make the fault land.
 */
export async function interruptAndObserve(session: BoardSession, c: MatrixCase, options: InterruptionOptions): Promise<InterruptionResult> {
  const { image, previous } = options.images;
  const point = parseFaultPoint(c.point);
  const timed = options.aim === 'time' || (options.aim === undefined && session.control === undefined);
  const maxAttempts = timed ? (options.maxAttempts ?? 3) : 1;
  const attempts: AttemptRecord[] = [];
  let correctionMs = 0;
  for (let attempt = 1; ; attempt++) {
    const laid = await session.flash.program(previous, { chunkSize: UNIT });
    expect(laid.verify?.ok, 'could not lay down the previous image (setup, before any fault)').to.equal(true);
    const aim = isInsideOperation(point) ? (timed ? new TimedAim(correctionMs) : ('chip-trigger' as const)) : undefined;
    const run = await session.flash.program(image, {
      faultPoint: point,
      injector: c.injector,
      headerLength: IMAGE_HEADER_SIZE,
      chunkSize: options.chunkSize ?? 16 * KIB,
      ...(aim ? { aim } : {}),
    });
    const landing = run.landing;
    if (!landing) throw new FaultDidNotLandError(session.board.id, c.point, c.injector, attempt, 'the run completed: the fault never fired');
    // The MCU must confirm the fault (harness/faults/confirmation.ts), or the case is broken before
    // its landing is judged: a relay on the wrong channel stops the run at the point all the same.
    // SRST leaves OpenOCD serving: its flags are read before anything (a reconnect's reset init
    // included) resets the MCU again; a power cut is read once OpenOCD serves the board again.
    if (session.interrupted === undefined) await session.faults.confirm(landing);
    if (session.interrupted !== undefined || session.broken !== undefined) await session.reconnect();
    await session.faults.confirm(landing);
    const units = run.plan.eraseUnits;
    const range = { offset: units[0]!.offset, length: units.length * UNIT };
    const observation = await session.flash.observeLanding({ images: { previous, next: image, offset: 0 }, range, predict: predictor(landing) });
    const intended = intendedLanding(c.injector, point, landingFacts(run.plan));
    const check = checkLanding(landing, observation, intended, UNIT);
    attempts.push({
      attempt,
      aim: landing.aim?.aim,
      ...(timed && aim ? { correctionMs } : {}),
      observed: observation.observed,
      unit: observation.unit,
      fingerprint: observation.fingerprint,
      ...(check.miss ? { miss: check.miss } : {}),
    });
    const done = check.landed || check.contradictions.length > 0;
    if (done || attempt >= maxAttempts) {
      const record = landingRecord(c, session, landing, observation, intended, check, attempts);
      if (!done) throw new FaultDidNotLandError(session.board.id, c.point, c.injector, attempt, check.miss ?? 'unknown miss');
      return { run, landing, observation, intended, check, attempts, record };
    }
    const stepMs = point.kind === 'program-in-flight' ? W25Q512JV.pageProgram.typicalMs * 4 : eraseQuarterMs(session);
    correctionMs = reaimCorrection(correctionMs, intended, observation, stepMs);
  }
}

function eraseQuarterMs(session: BoardSession): number {
  return (W25Q512JV.eraseUnits.find((u) => u.size === UNIT)!.time.typicalMs * session.flash.target.timeScale) / 4;
}

function landingRecord(
  c: MatrixCase,
  session: BoardSession,
  landing: FaultLanding,
  observation: LandingObservation,
  intended: IntendedLanding,
  check: LandingCheck,
  attempts: readonly AttemptRecord[],
): Record<string, unknown> {
  return {
    point: formatFaultPoint(parseFaultPoint(c.point)),
    injector: c.injector,
    observed: observation.observed,
    unit: observation.unit,
    intended,
    landed: check.landed,
    ...(check.miss ? { miss: check.miss } : {}),
    contradictions: check.contradictions,
    ...(check.lateAcknowledgements ? { lateAcknowledgements: check.lateAcknowledgements } : {}),
    fingerprint: observation.fingerprint,
    aim: landing.aim ?? null,
    confirmation: landing.confirmation ?? null,
    flashTimeScale: session.flash.target.timeScale,
    acknowledged: {
      phase: landing.phase,
      lastErasedUnit: landing.lastErasedUnit ?? null,
      lastAckedByte: landing.lastAckedByte,
      inFlightCommand: landing.inFlightCommand ?? null,
      inFlightOutcome: landing.inFlightOutcome,
    },
    attempts,
    units: observation.units,
    inspection: observation.inspection,
  };
}
