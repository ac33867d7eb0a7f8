/**
 * Meta-test: an injected fault is confirmed by the MCU, never assumed. Spec 2 runs in a child
 * `hil test --specs-only` on the virtual board with its relay switched on channel 2 while the
 * board hangs on channel 1 (a relay on the wrong channel): every "power cut" cuts nothing, the run
 * still stops at the fault point, and the flash looks as if it landed. RCC_RSR shows no power-on
 * reset, so the case must end broken (exit 2, "fault not confirmed: power switch did not cut
 * power"), never passed and never a verdict on the board.
 */
import { expect } from 'chai';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ExitCode } from '../../harness/exit-codes.js';
import { attachJson, attachText, labels } from '../../harness/report/index.js';
import { derivedVirtualBoard, runSpecsInChild, summarizeChildRun } from '../support/child-run.js';

const BOARD_ID = 'virtual-h745-relay-wrong-channel';

/** boards.json's virtual board, its relay switched on channel 2 (power { type: "virtual", channel: 2 }). */
function miswiredBoard(): Record<string, unknown> {
  return derivedVirtualBoard(BOARD_ID, 'virtual board whose power relay is switched on channel 2; the board hangs on channel 1, so nothing is ever cut', {
    power: { type: 'virtual', channel: 2 },
  });
}

describe('Meta: injected faults are confirmed by the MCU, never assumed', function () {
  this.timeout(600_000);
  let dir: string;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'hil-meta-confirm-'));
  });
  after(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('a power cut through a relay on the wrong channel: spec 2 ends broken, "fault not confirmed: power switch did not cut power"; exit 2', async () => {
    await labels({ epic: 'meta', feature: 'faults confirmed', severity: 'critical' });
    const boardsFile = join(dir, 'boards.json');
    await writeFile(boardsFile, JSON.stringify({ boards: [miswiredBoard()] }, null, 2));
    const resultsDir = await mkdtemp(join(dir, 'results-'));
    const result = await runSpecsInChild({
      boardsFile,
      board: BOARD_ID,
      resultsDir,
      files: ['specs/02-interrupted-programming.spec.ts'],
      grep: 'lands there',
      env: { HIL_SPEC_INJECTORS: 'power-cut', HIL_SPEC_POINTS: 'write:50%' },
    });
    await attachText(`hil test on ${BOARD_ID}: output`, result.output.slice(-20_000));
    await attachJson(`hil test on ${BOARD_ID}: results`, result.results);
    expect(result.exitCode, result.output.slice(-3000)).to.equal(ExitCode.NoVerdict);
    expect(result.results.length, summarizeChildRun(result)).to.equal(1);
    const r = result.results[0]!;
    expect(r.status, summarizeChildRun(result)).to.equal('broken');
    expect(r.category, summarizeChildRun(result)).to.equal('infrastructure broken');
    expect(r.message).to.match(/fault not confirmed: power switch did not cut power: RCC_RSR=0x[0-9a-f]{8} .* \(no PORRSTF\/BORRSTF flag; .*channel 2\)/);
  });
});
