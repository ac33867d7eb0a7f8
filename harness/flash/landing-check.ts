/**
 * Judging an observed landing: did the fault land where the case said (else the case is broken:
 * re-aim, or report "fault did not land"), and does the flash contradict what OpenOCD
 * acknowledged before the fault (a verdict on the procedure: an erase reported done that left
 * the unit as it was is exactly the field defect, whatever the fault did).
 */
import { NoVerdictError } from '../exit-codes.js';
import type { FaultLanding } from '../faults/injector.js';
import type { IntendedLanding } from '../faults/reach.js';
import type { LandingObservation, UnitObservation } from './landing-observation.js';

export interface LandingCheck {
  /** Fired inside the intended operation and left the intended state at the intended unit. */
  readonly landed: boolean;
  /** Why it did not land (for the re-aim and the broken report). */
  readonly miss?: string;
  /** Acknowledged work the flash contradicts: each one fails the case as "flash not cleared". */
  readonly contradictions: readonly string[];
  /**
   * Acknowledgements of the command the fault cut into, that the flash contradicts: OpenOCD
   * reported done what the fault stopped. Evidence for the report, not a verdict: the run stopped
   * there, but a procedure that goes on after such an answer writes over an unfinished unit.
   */
  readonly lateAcknowledgements?: readonly string[];
}

const hex = (n: number): string => `0x${n.toString(16)}`;

function describe(observed: string, unit: number | undefined): string {
  return unit === undefined ? observed : `${observed} at unit ${unit}`;
}

/** Units whose state contradicts an erase OpenOCD acknowledged, or bytes it acknowledged written. */
export function contradictions(
  acknowledged: { readonly lastErasedUnit: number | undefined; readonly lastAckedByte: number },
  units: readonly UnitObservation[],
  unitSize: number,
): string[] {
  const found: string[] = [];
  const lastErased = acknowledged.lastErasedUnit;
  for (const unit of units) {
    const erasedAcked = lastErased !== undefined && unit.index <= lastErased;
    if (erasedAcked && (unit.state === 'old' || unit.state === 'erase-partial' || unit.state === 'mixed'))
      found.push(`OpenOCD acknowledged the erase of unit ${unit.index} (${hex(unit.offset)}), but it holds ${unit.state} data (sectors ${unit.sectors})`);
    const unitEnd = (unit.index + 1) * unitSize;
    if (acknowledged.lastAckedByte >= unitEnd && unit.state !== 'new')
      found.push(`OpenOCD acknowledged writing unit ${unit.index} (${hex(unit.offset)}) in full, but it holds ${unit.state} data (sectors ${unit.sectors})`);
  }
  return found;
}

export function checkLanding(landing: FaultLanding, observation: LandingObservation, intended: IntendedLanding, unitSize: number): LandingCheck {
  // Only what OpenOCD acknowledged before the fault binds the flash; later answers are evidence.
  const before = landing.acknowledgedBeforeFault ?? landing;
  const found = contradictions(before, observation.units, unitSize);
  const late = contradictions(landing, observation.units, unitSize).filter((c) => !found.includes(c));
  const lateAcknowledgements = late.length > 0 ? { lateAcknowledgements: late.map((c) => `after the fault: ${c}`) } : {};
  if (landing.aim && !landing.aim.hit)
    return {
      landed: false,
      miss: `the ${landing.aim.aim} aim never saw the operation: ${landing.aim.notes.join('; ')}`,
      contradictions: found,
      ...lateAcknowledgements,
    };
  if (intended.observed === 'any') return { landed: observation.observed !== 'unexplained', contradictions: found, ...lateAcknowledgements };
  const landed = observation.observed === intended.observed && (intended.unit === undefined || observation.unit === intended.unit);
  return landed
    ? { landed, contradictions: found, ...lateAcknowledgements }
    : {
        landed,
        miss: `intended ${describe(intended.observed, intended.unit)}, observed ${describe(observation.observed, observation.unit)}`,
        contradictions: found,
        ...lateAcknowledgements,
      };
}

/** A fault the harness could not make land where the case says, after every re-aim: no verdict. */
export class FaultDidNotLandError extends NoVerdictError {
  constructor(
    readonly boardId: string,
    readonly point: string,
    readonly injector: string,
    readonly attempts: number,
    readonly miss: string,
  ) {
    super(`board ${boardId}: fault did not land (${injector} at ${point}, ${attempts} attempt(s)): ${miss}`);
  }
}

/**
 * The next timed aim's correction (ms) after a miss: later when the flash shows the operation not
 * yet reached, earlier when it shows it done. `stepMs`: a quarter of the operation, typically.
 */
export function reaimCorrection(previous: number, intended: IntendedLanding, observation: LandingObservation, stepMs: number): number {
  const writing = intended.observed === 'program-partial' || intended.observed === 'written';
  const early =
    observation.unit === undefined ||
    (intended.unit !== undefined && observation.unit < intended.unit) ||
    (writing && (observation.observed === 'erased' || observation.observed === 'erase-partial'));
  return early ? previous + stepMs : previous - stepMs;
}
