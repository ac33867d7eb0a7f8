/**
 * What every procedure run that takes a fault shares: the image in a file, the chip operation a
 * chip-operation point aims at (in the image's 64 KiB units), and the landing record the session,
 * the report and the run's own record get.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { AimReport, OperationTarget } from '../faults/aim.js';
import type { FaultConfirmation } from '../faults/confirmation.js';
import type { FaultInjector, FaultLanding } from '../faults/injectors.js';
import { W25Q512JV } from '../flash/chips.js';
import { PAGE_SIZE, resolveUnit } from '../flash/programming-plan.js';
import type { BoardSession } from '../session/board-session.js';
import type { ProgressSample } from './command-process.js';
import type { ProcedureFault } from './procedure-injectors.js';
import type { ProcedureFaultRecord } from './procedure-run.js';
import { formatProcedurePoint, type ProcedurePoint } from './procedure-point.js';

/** The erase unit a chip-operation point counts in (the W25Q512JV's 64 KiB block erase). */
export const PROCEDURE_UNIT = 64 * 1024;

let imageCounter = 0;

/** The image as the file a tool or OpenOCD's program reads, in the session's folder. */
export async function writeImageFile(session: BoardSession, image: Uint8Array): Promise<string> {
  const path = join(session.workDir, `procedure-image-${++imageCounter}.bin`);
  await writeFile(path, image);
  return path;
}

/** How many `unitSize` units an image of `imageBytes` at flash offset `offset` touches. */
export function imageUnitCount(offset: number, imageBytes: number, unitSize = PROCEDURE_UNIT): number {
  return Math.ceil(((offset % unitSize) + imageBytes) / unitSize);
}

/** The chip operation a chip-operation point aims at, in the image's 64 KiB units. */
export function chipOperationTarget(
  point: Extract<ProcedurePoint, { kind: 'erase-in-flight' | 'program-in-flight' }>,
  offset: number,
  imageBytes: number,
  timeScale: number,
): OperationTarget {
  const index = resolveUnit(point.unit, imageUnitCount(offset, imageBytes));
  const unitOffset = Math.floor(offset / PROCEDURE_UNIT) * PROCEDURE_UNIT + index * PROCEDURE_UNIT;
  if (point.kind === 'erase-in-flight') {
    const time = W25Q512JV.eraseUnits.find((u) => u.size === PROCEDURE_UNIT)!.time;
    return { op: 'erase', unitIndex: index, offset: unitOffset, length: PROCEDURE_UNIT, fraction: point.fraction, typicalMs: time.typicalMs * timeScale };
  }
  // The middle page of the image's bytes in that unit.
  const from = Math.max(unitOffset, offset);
  const to = Math.min(unitOffset + PROCEDURE_UNIT, offset + imageBytes);
  const page = Math.floor((from + (to - from) / 2) / PAGE_SIZE) * PAGE_SIZE;
  return { op: 'program', unitIndex: index, offset: page, length: PAGE_SIZE, fraction: point.fraction, typicalMs: W25Q512JV.pageProgram.typicalMs * timeScale };
}

export interface FiredFault {
  readonly fault: ProcedureFault;
  readonly injector: FaultInjector;
  readonly procedureId: string;
  /** What was running when it fired (the tool's command line, `program`). */
  readonly inFlight: string;
  readonly firedAtMs: number;
  readonly doneAtMs: number;
  readonly notes: readonly string[];
  readonly virtual?: Record<string, unknown>;
  readonly aim?: AimReport;
  readonly confirmation?: FaultConfirmation;
}

/** A fault that fired, as the run saw it: what made it fire and the tool's last stated progress. */
export interface FiredFaultSeen extends FiredFault {
  readonly trigger: string;
  readonly progressAtFire?: ProgressSample;
}

/** Records a fired fault's landing with the session (for the report and the next reconnect) and returns the run's record of it. */
export function recordFiredFault(session: BoardSession, fired: FiredFaultSeen): ProcedureFaultRecord {
  const landing = procedureLanding(fired);
  session.faults.record(landing, fired.injector);
  return {
    injector: fired.fault.injector,
    point: formatProcedurePoint(fired.fault.point),
    fired: true,
    firedAtMs: fired.firedAtMs,
    trigger: fired.trigger,
    ...(fired.progressAtFire ? { progressAtFire: fired.progressAtFire } : {}),
    ...(fired.aim ? { aim: fired.aim } : {}),
    landing,
    notes: [],
  };
}

/** The landing of a fault fired during a procedure run: the procedure acknowledges nothing the plan's way. */
export function procedureLanding(f: FiredFault): FaultLanding {
  const point = formatProcedurePoint(f.fault.point);
  return {
    injector: f.injector.kind,
    point,
    description: `${f.fault.injector} at ${point} during procedure ${f.procedureId}`,
    phase: 'write',
    lastAckedByte: 0,
    lastErasedUnit: undefined,
    lastErasedOffset: undefined,
    elapsedMs: Math.round(f.firedAtMs),
    inFlightCommand: f.inFlight,
    inFlightOutcome: 'interrupted',
    injectorDoneAtMs: Math.round(f.doneAtMs),
    notes: f.notes,
    ...(f.virtual ? { virtual: f.virtual } : {}),
    ...(f.aim ? { aim: f.aim } : {}),
    ...(f.confirmation ? { confirmation: f.confirmation } : {}),
  };
}
