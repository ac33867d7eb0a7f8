/**
 * Meta: the mission specs put a team's own procedure under test, and catch flawed ones. Each
 * case runs specs in a child `hil test --specs-only` with HIL_PROCEDURE set (what `--procedure`
 * does) and reads the child's Allure results:
 *
 * - `openocd-program-sh` (fixtures/procedures/openocd-program.sh: a separate OpenOCD runs
 *   `program … verify … reset exit`) through the whole command matrix on the virtual board
 *   (killed at 50 % of its stated progress and inside an erase, cut inside an erase, a page
 *   program and the write, NRST during the write): every case lands where it says and passes,
 *   and every result carries the procedure as its `procedure` parameter;
 * - `openocd-server-sh` (fixtures/procedures/openocd-server-program.sh: asks the harness's own
 *   OpenOCD to `program` over its Tcl port, `usesHarnessOpenOcd`) through the matrix for work
 *   inside that OpenOCD (killed inside an erase, cut inside an erase and a page program);
 * - `changed-units-sh` (fixtures/procedures/flash-changed-units.sh, its flaw seeded on purpose:
 *   it programs only the units that differ from a cached copy of the last image and updates the
 *   cache before programming): killed at 50 %, its next normal run skips the half-written units
 *   and exits 0; the spec must fail it as "flash not cleared", exit 1;
 * - `claims-success` (`/bin/true`): exits 0 and programs nothing; the baseline (spec 1) and every
 *   bad-state case (spec 6), which take the tool's word only with the flash's, fail it as "flash not
 *   cleared", exit 1.
 */
import { expect } from 'chai';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT } from '../../harness/boards/index.js';
import { ExitCode } from '../../harness/exit-codes.js';
import { attachJson, attachText, labels } from '../../harness/report/index.js';
import { derivedVirtualBoard, runSpecsInChild, type ChildRun, summarizeChildRun } from '../support/child-run.js';

const SPEC_2 = 'specs/02-interrupted-programming.spec.ts';

interface RawResult {
  readonly fullName?: string;
  readonly name: string;
  readonly status: string;
  readonly parameters?: readonly { name: string; value: string }[];
}

async function rawResults(dir: string): Promise<RawResult[]> {
  const files = (await readdir(dir)).filter((f) => f.endsWith('-result.json'));
  return Promise.all(files.map(async (f) => JSON.parse(await readFile(join(dir, f), 'utf8')) as RawResult));
}

describe("Meta: a team's own programming procedure under the mission specs", function () {
  this.timeout(900_000);
  let dir: string;
  let boardsFile: string;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'hil-meta-procedures-'));
    boardsFile = join(dir, 'boards.json');
    const base = derivedVirtualBoard('procedures-virtual', 'virtual board with the worked-example procedures');
    const flawed = {
      id: 'changed-units-sh',
      kind: 'command',
      description:
        'fixtures/procedures/flash-changed-units.sh: programs only units whose CRC differs from a cached copy of the last image (flaw seeded on purpose)',
      argv: [join(REPO_ROOT, 'fixtures/procedures/flash-changed-units.sh'), '{image}', '{address}'],
      cwd: REPO_ROOT,
      progress: 'write: (?<bytes>\\d+) of (?<total>\\d+) bytes',
      needsProbe: true,
      timeoutSeconds: 300,
      // Its progress comes once per 64 KiB unit written, with the next unit already under way.
      chunkBytes: 131072,
    };
    // Claims success and programs nothing: the baseline and the bad-state spec must not believe it.
    const idle = { id: 'claims-success', kind: 'command', description: '/bin/true: exits 0 and programs nothing', argv: ['/bin/true'], needsProbe: true };
    const board = { ...base, procedures: [...(base.procedures as unknown[]), flawed, idle] };
    await writeFile(boardsFile, JSON.stringify({ boards: [board] }, null, 2));
  });
  after(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  async function run(procedure: string, env: Record<string, string> = {}, files = [SPEC_2]): Promise<ChildRun & { raw: RawResult[] }> {
    const resultsDir = await mkdtemp(join(dir, `results-${procedure}-`));
    const result = await runSpecsInChild({
      boardsFile,
      board: 'procedures-virtual',
      resultsDir,
      files,
      env: { HIL_PROCEDURE: procedure, HIL_SPEC_INJECTORS: '', HIL_SPEC_POINTS: '', ...env },
      timeoutMs: 800_000,
    });
    await attachText(`hil test with ${procedure}: output`, result.output.slice(-20_000));
    await attachJson(`hil test with ${procedure}: results`, result.results);
    return { ...result, raw: await rawResults(resultsDir) };
  }

  it('openocd-program.sh runs the whole command matrix of spec 2: every case lands and passes, each result names the procedure; exit 0', async () => {
    await labels({ epic: 'meta', feature: 'procedures', severity: 'critical' });
    const result = await run('openocd-program-sh');
    expect(result.exitCode, `child exit code:\n${summarizeChildRun(result)}`).to.equal(ExitCode.Passed);
    const cases = result.raw.filter((r) => /Interrupted programming with procedure openocd-program-sh/.test(r.fullName ?? r.name));
    expect(
      cases.map((r) => r.status),
      summarizeChildRun(result),
    ).to.deep.equal(Array(6).fill('passed'));
    for (const r of cases) expect(r.parameters?.find((p) => p.name === 'procedure')?.value, r.name).to.equal('openocd-program-sh');
    const names = cases.map((r) => r.name).join('\n');
    expect(names).to.include('kill-tool at progress:50%');
    expect(names).to.include('power-cut at erase-in-flight:middle:50%');
  });

  it("openocd-server-program.sh, which programs through the harness's own OpenOCD, runs spec 2's matrix for work inside that OpenOCD (OpenOCD killed, power cut): every case lands and passes; exit 0", async () => {
    await labels({ epic: 'meta', feature: 'procedures', severity: 'critical' });
    const result = await run('openocd-server-sh');
    expect(result.exitCode, `child exit code:\n${summarizeChildRun(result)}`).to.equal(ExitCode.Passed);
    const cases = result.raw.filter((r) => /Interrupted programming with procedure openocd-server-sh/.test(r.fullName ?? r.name));
    expect(cases.map((r) => r.name.replace(/: .*/, '')).sort(), summarizeChildRun(result)).to.deep.equal([
      'kill-openocd at erase-in-flight:middle:50%',
      'power-cut at erase-in-flight:first:50%',
      'power-cut at program-in-flight:last:50%',
    ]);
    expect(
      cases.map((r) => r.status),
      summarizeChildRun(result),
    ).to.deep.equal(Array(3).fill('passed'));
    for (const r of cases) expect(r.parameters?.find((p) => p.name === 'procedure')?.value, r.name).to.equal('openocd-server-sh');
  });

  it('the flawed changed-units procedure fails as "flash not cleared" after a kill at 50 %; exit 1', async () => {
    await labels({ epic: 'meta', feature: 'procedures', severity: 'critical' });
    const result = await run('changed-units-sh', { HIL_SPEC_INJECTORS: 'kill-tool', HIL_SPEC_POINTS: 'progress:50%' });
    expect(result.exitCode, `child exit code:\n${summarizeChildRun(result)}`).to.equal(ExitCode.VerdictFailed);
    const hits = result.results.filter((r) => /kill-tool at progress:50%/.test(r.fullName));
    expect(hits.length, summarizeChildRun(result)).to.equal(1);
    expect(hits[0]!.status, summarizeChildRun(result)).to.equal('failed');
    expect(hits[0]!.category, summarizeChildRun(result)).to.equal('flash not cleared');
  });

  it('a procedure that exits 0 and programs nothing fails the baseline and every bad-state case as "flash not cleared"; exit 1', async () => {
    await labels({ epic: 'meta', feature: 'procedures', severity: 'critical' });
    const result = await run('claims-success', {}, ['specs/01-baseline.spec.ts', 'specs/06-bad-flash-state.spec.ts']);
    expect(result.exitCode, `child exit code:\n${summarizeChildRun(result)}`).to.equal(ExitCode.VerdictFailed);
    const programmed = result.results.filter((r) => /procedure claims-success leaves the image/.test(r.fullName));
    const badStates = result.results.filter((r) => /Flash left in a bad state/.test(r.fullName));
    expect(programmed.length, summarizeChildRun(result)).to.equal(1);
    expect(badStates.length, summarizeChildRun(result)).to.be.greaterThan(0);
    for (const r of [...programmed, ...badStates]) {
      expect(r.status, summarizeChildRun(result)).to.equal('failed');
      expect(r.category, summarizeChildRun(result)).to.equal('flash not cleared');
    }
  });
});
