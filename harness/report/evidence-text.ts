/**
 * How a session's evidence reads as text in the report (and in a terminal): the one place for
 * each format, whether a whole session or one test's stretch of it is attached.
 */
import type { FaultLanding } from '../faults/injectors.js';
import type { SectorMap } from '../flash/sector-map.js';
import type { UartLine } from '../serial/uart-console.js';
import type { HealthReport, OpenOcdRunLog, SectorMapEvidence, TclTranscriptEntry, TimingEntry } from '../session/evidence.js';
import { explainStates, renderSectorGrid } from './sector-grid.js';

const seconds = (ms: number): string => (ms / 1000).toFixed(3);

/** `[+1.234s 5.6ms ok ] command`, the reply indented under it. */
export function tclTranscriptText(entries: readonly TclTranscriptEntry[]): string {
  return entries
    .map(
      (e) =>
        `[+${seconds(e.atMs)}s ${e.elapsedMs.toFixed(1)}ms ${e.ok ? 'ok ' : 'ERR'}] ${e.command}${e.reply ? `\n    -> ${e.reply.replace(/\n/g, '\n       ')}` : ''}`,
    )
    .join('\n');
}

/** Each OpenOCD run under a header; `tailChars` keeps only the end of a long log. */
export function openOcdLogText(runs: readonly OpenOcdRunLog[], tailChars = Infinity): string {
  const text = runs
    .map(
      ({ run, pid, lines }) =>
        `===== OpenOCD run ${run} (pid ${pid ?? '?'}) =====\n${lines.map((l) => `${new Date(l.at).toISOString()} ${l.stream === 'stderr' ? 'E' : 'O'} ${l.text}`).join('\n')}`,
    )
    .join('\n');
  return text.length > tailChars ? `… (${text.length - tailChars} chars before)\n${text.slice(-tailChars)}` : text;
}

/** `[+12.345s] line`, time since the UART opened. */
export function uartTranscriptText(lines: readonly UartLine[]): string {
  return lines.map((l) => `[+${seconds(l.atMs)}s] ${l.text}`).join('\n');
}

/** One timing a line (seconds since the session opened, duration, ok), then the stretch's total. */
export function timingsText(timings: readonly TimingEntry[], totalMs: number): string {
  const rows = timings.map((t) => `${seconds(t.atMs).padStart(9)} s  ${t.elapsedMs.toFixed(1).padStart(10)} ms  ${t.ok ? 'ok ' : 'ERR'}  ${t.name}`);
  return [...rows, `${''.padStart(9)}    ${totalMs.toFixed(0).padStart(10)} ms       total`].join('\n');
}

/** Timings as CSV: `at_s,elapsed_ms,ok,name`, name quoted. */
export function timingsCsv(timings: readonly TimingEntry[]): string {
  const quote = (s: string): string => `"${s.replace(/"/g, '""')}"`;
  return (
    ['at_s,elapsed_ms,ok,name', ...timings.map((t) => `${seconds(t.atMs)},${t.elapsedMs.toFixed(1)},${t.ok ? 'ok' : 'ERR'},${quote(t.name)}`)].join('\n') + '\n'
  );
}

/** Timings as a markdown table (shown as text in the report, readable in a terminal too). */
export function timingsMarkdown(timings: readonly TimingEntry[]): string {
  const rows = timings.map((t) => `| ${seconds(t.atMs)} | ${t.elapsedMs.toFixed(1)} | ${t.ok ? 'ok' : '**ERR**'} | ${t.name.replace(/\|/g, '\\|')} |`);
  return ['| at (s) | elapsed (ms) | ok | what |', '| ---: | ---: | :-: | --- |', ...rows].join('\n') + '\n';
}

/** The health check as lines (`ok  QSPI JEDEC id  read ef4020 ...`). */
export function healthText(health: HealthReport): string {
  const head = `health: ${health.ok ? 'ok' : 'FAILED'}${health.openOcdVersion ? `; ${health.openOcdVersion.split('\n')[0]}` : ''}${health.jedecId ? `; JEDEC ${health.jedecId}` : ''}`;
  return (
    [head, ...health.checks.map((c) => `${c.ok ? 'ok ' : 'ERR'}  ${c.check.padEnd(18)}  ${c.detail}  [${c.command}; ${c.elapsedMs} ms]`)].join('\n') + '\n'
  );
}

/** Where an interruption landed, in words a reviewer reads first. */
export function faultLandingText(landing: FaultLanding): string {
  const lines = [
    `injector:          ${landing.injector}`,
    `planned at:        ${landing.point} (${landing.description})`,
    `fired in phase:    ${landing.phase}, ${landing.elapsedMs} ms into the run`,
    `last acked byte:   ${landing.lastAckedByte}`,
    `last erased unit:  ${landing.lastErasedUnit ?? 'none'}${landing.lastErasedOffset !== undefined ? ` (offset 0x${landing.lastErasedOffset.toString(16)})` : ''}`,
    `in flight:         ${landing.inFlightCommand ?? 'nothing'} -> ${landing.inFlightOutcome}${landing.inFlightSettledAtMs !== undefined ? ` at ${landing.inFlightSettledAtMs} ms` : ''}`,
    `injector done at:  ${landing.injectorDoneAtMs} ms`,
    ...landing.notes.map((n) => `note: ${n}`),
  ];
  return lines.join('\n') + '\n';
}

/** A sector map's summary, terminal grid, and what its states mean. */
export function sectorMapText(map: SectorMap, title: string): string {
  return [title, `summary: ${map.summary()}`, '', ...renderSectorGrid(map), ...explainStates(map)].join('\n') + '\n';
}

/** The attachment name of a sector map the session took: `sector map 2 (after the re-run)`. */
export function sectorMapName(map: SectorMapEvidence): string {
  return `sector map ${map.number}${map.title ? ` (${map.title})` : ''}`;
}
