/** What a programming run reports: progress after each step, the erases it timed, and its result. */
import type { FaultLanding } from '../faults/injectors.js';
import type { RunPhase } from '../faults/run-tracker.js';
import type { PlausibilityVerdict } from './erase-plausibility.js';
import type { PlanStep, ProgrammingPlan } from './programming-plan.js';

export interface ProgressEvent {
  readonly phase: RunPhase;
  readonly bytesWritten: number;
  readonly totalBytes: number;
  readonly unitsErased: number;
  readonly totalUnits: number;
  readonly elapsedMs: number;
  /** The step just completed. */
  readonly step: PlanStep;
}

export interface EraseRecord {
  readonly unitIndex: number;
  readonly offset: number;
  readonly length: number;
  /** Wall time of the `flash erase_sector` call, as the host measured it. */
  readonly elapsedMs: number;
  /** The time OpenOCD itself reported. */
  readonly openOcdSeconds: number;
  readonly plausibility: PlausibilityVerdict;
}

export interface ProgrammingResult {
  /** Every step ran (no fault fired). */
  readonly completed: boolean;
  readonly plan: ProgrammingPlan;
  readonly erases: readonly EraseRecord[];
  /** Erases that finished faster than the chip can erase. */
  readonly implausibleErases: readonly EraseRecord[];
  readonly bytesWritten: number;
  /** Undefined when the run stopped before its verify step. */
  readonly verify: { readonly ok: boolean; readonly differences: readonly { address: number; actual: number; expected: number }[] } | undefined;
  readonly landing: FaultLanding | undefined;
  readonly elapsedMs: number;
}
