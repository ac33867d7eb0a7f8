/**
 * Per-test evidence from a session shared by several tests: marks where this test started in
 * the session's transcripts, and attaches only what happened since (OpenOCD Tcl transcript and
 * log tail, UART lines, sector map pictures, fault landings, timings).
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { attachFile, attachJson, attachText } from '../../harness/report/index.js';
import type { BoardSession } from '../../harness/session.js';

const LOG_TAIL = 40_000;

export class TestEvidence {
  private readonly tcl: number;
  private readonly uart: number;
  private readonly maps: number;
  private readonly faults: number;
  private readonly timings: number;
  private readonly log: number;
  private readonly startedAt = performance.now();

  constructor(private readonly session: BoardSession) {
    const e = session.evidence;
    this.tcl = e.tcl.length;
    this.uart = session.uart.transcript.length;
    this.maps = e.sectorMaps.length;
    this.faults = e.faults.length;
    this.timings = e.timings.length;
    this.log = e.openOcdLogText().length;
  }

  get elapsedMs(): number {
    return performance.now() - this.startedAt;
  }

  async attach(): Promise<void> {
    const s = this.session;
    const e = s.evidence;
    const tcl = e.tcl.slice(this.tcl);
    await attachText('OpenOCD Tcl transcript', tcl.map((t) => `[+${(t.atMs / 1000).toFixed(3)}s ${t.elapsedMs.toFixed(1)}ms ${t.ok ? 'ok ' : 'ERR'}] ${t.command}${t.reply ? `\n    -> ${t.reply.replace(/\n/g, '\n       ')}` : ''}`).join('\n'));
    const log = e.openOcdLogText().slice(this.log);
    await attachText('OpenOCD log', log.length > LOG_TAIL ? `… (${log.length - LOG_TAIL} chars before)\n${log.slice(-LOG_TAIL)}` : log);
    await attachText('UART transcript', s.uart.transcript.slice(this.uart).map((l) => `[${(l.atMs / 1000).toFixed(3)} s] ${l.text}`).join('\n'));
    await attachText('timings', e.timings.slice(this.timings).map((t) => `${t.elapsedMs.toFixed(1).padStart(10)} ms  ${t.ok ? 'ok ' : 'ERR'}  ${t.name}`).join('\n') + `\n${this.elapsedMs.toFixed(0).padStart(10)} ms  test total`);
    const faults = e.faults.slice(this.faults);
    if (faults.length > 0) await attachJson('fault point and where it landed', faults);
    const dir = s.flash.target.workDir;
    for (const [i, map] of e.sectorMaps.slice(this.maps).entries()) {
      await attachText(`${map.name}: summary`, map.summary);
      if (dir) {
        const path = join(dir, `spec-sector-map-${this.maps + i + 1}.svg`);
        await writeFile(path, map.svg);
        await attachFile(map.name, path, 'image/svg+xml');
      }
    }
  }
}

/** Runs `body` with a TestEvidence and attaches it whatever the outcome. */
export async function withEvidence<T>(session: BoardSession, body: (evidence: TestEvidence) => Promise<T>): Promise<T> {
  const evidence = new TestEvidence(session);
  try {
    return await body(evidence);
  } finally {
    await evidence.attach().catch(() => undefined);
  }
}
