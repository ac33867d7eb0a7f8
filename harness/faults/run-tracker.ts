/**
 * What a programming run has done so far, as the host saw it acknowledged: the phase, the last
 * erase unit OpenOCD reported done, the last image byte whose write OpenOCD acknowledged, and
 * the command in flight. Injectors read it at the moment they fire, so a landing records where
 * the interruption really happened, not where it was asked for.
 */

export type RunPhase = 'preflight' | 'erase' | 'write' | 'verify' | 'done';

export interface InFlightCommand {
  readonly command: string;
  readonly sentAtMs: number;
  readonly step: string;
}

export class RunTracker {
  private readonly startedAt = performance.now();
  phase: RunPhase = 'preflight';
  /** Image bytes written and acknowledged (prefix length), 0 before any write completed. */
  lastAckedByte = 0;
  /** Index (in the plan's erase units) of the last erase OpenOCD reported complete. */
  lastErasedUnit: number | undefined;
  /** The flash offset of that unit. */
  lastErasedOffset: number | undefined;
  inFlight: InFlightCommand | undefined;

  elapsedMs(): number {
    return performance.now() - this.startedAt;
  }

  begin(step: string, command: string): void {
    this.inFlight = { command, sentAtMs: this.elapsedMs(), step };
  }

  end(): void {
    this.inFlight = undefined;
  }

  snapshot(): RunSnapshot {
    return {
      phase: this.phase,
      lastAckedByte: this.lastAckedByte,
      lastErasedUnit: this.lastErasedUnit,
      lastErasedOffset: this.lastErasedOffset,
      elapsedMs: Math.round(this.elapsedMs() * 10) / 10,
      inFlight: this.inFlight,
    };
  }
}

export interface RunSnapshot {
  readonly phase: RunPhase;
  readonly lastAckedByte: number;
  readonly lastErasedUnit: number | undefined;
  readonly lastErasedOffset: number | undefined;
  readonly elapsedMs: number;
  readonly inFlight: InFlightCommand | undefined;
}
