/**
 * What a session saw, kept for the report: OpenOCD's log (every process across reconnects), the
 * Tcl transcript, the UART transcript, the health check, named timings and fault landings.
 * `attach()` puts it all into the current Allure test (no-op outside a reporting run).
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { attachFile, attachJson, attachText } from '../report/index.js';
import type { FaultLanding } from '../faults/injectors.js';
import type { ProcessLog } from '../openocd/index.js';

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

const CLIP = 2000;

function clip(text: string): string {
  return text.length <= CLIP ? text : `${text.slice(0, CLIP)}… (${text.length} chars)`;
}

export class SessionEvidence {
  private readonly openedAt = performance.now();
  private readonly logs: { pid: number | undefined; log: ProcessLog }[] = [];
  readonly tcl: TclTranscriptEntry[] = [];
  readonly timings: TimingEntry[] = [];
  readonly faults: FaultLanding[] = [];
  /** Sector maps taken during the session (SVG text and one-line summary). */
  readonly sectorMaps: { readonly name: string; readonly svg: string; readonly summary: string }[] = [];
  health: HealthReport | undefined;
  /** Where attachment files are written (the session's work dir). */
  fileDir: () => string | undefined = () => undefined;
  uartText: () => string = () => '';
  virtualBoardStderr: () => string = () => '';
  /** Extra evidence from the virtual board's control socket (chip operation log); never a verdict. */
  virtualBoardState: () => Promise<Record<string, unknown> | undefined> = () => Promise.resolve(undefined);

  sinceOpenMs(): number {
    return performance.now() - this.openedAt;
  }

  addOpenOcdLog(pid: number | undefined, log: ProcessLog): void {
    this.logs.push({ pid, log });
  }

  recordTcl(command: string, startedAtMs: number, ok: boolean, reply: string): void {
    const now = this.sinceOpenMs();
    this.tcl.push({ atMs: Math.round(startedAtMs), command, elapsedMs: Math.round((now - startedAtMs) * 10) / 10, ok, reply: clip(reply) });
  }

  recordTiming(name: string, elapsedMs: number, ok: boolean): void {
    this.timings.push({ name, atMs: Math.round(this.sinceOpenMs() - elapsedMs), elapsedMs: Math.round(elapsedMs * 10) / 10, ok });
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

  openOcdLogText(): string {
    return this.logs.map(({ pid, log }, i) => `===== OpenOCD run ${i + 1} (pid ${pid ?? '?'}) =====\n${log.toString()}`).join('\n');
  }

  tclTranscriptText(): string {
    return this.tcl
      .map((e) => `[+${(e.atMs / 1000).toFixed(3)}s ${e.elapsedMs.toFixed(1)}ms ${e.ok ? 'ok ' : 'ERR'}] ${e.command}${e.reply ? `\n    -> ${e.reply.replace(/\n/g, '\n       ')}` : ''}`)
      .join('\n');
  }

  timingsText(): string {
    return this.timings.map((t) => `${(t.atMs / 1000).toFixed(3).padStart(9)} s  ${t.elapsedMs.toFixed(1).padStart(10)} ms  ${t.ok ? 'ok ' : 'ERR'}  ${t.name}`).join('\n');
  }

  /** Everything, as Allure attachments of the current test. */
  async attach(prefix = ''): Promise<void> {
    await attachText(`${prefix}OpenOCD log`, this.openOcdLogText());
    await attachText(`${prefix}OpenOCD Tcl transcript`, this.tclTranscriptText());
    await attachText(`${prefix}UART transcript`, this.uartText());
    await attachText(`${prefix}timings`, this.timingsText());
    if (this.health) await attachJson(`${prefix}board health check`, this.health);
    if (this.faults.length > 0) await attachJson(`${prefix}fault landings`, this.faults);
    const dir = this.fileDir();
    for (const [i, map] of this.sectorMaps.entries()) {
      await attachText(`${prefix}${map.name}: summary`, map.summary);
      if (dir) {
        const path = join(dir, `sector-map-${i + 1}.svg`);
        await writeFile(path, map.svg);
        await attachFile(`${prefix}${map.name}`, path, 'image/svg+xml');
      }
    }
    const virtual = await this.virtualBoardState().catch((error: unknown) => ({ unavailable: error instanceof Error ? error.message : String(error) }));
    if (virtual) await attachJson(`${prefix}virtual board: chip operation log (evidence only)`, virtual);
    const stderr = this.virtualBoardStderr();
    if (stderr) await attachText(`${prefix}virtual board stderr`, stderr);
  }
}
