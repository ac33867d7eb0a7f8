/**
 * A harness-driven programming plan: erase the erase units the image covers, write it in
 * chunks, verify. Pure data: the runner executes the steps over OpenOCD and reports progress;
 * a fault point becomes a `fault` step at exactly the place it names, with write chunks split so
 * that "after N bytes" lands on a chunk boundary.
 */
import type { EraseUnitRef, FaultPoint, InFlightMoment } from '../faults/fault-point.js';
import type { LandingPlanFacts } from '../faults/reach.js';

/** The chip's page: a program command never crosses one. */
export const PAGE_SIZE = 256;

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
  /** Sends the erase and fires the fault at the moment `at` inside it, without waiting for the erase to end. */
  | { readonly kind: 'erase-interrupted'; readonly unitIndex: number; readonly offset: number; readonly length: number; readonly at: InFlightMoment }
  | { readonly kind: 'write'; readonly imageOffset: number; readonly offset: number; readonly length: number }
  /**
   * Sends a write and fires the fault while the chip programs the page at `pageOffset` (flash
   * offset; `pagesBefore` pages of this write come first), at `fraction` of that page program.
   */
  | {
      readonly kind: 'write-interrupted';
      readonly imageOffset: number;
      readonly offset: number;
      readonly length: number;
      readonly unitIndex: number;
      readonly pageOffset: number;
      readonly pagesBefore: number;
      readonly fraction: number;
    }
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
  /** For a write fault point: the image byte after which the run stops. */
  readonly writeStopByte?: number;
}

/** What the reach table needs of a plan to say where its fault point lands. */
export function landingFacts(plan: ProgrammingPlan): LandingPlanFacts {
  const count = plan.eraseUnits.length;
  const first = plan.eraseUnits[0]?.offset ?? 0;
  const unitLength = plan.eraseUnits[0]?.length ?? 1;
  const stop = plan.writeStopByte;
  const writeStep = plan.steps.find((s) => s.kind === 'write');
  const flashOffset = writeStep?.kind === 'write' ? writeStep.offset - writeStep.imageOffset : first;
  return {
    unitCount: count,
    ...(stop !== undefined ? { writeStopByte: stop, writeStopUnit: Math.floor((flashOffset + stop - 1 - first) / unitLength) } : {}),
    resolveUnit: (ref) => resolveUnit(ref, count),
  };
}

/** The index of unit `ref` (a number, first, middle, last) among `count`; RangeError when there is none. */
export function resolveUnit(ref: EraseUnitRef, count: number): number {
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

/** The middle page of the image's bytes in `unitIndex`: the page a program-in-flight point aims at. */
function programTargetPage(
  input: PlanInput,
  eraseUnits: readonly { offset: number; length: number }[],
  unitIndex: number,
): { unitIndex: number; pageOffset: number; fraction: number } {
  const unit = eraseUnits[unitIndex]!;
  const end = Math.min(unit.offset + unit.length, input.flashOffset + input.imageLength);
  const pageOffset = unit.offset + Math.floor((end - unit.offset) / 2 / PAGE_SIZE) * PAGE_SIZE;
  const fraction = input.faultPoint?.kind === 'program-in-flight' ? input.faultPoint.at.fraction : 0.5;
  return { unitIndex, pageOffset, fraction };
}

function formatMomentWords(moment: InFlightMoment): string {
  return 'fraction' in moment ? `${(moment.fraction * 100).toFixed(1)} %` : `${moment.delayMs} ms`;
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
  // Resolved before anything is planned: a unit the image does not cover is refused up front.
  const programTarget = point?.kind === 'program-in-flight' ? programTargetPage(input, eraseUnits, resolveUnit(point.unit, eraseUnits.length)) : undefined;
  for (const [unitIndex, unit] of eraseUnits.entries()) {
    if (point?.kind === 'erase-in-flight' && unitIndex === eraseFaultIndex) {
      steps.push({ kind: 'erase-interrupted', unitIndex, ...unit, at: point.at });
      steps.push(fault(`${formatMomentWords(point.at)} into the erase of unit ${unitIndex} (0x${unit.offset.toString(16)})`));
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
    const offset = flashOffset + imageOffset;
    if (programTarget && programTarget.pageOffset >= offset && programTarget.pageOffset < offset + length) {
      const pagesBefore = Math.floor(programTarget.pageOffset / PAGE_SIZE) - Math.floor(offset / PAGE_SIZE);
      steps.push({ kind: 'write-interrupted', imageOffset, offset, length, ...programTarget, pagesBefore });
      steps.push(
        fault(
          `${formatMomentWords({ fraction: programTarget.fraction })} into the page program at 0x${programTarget.pageOffset.toString(16)} (unit ${programTarget.unitIndex})`,
        ),
      );
      return { steps, eraseUnits };
    }
    steps.push({ kind: 'write', imageOffset, offset, length });
    imageOffset += length;
    if (stopAt !== undefined && imageOffset === stopAt) {
      steps.push(fault(`after writing ${stopAt} of ${imageLength} bytes (${((100 * stopAt) / imageLength).toFixed(1)} %)`));
      return { steps, eraseUnits, writeStopByte: stopAt };
    }
  }
  steps.push({ kind: 'verify', offset: flashOffset, length: imageLength });
  return { steps, eraseUnits };
}
