/**
 * Evidence of a board session in the Allure report, so a failing spec can be diagnosed without
 * rerunning it: what the session recorded (OpenOCD log, Tcl transcript, UART transcript,
 * timings as text and CSV, health check, fault landings, sector maps as pictures), for the
 * whole session or for one test's stretch of it, plus the started board's own view. Formats
 * are evidence-text.ts's. Every helper is a no-op outside a reporting run.
 */
import * as allure from 'allure-js-commons';
import type { FaultLanding } from '../faults/injectors.js';
import type { SectorMap } from '../flash/sector-map.js';
import { renderSectorMapSvg } from '../flash/sector-map-svg.js';
import type { EvidenceMark, EvidenceSlice, SessionEvidence } from '../session/evidence.js';
import { attachJson, attachText, isReporting, parameter } from './allure.js';
import {
  faultLandingText,
  healthText,
  openOcdLogText,
  sectorMapName,
  sectorMapText,
  tclTranscriptText,
  timingsCsv,
  timingsText,
  uartTranscriptText,
} from './evidence-text.js';

/** What the attach helpers need of a BoardSession (structural: tests pass a stand-in). */
export interface EvidenceSource {
  readonly board: { readonly id: string };
  readonly evidence: SessionEvidence;
}

/** A test's OpenOCD log stretch keeps its last 40 000 characters. */
const TEST_LOG_TAIL = 40_000;

async function attachContent(name: string, content: string, contentType: string, fileExtension: string): Promise<void> {
  await allure.attachment(name, content, { contentType, fileExtension });
}

/** A stretch of recorded evidence as attachments of the current test; `prefix` tells sessions apart. */
async function attachSlice(slice: EvidenceSlice, prefix: string, logTailChars: number): Promise<void> {
  await attachText(`${prefix}OpenOCD Tcl transcript`, tclTranscriptText(slice.tcl));
  await attachText(`${prefix}OpenOCD log`, openOcdLogText(slice.openOcdLog, logTailChars));
  await attachText(`${prefix}UART transcript`, uartTranscriptText(slice.uart));
  await attachText(`${prefix}timings`, timingsText(slice.timings, slice.elapsedMs));
  await attachContent(`${prefix}timings (CSV)`, timingsCsv(slice.timings), 'text/csv', 'csv');
  if (slice.health) {
    await attachJson(`${prefix}board health check`, slice.health);
    await attachText(`${prefix}board health check (text)`, healthText(slice.health));
  }
  if (slice.faults.length > 0) await attachJson(`${prefix}fault point and where it landed`, slice.faults);
  for (const map of slice.sectorMaps) {
    await attachText(`${prefix}${sectorMapName(map)}: summary`, map.summary);
    await attachContent(`${prefix}${sectorMapName(map)}`, map.svg, 'image/svg+xml', 'svg');
  }
}

/**
 * Everything a session recorded since it opened, as attachments of the current test, plus the
 * started board's own view (chip operation log and stderr: evidence only, never a verdict).
 */
export async function attachSessionEvidence(session: EvidenceSource, prefix = ''): Promise<void> {
  if (!isReporting()) return;
  await attachSlice(session.evidence.since(), prefix, Infinity);
  const board = session.evidence.board;
  if (!board) return;
  const state = await board.state().catch((error: unknown) => ({ unavailable: error instanceof Error ? error.message : String(error) }));
  if (state) await attachJson(`${prefix}virtual board: chip operation log (evidence only)`, state);
  const stderr = board.stderr();
  if (stderr) await attachText(`${prefix}virtual board stderr`, stderr);
}

/** What a session recorded after `mark` (one test in a shared session), OpenOCD log tail only. */
export async function attachEvidenceSince(session: EvidenceSource, mark: EvidenceMark): Promise<void> {
  if (!isReporting()) return;
  await attachSlice(session.evidence.since(mark), '', TEST_LOG_TAIL);
}

/** A sector map as an SVG picture plus a text attachment: summary, terminal grid, what the states mean. */
export async function attachSectorMap(map: SectorMap, title: string, svg: string = renderSectorMapSvg(map, title)): Promise<void> {
  if (!isReporting()) return;
  await attachContent(`sector map: ${title}`, svg, 'image/svg+xml', 'svg');
  await attachText(`sector map: ${title} (text)`, sectorMapText(map, title));
}

/** A fault landing as text and JSON, and the fault point / injector as test parameters. */
export async function attachFaultLanding(landing: FaultLanding, name = 'fault landing'): Promise<void> {
  if (!isReporting()) return;
  await parameter('fault point', landing.point);
  await parameter('injector', landing.injector);
  await attachText(name, faultLandingText(landing));
  await attachJson(`${name} (JSON)`, landing);
}
