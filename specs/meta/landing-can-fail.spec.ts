/**
 * Meta-tests of the landing checks of the interrupted-programming spec: each runs spec 2 in a
 * child `hil test --specs-only` against a deliberately broken procedure and reads the child's
 * Allure results.
 *
 * - an erase procedure that skips unit 0 but acknowledges it: with the fault right after that
 *   erase the flash is untouched and the previous image boots, which the old step (a) took for
 *   "the fault came first"; the landing check must fail it as "flash not cleared";
 * - the bootloader built without the CRC check, power cut right after the header: it jumps into
 *   a blank payload, "boot fault".
 *
 * Each child run must exit 1 (a verdict), not 0 and not 2.
 */
import { expect } from 'chai';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT } from '../../harness/boards/index.js';
import { ExitCode } from '../../harness/exit-codes.js';
import { attachJson, attachText, labels } from '../../harness/report/index.js';
import { noCrcBootloaderElf } from '../support/board.js';
import { derivedVirtualBoard, runSpecsInChild, type ChildRun, summarizeChildRun } from '../support/child-run.js';

function virtualBoard(id: string, description: string, config?: string): Record<string, unknown> {
  return derivedVirtualBoard(id, description, config ? { configs: [config] } : {});
}

describe('Meta: the landing checks of the interrupted-programming spec fail, in the right category', function () {
  this.timeout(600_000);
  let dir: string;
  let boardsFile: string;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'hil-meta-landing-'));
    boardsFile = join(dir, 'boards.json');
    const boards = [
      virtualBoard(
        'broken-erase-unit0-skipped',
        'virtual board whose erase procedure acknowledges unit 0 without erasing it',
        join(REPO_ROOT, 'fixtures', 'openocd', 'broken', 'virtual-h745-erase-unit0-skipped.cfg'),
      ),
      virtualBoard('broken-nocrc-bootloader', 'virtual board programmed with the bootloader built with CHECK_CRC=0'),
    ];
    await writeFile(boardsFile, JSON.stringify({ boards }, null, 2));
  });
  after(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  async function run(board: string, env: Record<string, string>): Promise<ChildRun> {
    const resultsDir = await mkdtemp(join(dir, `results-${board}-`));
    const result = await runSpecsInChild({ boardsFile, board, resultsDir, files: ['specs/02-interrupted-programming.spec.ts'], grep: 'lands there', env });
    await attachText(`hil test on ${board}: output`, result.output.slice(-20_000));
    await attachJson(`hil test on ${board}: results`, result.results);
    return result;
  }

  function only(result: ChildRun): ChildRun['results'][number] {
    expect(result.results.length, summarizeChildRun(result)).to.equal(1);
    return result.results[0]!;
  }

  it('an erase of one unit acknowledged but not done, fault right after it: "flash not cleared" although the old image boots; exit 1', async () => {
    await labels({ epic: 'meta', feature: 'landing checks can fail', severity: 'critical' });
    const result = await run('broken-erase-unit0-skipped', { HIL_SPEC_INJECTORS: 'tcl-shutdown', HIL_SPEC_POINTS: 'erase:after:first' });
    expect(result.exitCode, result.output.slice(-3000)).to.equal(ExitCode.VerdictFailed);
    const r = only(result);
    expect(r.status, summarizeChildRun(result)).to.equal('failed');
    expect(r.category, summarizeChildRun(result)).to.equal('flash not cleared');
    expect(r.message).to.match(/acknowledged the erase of unit 0 \(0x0\), but it holds old data/);
  });

  it('no-CRC bootloader, power cut right after the header was written: "boot fault"; exit 1', async () => {
    await labels({ epic: 'meta', feature: 'landing checks can fail', severity: 'critical' });
    const result = await run('broken-nocrc-bootloader', {
      HIL_SPEC_INJECTORS: 'power-cut',
      HIL_SPEC_POINTS: 'after-header',
      HIL_BOOTLOADER_ELF: noCrcBootloaderElf(),
    });
    expect(result.exitCode, result.output.slice(-3000)).to.equal(ExitCode.VerdictFailed);
    const r = only(result);
    expect(r.status, summarizeChildRun(result)).to.equal('failed');
    expect(r.category, summarizeChildRun(result)).to.equal('boot fault');
  });
});
