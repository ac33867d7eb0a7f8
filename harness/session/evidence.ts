/**
 * What a session saw, recorded for the report: every OpenOCD run's log (across reconnects), the
 * Tcl transcript, the UART lines, named timings, health checks, fault landings and sector maps.
 * A pure recorder: `mark()` notes where a stretch starts (one test in a shared session) and
 * `since(mark)` returns what was recorded after it. harness/report renders and attaches it.
 */
import type { FaultLanding } from '../faults/injectors.js';
import type { LogLine, ProcessLog } from '../openocd/index.js';
import type { UartLine } from '../serial/uart-console.js';

export interface TclTranscriptEntry {
  /** Milliseconds since the session opened. */
  readonly atMs: number;
  readonly command: string;
  readonly elapsedMs: number;
  readonly ok: boolean;
  /** Result text, or the error message (clipped). */
  readonly reply: string;
}

export interface TimingEntry {
  readonly name: string;
  /** Milliseconds since the session opened. */
  readonly atMs: number;
  readonly elapsedMs: number;
  readonly ok: boolean;
}

export interface HealthCheckEntry {
  readonly check: string;
  readonly command: string;
  readonly ok: boolean;
  readonly detail: string;
  readonly elapsedMs: number;
}

export interface HealthReport {
  readonly ok: boolean;
  readonly checks: readonly HealthCheckEntry[];
  readonly openOcdVersion?: string;
  readonly jedecId?: string;
}

/** A sector map taken during the session; `number` counts them from 1. */
export interface SectorMapEvidence {
  readonly number: number;
  readonly title: string | undefined;
  readonly svg: string;
  readonly summary: string;
}

/** One OpenOCD process's log lines in a stretch; `run` counts the processes from 1. */
export interface OpenOcdRunLog {
  readonly run: number;
  readonly pid: number | undefined;
  readonly lines: readonly LogLine[];
}

/** The UART transcript as the session's console keeps it. */
export interface UartSource {
  readonly transcript: readonly UartLine[];
}

/** What a started board shows of itself, read when the report asks. */
export interface BoardEvidenceSource {
  stderr(): string;
  /** The board's own state (chip operation log), when it has a control channel. */
  state(): Promise<Record<string, unknown> | undefined>;
}

/** Where a stretch starts: how much of each record there was. */
export interface EvidenceMark {
  readonly atMs: number;
  readonly openOcdRuns: number;
  /** Lines of the last OpenOCD run at the mark. */
  readonly openOcdLines: number;
  readonly tcl: number;
  readonly uart: number;
  readonly timings: number;
  readonly faults: number;
  readonly sectorMaps: number;
  readonly healthReports: number;
}

/** What was recorded in a stretch. */
export interface EvidenceSlice {
  /** How long the stretch has lasted. */
  readonly elapsedMs: number;
  readonly openOcdLog: readonly OpenOcdRunLog[];
  readonly tcl: readonly TclTranscriptEntry[];
  readonly uart: readonly UartLine[];
  readonly timings: readonly TimingEntry[];
  readonly faults: readonly FaultLanding[];
  readonly sectorMaps: readonly SectorMapEvidence[];
  /** The last health check of the stretch. */
  readonly health: HealthReport | undefined;
}

const CLIP = 2000;

function clip(text: string): string {
  return text.length <= CLIP ? text : `${text.slice(0, CLIP)}… (${text.length} chars)`;
}

function round1(ms: number): number {
  return Math.round(ms * 10) / 10;
}

export class SessionEvidence {
  private readonly openedAt = performance.now();
  private readonly openOcdRuns: { readonly pid: number | undefined; readonly log: ProcessLog }[] = [];
  private readonly tclEntries: TclTranscriptEntry[] = [];
  private readonly timingEntries: TimingEntry[] = [];
  private readonly faultLandings: FaultLanding[] = [];
  private readonly maps: SectorMapEvidence[] = [];
  private readonly healthReports: HealthReport[] = [];
  private readonly opened: EvidenceMark = this.mark();
  private uartSource: UartSource | undefined;
  private boardSource: BoardEvidenceSource | undefined;

  get tcl(): readonly TclTranscriptEntry[] {
    return this.tclEntries;
  }

  get timings(): readonly TimingEntry[] {
    return this.timingEntries;
  }

  /** Every fault landing, oldest first (the same array as `session.faults.landings`). */
  get faults(): readonly FaultLanding[] {
    return this.faultLandings;
  }

  get sectorMaps(): readonly SectorMapEvidence[] {
    return this.maps;
  }

  /** The last health check. */
  get health(): HealthReport | undefined {
    return this.healthReports.at(-1);
  }

  /** The started board (boards the harness starts itself), read when the report asks. */
  get board(): BoardEvidenceSource | undefined {
    return this.boardSource;
  }

  sinceOpenMs(): number {
    return performance.now() - this.openedAt;
  }

  addOpenOcdLog(pid: number | undefined, log: ProcessLog): void {
    this.openOcdRuns.push({ pid, log });
  }

  useUart(source: UartSource): void {
    this.uartSource = source;
  }

  useBoard(source: BoardEvidenceSource): void {
    this.boardSource = source;
  }

  recordTcl(command: string, startedAtMs: number, ok: boolean, reply: string): void {
    const now = this.sinceOpenMs();
    this.tclEntries.push({ atMs: Math.round(startedAtMs), command, elapsedMs: round1(now - startedAtMs), ok, reply: clip(reply) });
  }

  recordTiming(name: string, elapsedMs: number, ok: boolean): void {
    this.timingEntries.push({ name, atMs: Math.round(this.sinceOpenMs() - elapsedMs), elapsedMs: round1(elapsedMs), ok });
  }

  recordFault(landing: FaultLanding): void {
    this.faultLandings.push(landing);
  }

  recordSectorMap(svg: string, summary: string, title?: string): void {
    this.maps.push({ number: this.maps.length + 1, title, svg, summary });
  }

  recordHealth(report: HealthReport): void {
    this.healthReports.push(report);
  }

  /** Times `body` under `name`. */
  async time<T>(name: string, body: () => Promise<T>): Promise<T> {
    const t0 = performance.now();
    try {
      const value = await body();
      this.recordTiming(name, performance.now() - t0, true);
      return value;
    } catch (error) {
      this.recordTiming(name, performance.now() - t0, false);
      throw error;
    }
  }

  mark(): EvidenceMark {
    return {
      atMs: this.sinceOpenMs(),
      openOcdRuns: this.openOcdRuns.length,
      openOcdLines: this.openOcdRuns.at(-1)?.log.lines().length ?? 0,
      tcl: this.tclEntries.length,
      uart: this.uartSource?.transcript.length ?? 0,
      timings: this.timingEntries.length,
      faults: this.faultLandings.length,
      sectorMaps: this.maps.length,
      healthReports: this.healthReports.length,
    };
  }

  /** What was recorded after `mark` (default: since the session opened). */
  since(mark: EvidenceMark = this.opened): EvidenceSlice {
    const firstRun = Math.max(0, mark.openOcdRuns - 1);
    const openOcdLog = this.openOcdRuns.slice(firstRun).map(({ pid, log }, i) => {
      const run = firstRun + i + 1;
      const lines = log.lines();
      return { run, pid, lines: run === mark.openOcdRuns ? lines.slice(mark.openOcdLines) : lines };
    });
    return {
      elapsedMs: this.sinceOpenMs() - mark.atMs,
      openOcdLog,
      tcl: this.tclEntries.slice(mark.tcl),
      uart: this.uartSource?.transcript.slice(mark.uart) ?? [],
      timings: this.timingEntries.slice(mark.timings),
      faults: this.faultLandings.slice(mark.faults),
      sectorMaps: this.maps.slice(mark.sectorMaps),
      health: this.healthReports.slice(mark.healthReports).at(-1),
    };
  }
}
