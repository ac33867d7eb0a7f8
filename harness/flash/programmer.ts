/**
 * Programming the QSPI bank: `runProgrammingPlan` is the harness's way. It plans the run
 * (planProgramming), refuses what cannot work before the board is touched (image beyond the
 * flash, bad fault point, an injector the board does not allow, protected range), then hands the
 * plan to a ProgrammingRun. OpenOCD's own ways (`programWithOpenOcd`, `programWithProgramCommand`)
 * live in openocd-programming.ts and are re-exported here with the run's types.
 */
import { readFile } from 'node:fs/promises';
import type { Aim, AimKind } from '../faults/aim.js';
import type { FaultInjector, InjectorKind } from '../faults/injectors.js';
import type { FaultPoint } from '../faults/fault-point.js';
import { armFault, type FaultWiring } from './armed-fault.js';
import { planProgramming } from './programming-plan.js';
import type { ProgrammingResult, ProgressEvent } from './programming-result.js';
import { DEFAULT_ERASE_UNIT, ProgrammingRun } from './programming-run.js';
import type { QspiTarget } from './qspi-target.js';
import { assertRangeWritable } from './recovery.js';

export { programWithOpenOcd, programWithProgramCommand } from './openocd-programming.js';
export type { OpenOcdProgramOptions, OpenOcdProgramResult, OpenOcdStepRecord, ProgramCommandResult } from './openocd-programming.js';
export type { FaultWiring } from './armed-fault.js';
export type { EraseRecord, ProgressEvent, ProgrammingResult } from './programming-result.js';
export { DEFAULT_ERASE_UNIT } from './programming-run.js';

export const DEFAULT_CHUNK_SIZE = 4096;

export type ImageSource = Uint8Array | string;

export interface PlanRunOptions {
  /** Flash offset (from the bank start). Default 0. */
  readonly offset?: number;
  readonly chunkSize?: number;
  /** Default 64 KiB: what OpenOCD 0.12's stmqspi erases on this chip. */
  readonly eraseUnit?: number;
  /** Image header length, for the `after-header` point. */
  readonly headerLength?: number;
  readonly faultPoint?: FaultPoint;
  readonly injector?: FaultInjector | InjectorKind;
  readonly faults?: FaultWiring;
  /** How a point inside a chip operation is aimed (default: the chip trigger on a virtual board, time otherwise). */
  readonly aim?: AimKind | Aim;
  readonly onProgress?: (event: ProgressEvent) => void;
  /** Refuse (FlashProtectedError) when BP/TB/CMP protect the range. Default true. */
  readonly checkProtection?: boolean;
  /** Fraction of the typical erase time below which an erase is implausible. Default 0.5. */
  readonly eraseFloorFraction?: number;
}

async function imageBytes(image: ImageSource): Promise<Uint8Array> {
  return typeof image === 'string' ? new Uint8Array(await readFile(image)) : image;
}

export async function runProgrammingPlan(target: QspiTarget, image: ImageSource, options: PlanRunOptions = {}): Promise<ProgrammingResult> {
  const bytes = await imageBytes(image);
  const flashOffset = options.offset ?? 0;
  const eraseUnit = options.eraseUnit ?? DEFAULT_ERASE_UNIT;
  // Throws ImageTooLargeError (and bad fault points) before anything touches the board.
  const plan = planProgramming({
    imageLength: bytes.length,
    flashOffset,
    flashSize: target.chip.sizeBytes,
    eraseUnit,
    chunkSize: options.chunkSize ?? DEFAULT_CHUNK_SIZE,
    ...(options.headerLength !== undefined ? { headerLength: options.headerLength } : {}),
    ...(options.faultPoint ? { faultPoint: options.faultPoint } : {}),
  });
  const wiring = options.faults && options.aim !== undefined ? { ...options.faults, aim: options.aim } : options.faults;
  const fault = armFault(options.faultPoint, options.injector, wiring);

  await target.ensureReady?.();
  if (options.checkProtection ?? true) await assertRangeWritable(target, flashOffset, bytes.length);

  const settings = { eraseUnit, eraseFloorFraction: options.eraseFloorFraction, onProgress: options.onProgress };
  return new ProgrammingRun(target, bytes, plan, settings, fault).execute();
}
