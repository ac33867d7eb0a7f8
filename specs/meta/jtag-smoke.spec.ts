/**
 * The JTAG path keeps working: a smoke set of the mission specs (health, program and verify,
 * boot, one interruption case) runs in a child `hil test --specs-only` on `virtual-h745-jtag`,
 * the virtual board reached over remote_bitbang JTAG instead of its emulated ST-LINK, as teams
 * with JTAG probes drive their boards. Every smoke case must pass there, and the run exit 0.
 */
import { expect } from 'chai';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT } from '../../harness/boards/index.js';
import { ExitCode } from '../../harness/exit-codes.js';
import { attachJson, attachText, labels } from '../../harness/report/index.js';
import { runSpecsInChild } from '../support/child-run.js';

const JTAG_BOARD = 'virtual-h745-jtag';

describe(`Smoke on ${JTAG_BOARD}: the mission specs also pass over JTAG (remote_bitbang)`, function () {
  this.timeout(900_000);
  let dir: string;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'hil-jtag-smoke-'));
  });
  after(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('health, program + verify, boot, and kill-openocd at write:50% with its recovery all pass; exit 0', async () => {
    await labels({ epic: 'meta', feature: 'JTAG smoke', severity: 'critical' });
    const resultsDir = await mkdtemp(join(dir, 'results-'));
    const run = await runSpecsInChild({
      boardsFile: join(REPO_ROOT, 'boards.json'),
      board: JTAG_BOARD,
      resultsDir,
      files: ['specs/01-baseline.spec.ts', 'specs/02-interrupted-programming.spec.ts'],
      grep: 'Baseline|kill-openocd at write:50%',
      env: { HIL_SPEC_INJECTORS: 'kill-openocd', HIL_SPEC_POINTS: 'write:50%' },
      timeoutMs: 840_000,
    });
    await attachText(`hil test on ${JTAG_BOARD}: output`, run.output.slice(-20_000));
    await attachJson(`hil test on ${JTAG_BOARD}: results`, run.results);
    const lines = run.results.map((r) => `${r.status} ${r.fullName}: ${r.message.split('\n')[0]}`).join('\n');
    expect(run.exitCode, run.output.slice(-3000)).to.equal(ExitCode.Passed);
    expect(run.results.map((r) => r.name).join('\n'))
      .to.match(/is healthy/)
      .and.match(/program <image> verify/)
      .and.match(/boots it/)
      .and.match(/kill-openocd at write:50%/);
    for (const result of run.results) expect(result.status, lines).to.equal('passed');
  });
});
