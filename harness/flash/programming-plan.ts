/**
 * A harness-driven programming plan: erase the erase units the image covers, write it in
 * chunks, verify. Pure data: the runner executes the steps over OpenOCD and reports progress;
 * a fault point becomes a `fault` step at exactly the place it names, with write chunks split so
 * that "after N bytes" lands on a chunk boundary.
 */
import type { EraseUnitRef, FaultPoint } from '../faults/fault-point.js';

export interface PlanInput {
  /** Image length in bytes (written from image offset 0). */
  readonly imageLength: number;
  /** Flash offset (from the bank start) where the image goes. */
  readonly flashOffset: number;
  /** Flash size, to refuse an image that does not fit. */
  readonly flashSize: number;
  /** The erase unit the programmer uses (OpenOCD 0.12 stmqspi on W25Q512JV: 64 KiB). */
  readonly eraseUnit: number;
  /** Write chunk size: the progress granularity. */
  readonly chunkSize: number;
  /** Bytes of the image header, for the `after-header` fault point. */
  readonly headerLength?: number;
  readonly faultPoint?: FaultPoint;
}

export type PlanStep =
  | { readonly kind: 'erase'; readonly unitIndex: number; readonly offset: number; readonly length: number }
  /** Sends the erase and fires the fault `delayMs` later, without waiting for the erase to end. */
  | { readonly kind: 'erase-interrupted'; readonly unitIndex: number; readonly offset: number; readonly length: number; readonly delayMs: number }
  | { readonly kind: 'write'; readonly imageOffset: number; readonly offset: number; readonly length: number }
  | { readonly kind: 'verify'; readonly offset: number; readonly length: number }
  | { readonly kind: 'fault'; readonly point: FaultPoint; readonly description: string };

export class ImageTooLargeError extends Error {
  constructor(
    readonly imageLength: number,
    readonly flashOffset: number,
    readonly flashSize: number,
  ) {
    super(
      `image of ${imageLength} bytes at flash offset 0x${flashOffset.toString(16)} ends at 0x${(flashOffset + imageLength).toString(16)}, beyond the ${flashSize / (1024 * 1024)} MiB flash: nothing was erased or written`,
    );
    this.name = 'ImageTooLargeError';
  }
}

export interface ProgrammingPlan {
  readonly steps: readonly PlanStep[];
  /** The erase units the image covers, in order. */
  readonly eraseUnits: readonly { readonly offset: number; readonly length: number }[];
}

function resolveUnit(ref: EraseUnitRef, count: number): number {
  const index = ref === 'first' ? 0 : ref === 'last' ? count - 1 : ref === 'middle' ? Math.floor((count - 1) / 2) : ref;
  if (index < 0 || index >= count) throw new RangeError(`erase unit ${ref} does not exist: the image covers ${count} unit(s)`);
  return index;
}

/** The image byte after which a write fault fires, or undefined for other kinds. */
function writeFaultByte(input: PlanInput): number | undefined {
  const point = input.faultPoint;
  if (!point) return undefined;
  switch (point.kind) {
    case 'write-bytes':
      if (point.bytes <= 0 || point.bytes >= input.imageLength)
        throw new RangeError(`write fault at byte ${point.bytes} is outside the image (1..${input.imageLength - 1})`);
      return point.bytes;
    case 'write-percent':
      // At least one byte written and at least one not: "1 %" of a tiny image is still partial.
      return Math.min(input.imageLength - 1, Math.max(1, Math.round((input.imageLength * point.percent) / 100)));
    case 'after-header':
      if (!input.headerLength) throw new RangeError('after-header fault point needs the image header length');
      return input.headerLength;
    default:
      return undefined;
  }
}

export function planProgramming(input: PlanInput): ProgrammingPlan {
  const { imageLength, flashOffset, eraseUnit, chunkSize } = input;
  if (imageLength <= 0) throw new RangeError('image is empty');
  if (flashOffset < 0 || flashOffset + imageLength > input.flashSize) throw new ImageTooLargeError(imageLength, flashOffset, input.flashSize);
  if (flashOffset % eraseUnit !== 0) throw new RangeError(`flash offset 0x${flashOffset.toString(16)} is not aligned to the ${eraseUnit}-byte erase unit`);

  const eraseUnits: { offset: number; length: number }[] = [];
  for (let offset = flashOffset; offset < flashOffset + imageLength; offset += eraseUnit) eraseUnits.push({ offset, length: eraseUnit });

  const point = input.faultPoint;
  const steps: PlanStep[] = [];
  const fault = (description: string): PlanStep => ({ kind: 'fault', point: point!, description });

  const eraseFaultIndex = point && (point.kind === 'erase' || point.kind === 'erase-in-flight') ? resolveUnit(point.unit, eraseUnits.length) : undefined;
  for (const [unitIndex, unit] of eraseUnits.entries()) {
    if (point?.kind === 'erase-in-flight' && unitIndex === eraseFaultIndex) {
      steps.push({ kind: 'erase-interrupted', unitIndex, ...unit, delayMs: point.delayMs });
      steps.push(fault(`${point.delayMs} ms into the erase of unit ${unitIndex} (0x${unit.offset.toString(16)})`));
      return { steps, eraseUnits };
    }
    if (point?.kind === 'erase' && point.when === 'before' && unitIndex === eraseFaultIndex) {
      steps.push(fault(`before erasing unit ${unitIndex} (0x${unit.offset.toString(16)})`));
      return { steps, eraseUnits };
    }
    steps.push({ kind: 'erase', unitIndex, ...unit });
    if (point?.kind === 'erase' && point.when === 'after' && unitIndex === eraseFaultIndex) {
      steps.push(fault(`after erasing unit ${unitIndex} (0x${unit.offset.toString(16)})`));
      return { steps, eraseUnits };
    }
  }
  if (point?.kind === 'between-erase-and-write') {
    steps.push(fault('after every erase, before any write'));
    return { steps, eraseUnits };
  }

  const stopAt = writeFaultByte(input);
  for (let imageOffset = 0; imageOffset < imageLength;) {
    let length = Math.min(chunkSize, imageLength - imageOffset);
    if (stopAt !== undefined && imageOffset < stopAt && imageOffset + length > stopAt) length = stopAt - imageOffset;
    steps.push({ kind: 'write', imageOffset, offset: flashOffset + imageOffset, length });
    imageOffset += length;
    if (stopAt !== undefined && imageOffset === stopAt) {
      steps.push(fault(`after writing ${stopAt} of ${imageLength} bytes (${((100 * stopAt) / imageLength).toFixed(1)} %)`));
      return { steps, eraseUnits };
    }
  }
  steps.push({ kind: 'verify', offset: flashOffset, length: imageLength });
  return { steps, eraseUnits };
}
