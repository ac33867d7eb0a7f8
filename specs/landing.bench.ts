/**
 * The interrupted-programming matrix's landings on the virtual board (`npm run bench -- landing`):
 * every case of spec 2's matrix run up to its observed landing (no boot, no re-run), then
 *
 *   bench matrix-distinct-landings: N count   distinct flash states (fingerprints) the matrix leaves
 *   bench matrix-landed-as-intended: P %       cases whose observed landing is the intended one
 *   bench matrix-landing-wall: T s             wall time of those landings
 *   bench landing-observation: T ms            mean time to observe one landing through OpenOCD
 */
import { selectBoard } from '../harness/boards/index.js';
import { FaultDidNotLandError } from '../harness/flash/index.js';
import { BoardSession } from '../harness/session/index.js';
import { specTimeScale } from './support/board.js';
import { scenarioImages } from './support/images.js';
import { interruptAndObserve, MATRIX, unsupported } from './support/interruption.js';

const session = await BoardSession.open(selectBoard().board, { timeScale: specTimeScale() });
const fingerprints = new Set<string>();
let landed = 0;
let ran = 0;
let observationMs = 0;
const started = performance.now();
try {
  for (const c of MATRIX) {
    if (unsupported(c, session.board)) continue;
    ran++;
    if (session.interrupted !== undefined || session.broken !== undefined) await session.reconnect();
    try {
      const result = await interruptAndObserve(session, c, { images: scenarioImages() });
      fingerprints.add(result.observation.fingerprint);
      observationMs += result.observation.inspection.elapsedMs;
      if (result.check.landed) landed++;
      else process.stderr.write(`${c.injector} at ${c.point}: ${result.check.miss ?? result.check.contradictions.join('; ')}\n`);
    } catch (error) {
      if (!(error instanceof FaultDidNotLandError)) throw error;
      process.stderr.write(`${error.message}\n`);
    }
  }
} finally {
  await session.close();
}
const wall = (performance.now() - started) / 1000;
process.stdout.write(
  [
    `bench matrix-distinct-landings: ${fingerprints.size} count`,
    `bench matrix-landed-as-intended: ${ran === 0 ? 0 : ((100 * landed) / ran).toFixed(1)} %`,
    `bench matrix-landing-wall: ${wall.toFixed(1)} s`,
    `bench landing-observation: ${(observationMs / Math.max(1, landed)).toFixed(0)} ms`,
  ].join('\n') + '\n',
);
