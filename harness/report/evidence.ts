/**
 * Evidence of a board session in the Allure report, so a failing spec can be diagnosed without
 * rerunning it: everything the session saw (OpenOCD log, Tcl transcript, UART transcript,
 * timings as CSV, health check), sector maps as pictures with a text grid, where a fault landed,
 * the parameters that identify the case (board, image, fault point, seed), and the run's
 * environment (OpenOCD version, board, JEDEC id, firmware build) merged into
 * environment.properties once. Every helper is a no-op outside a reporting run, except
 * `recordRunEnvironment`, which writes only when the results directory is known.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as allure from 'allure-js-commons';
import type { FaultLanding } from '../faults/injectors.js';
import type { SectorMap } from '../flash/sector-map.js';
import { renderSectorMapSvg } from '../flash/sector-map-svg.js';
import type { HealthReport, SessionEvidence, TimingEntry } from '../session/evidence.js';
import { attachJson, attachText, isReporting, labels, parameter, type Labels, type ParameterValue } from './allure.js';
import { writeEnvironmentProperties, type EnvironmentInfo } from './results-files.js';
import { explainStates, renderSectorGrid } from './sector-grid.js';

/** What `attachSessionEvidence` needs of a BoardSession (structural: tests pass a stand-in). */
export interface EvidenceSource {
  readonly board: { readonly id: string };
  readonly evidence: SessionEvidence;
}

/** Timings as CSV: `at_s,elapsed_ms,ok,name`, name quoted. */
export function timingsCsv(timings: readonly TimingEntry[]): string {
  const quote = (s: string): string => `"${s.replace(/"/g, '""')}"`;
  return ['at_s,elapsed_ms,ok,name', ...timings.map((t) => `${(t.atMs / 1000).toFixed(3)},${t.elapsedMs.toFixed(1)},${t.ok ? 'ok' : 'ERR'},${quote(t.name)}`)].join('\n') + '\n';
}

/** Timings as a markdown table (shown as text in the report, readable in a terminal too). */
export function timingsMarkdown(timings: readonly TimingEntry[]): string {
  const rows = timings.map((t) => `| ${(t.atMs / 1000).toFixed(3)} | ${t.elapsedMs.toFixed(1)} | ${t.ok ? 'ok' : '**ERR**'} | ${t.name.replace(/\|/g, '\\|')} |`);
  return ['| at (s) | elapsed (ms) | ok | what |', '| ---: | ---: | :-: | --- |', ...rows].join('\n') + '\n';
}

/** The health check as lines (`ok  QSPI JEDEC id  read ef4020 ...`). */
export function healthText(health: HealthReport): string {
  const head = `health: ${health.ok ? 'ok' : 'FAILED'}${health.openOcdVersion ? `; ${health.openOcdVersion.split('\n')[0]}` : ''}${health.jedecId ? `; JEDEC ${health.jedecId}` : ''}`;
  return [head, ...health.checks.map((c) => `${c.ok ? 'ok ' : 'ERR'}  ${c.check.padEnd(18)}  ${c.detail}  [${c.command}; ${c.elapsedMs} ms]`)].join('\n') + '\n';
}

async function attachContent(name: string, content: string, contentType: string, fileExtension: string): Promise<void> {
  if (isReporting()) await allure.attachment(name, content, { contentType, fileExtension });
}

/**
 * Everything a session saw, as attachments of the current test: OpenOCD log (every run across
 * reconnects), Tcl transcript, UART transcript, timings (text and CSV), health check (JSON),
 * fault landings, sector maps taken during the session, and the virtual board's own view
 * (evidence only). `prefix` tells sessions apart when a test has two.
 */
export async function attachSessionEvidence(session: EvidenceSource, prefix = ''): Promise<void> {
  if (!isReporting()) return;
  await session.evidence.attach(prefix);
  await attachContent(`${prefix}timings (CSV)`, timingsCsv(session.evidence.timings), 'text/csv', 'csv');
  if (session.evidence.health) await attachText(`${prefix}board health check (text)`, healthText(session.evidence.health));
}

/** A sector map as an SVG picture plus a text attachment: summary, terminal grid, what the states mean. */
export async function attachSectorMap(map: SectorMap, title: string, svg: string = renderSectorMapSvg(map, title)): Promise<void> {
  if (!isReporting()) return;
  await attachContent(`sector map: ${title}`, svg, 'image/svg+xml', 'svg');
  await attachText(`sector map: ${title} (text)`, sectorMapText(map, title));
}

export function sectorMapText(map: SectorMap, title: string): string {
  return [title, `summary: ${map.summary()}`, '', ...renderSectorGrid(map), ...explainStates(map)].join('\n') + '\n';
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

/** A fault landing as text and JSON, and the fault point / injector as test parameters. */
export async function attachFaultLanding(landing: FaultLanding, name = 'fault landing'): Promise<void> {
  if (!isReporting()) return;
  await parameter('fault point', landing.point);
  await parameter('injector', landing.injector);
  await attachText(name, faultLandingText(landing));
  await attachJson(`${name} (JSON)`, landing);
}

/** The parameters that identify a case (history key): board, image, fault point, injector, seed. */
export interface CaseParameters {
  readonly board?: string;
  readonly image?: string;
  readonly faultPoint?: string;
  readonly injector?: string;
  readonly seed?: number;
  readonly [name: string]: ParameterValue;
}

const PARAMETER_NAMES: Readonly<Record<string, string>> = { board: 'board', image: 'image', faultPoint: 'fault point', injector: 'injector', seed: 'seed' };

export async function caseParameters(values: CaseParameters): Promise<void> {
  for (const [key, value] of Object.entries(values)) if (value !== undefined) await parameter(PARAMETER_NAMES[key] ?? key, value);
}

/** Labels and parameters in one call, the head of every spec. */
export async function describeCase(caseLabels: Labels, values: CaseParameters = {}): Promise<void> {
  await labels(caseLabels);
  await caseParameters(values);
}

// ---------------------------------------------------------------------------------------------
// Run environment

/** Results directory of the current run: set by `hil test` (HIL_ALLURE_RESULTS_DIR). */
export function currentResultsDir(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const dir = env.HIL_ALLURE_RESULTS_DIR;
  return dir !== undefined && dir !== '' ? dir : undefined;
}

/** Reads environment.properties back (Java properties as allure-js writes them: key=value lines). */
export function readEnvironmentProperties(resultsDir: string): Record<string, string> {
  const file = join(resultsDir, 'environment.properties');
  if (!existsSync(file)) return {};
  const out: Record<string, string> = {};
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    if (line.trim() === '' || line.startsWith('#')) continue;
    const eq = line.indexOf('=');
    if (eq < 0) continue;
    out[line.slice(0, eq).trim().replace(/\\(.)/g, '$1')] = line.slice(eq + 1).trim().replace(/\\(.)/g, '$1');
  }
  return out;
}

/** What a session learned about the rig, for environment.properties. */
export function sessionEnvironment(session: { readonly board: { readonly id: string; readonly kind: string }; readonly health: HealthReport | undefined }, firmwareBuild?: string): EnvironmentInfo {
  const health = session.health;
  return {
    board: session.board.id,
    'board.kind': session.board.kind,
    'openocd.version': health?.openOcdVersion?.split('\n')[0],
    'qspi.jedecId': health?.jedecId,
    'firmware.build': firmwareBuild,
  };
}

const written = new Map<string, string>();

/**
 * Merges `info` into the run's environment.properties (keeping what the runner wrote), once:
 * a key already written with the same value is not written again. Returns true if it wrote.
 */
export function recordRunEnvironment(info: EnvironmentInfo, resultsDir: string | undefined = currentResultsDir()): boolean {
  if (resultsDir === undefined) return false;
  const fresh = Object.entries(info).filter(([key, value]) => value !== undefined && written.get(`${resultsDir}\0${key}`) !== String(value));
  if (fresh.length === 0) return false;
  const merged: Record<string, string | undefined> = { ...readEnvironmentProperties(resultsDir) };
  for (const [key, value] of fresh) {
    merged[key] = String(value);
    written.set(`${resultsDir}\0${key}`, String(value));
  }
  writeEnvironmentProperties(resultsDir, merged);
  return true;
}
