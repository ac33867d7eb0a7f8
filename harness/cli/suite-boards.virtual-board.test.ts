/**
 * `hil suite --board a,b,c` end to end on three virtual boards at once (each run starts its own
 * virtual board on free ports, with real OpenOCD): virtual-h745 as in boards.json; a copy whose
 * OpenOCD config stubs out the erase (fixtures/openocd/broken/), which must fail a verdict; and
 * a copy that expects another JEDEC id, whose health check must fail. One erase case of spec 3
 * keeps it short. The merged results and the report built from them must hold every board: the
 * same test on two boards as two histories, the failing board failed, the unhealthy board broken
 * and named, and the run's exit code the worst outcome (1).
 *
 * The report is checked through the data files its page renders (the tree, the results, the
 * environment) and as a reader sees it: rendered in headless Chromium (.ci/setup installs it).
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { expect } from 'chai';
import { REPO_ROOT } from '../boards/select.js';
import { renderReportText } from '../report/testing/render-report.js';
import type { AllureResultFile as ResultFile } from '../report/testing/result-file.js';

const TSX = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
const CLI = join(REPO_ROOT, 'harness', 'cli.ts');
const GOOD = 'virtual-h745';
const BROKEN = 'virtual-h745-erase-skipped';
const UNHEALTHY = 'virtual-h745-wrong-jedec';
const CASE = /`flash erase_sector` across the 16 MiB boundary/;

const boardOf = (r: { parameters: { name: string; value: string }[] }): string | undefined => r.parameters.find((p) => p.name === 'board')?.value;

describe('hil suite on several virtual boards at once: one merged report, the worst outcome', function () {
  this.timeout(240_000);
  let dir: string;
  let run: { code: number | null; stdout: string; stderr: string; maxLocksHeld: number };

  before(async function () {
    this.timeout(240_000);
    dir = mkdtempSync(join(tmpdir(), 'hil-farm-'));
    const entry = (JSON.parse(readFileSync(join(REPO_ROOT, 'boards.json'), 'utf8')) as { boards: Record<string, unknown>[] }).boards.find(
      (b) => b.id === GOOD,
    )!;
    const configs = (entry.openocd as { configs: string[] }).configs.map((c) => join(REPO_ROOT, c));
    const boards = [
      { ...entry, openocd: { configs } },
      {
        ...entry,
        id: BROKEN,
        description: 'virtual-h745 with the erase stubbed out',
        openocd: { configs: [join(REPO_ROOT, 'fixtures/openocd/broken/virtual-h745-erase-skipped.cfg')] },
      },
      {
        ...entry,
        id: UNHEALTHY,
        description: 'virtual-h745 expecting another JEDEC id',
        openocd: { configs },
        qspi: { ...(entry.qspi as object), jedecId: 'ef4019' },
      },
    ];
    writeFileSync(join(dir, 'boards.json'), JSON.stringify({ boards }, null, 2));

    const lockDir = join(dir, 'locks');
    const env: NodeJS.ProcessEnv = { ...process.env, HIL_LOCK_DIR: lockDir };
    // This process may be a `hil test` holding virtual-h745 itself: the children use their own lock dir.
    delete env.HIL_BOARD;
    delete env.HIL_BOARDS;
    delete env.HIL_ALLURE_RESULTS_DIR;
    const args = [
      ...['--import', TSX, CLI, 'suite', '--board', `${GOOD},${BROKEN},${UNHEALTHY}`, '--boards', join(dir, 'boards.json')],
      ...[
        '--results-dir',
        join(dir, 'results'),
        '--report-dir',
        join(dir, 'report'),
        '--grep',
        'flash erase_sector. across the 16 MiB',
        'specs/03-erase-clears.spec.ts',
      ],
    ];
    const child = spawn(process.execPath, args, { cwd: REPO_ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    // Each board's run holds its own lock while it runs: more than one at once means in parallel.
    let maxLocksHeld = 0;
    const poll = setInterval(() => {
      const held = existsSync(lockDir) ? readdirSync(lockDir).filter((f) => f.endsWith('.lock')).length : 0;
      maxLocksHeld = Math.max(maxLocksHeld, held);
    }, 50);
    try {
      const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
      run = { code, stdout, stderr, maxLocksHeld };
    } finally {
      clearInterval(poll);
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGINT');
    }
  });
  after(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const explain = (): string => `exit ${run.code}\n--- stdout\n${run.stdout.slice(-6000)}\n--- stderr\n${run.stderr.slice(-3000)}`;
  const results = (sub = ''): ResultFile[] =>
    readdirSync(join(dir, 'results', sub))
      .filter((f) => f.endsWith('-result.json'))
      .map((f) => JSON.parse(readFileSync(join(dir, 'results', sub, f), 'utf8')) as ResultFile);

  it('exits 1 (a board failed a check outranks a board without a verdict), each board run in parallel under its own lock', () => {
    expect(run.code, explain()).to.equal(1);
    expect(run.maxLocksHeld, 'locks held at once').to.be.greaterThan(1);
    expect(
      readdirSync(join(dir, 'locks')).filter((f) => f.endsWith('.lock')),
      'locks released',
    ).to.deep.equal([]);
    expect(run.stdout).to.include(`board ${BROKEN}: exit 1 (the board failed a check)`).and.include(`board ${UNHEALTHY}: exit 2 (no verdict)`);
    expect(run.stdout.trimEnd().split('\n').slice(-2)).to.deep.equal(['broken: 1', 'suite: 1 passed, 2 failed, 0 skipped']);
  });

  it('every board wrote its own results sub-directory; the merged directory holds them all, each result naming its board', () => {
    for (const board of [GOOD, BROKEN, UNHEALTHY]) expect(results(board).map(boardOf), board).to.deep.equal([board]);
    const merged = results();
    expect(merged.map((r) => `${boardOf(r)}: ${r.status}`).sort(), explain()).to.deep.equal(
      [`${GOOD}: passed`, `${BROKEN}: failed`, `${UNHEALTHY}: broken`].sort(),
    );
    const env = readFileSync(join(dir, 'results', 'environment.properties'), 'utf8');
    expect(env).to.include(`boards=${GOOD}, ${BROKEN}, ${UNHEALTHY}`).and.include(`outcome\\ (${UNHEALTHY})=no verdict`);
    expect(env).to.match(/^openocd\.configs\\ \(virtual-h745-erase-skipped\)=.*virtual-h745-erase-skipped\.cfg$/m);
  });

  it('the same test on two boards: one test case, two historyIds (two histories, never a retry of the other)', () => {
    const merged = results();
    const good = merged.find((r) => boardOf(r) === GOOD)!;
    const broken = merged.find((r) => boardOf(r) === BROKEN)!;
    expect(good.name).to.match(CASE).and.equal(broken.name);
    expect(good.testCaseId).to.equal(broken.testCaseId);
    expect(good.historyId).not.to.equal(broken.historyId);
    for (const r of [good, broken]) {
      expect(r.labels.find((l) => l.name === 'parentSuite')?.value).to.equal(boardOf(r));
      expect(r.parameters.find((p) => p.name === 'flash time scale')?.value).to.equal('0.002');
    }
    expect(broken.statusDetails?.message).to.match(/flash not cleared/);
  });

  it('the board whose health check failed is in the report, broken, naming the check and the board', () => {
    const unhealthy = results().find((r) => boardOf(r) === UNHEALTHY)!;
    expect(unhealthy.name).to.equal(`health check of board ${UNHEALTHY} failed: QSPI JEDEC id`);
    expect(unhealthy.statusDetails?.message).to.include('read ef4020, expected ef4019');
  });

  it('the report shows every board: the tree groups by board, the results keep two histories for the shared test', () => {
    const tree = JSON.parse(readFileSync(join(dir, 'report', 'widgets', 'tree.json'), 'utf8')) as {
      root: { groups: string[] };
      groupsById: Record<string, { name: string; statistic: Record<string, number> }>;
    };
    const top = Object.fromEntries(tree.root.groups.map((id) => [tree.groupsById[id]!.name, tree.groupsById[id]!.statistic]));
    expect(top).to.deep.equal({ [GOOD]: { total: 1, passed: 1 }, [BROKEN]: { total: 1, failed: 1 }, [UNHEALTHY]: { total: 1, broken: 1 } });
    const dataDir = join(dir, 'report', 'data', 'test-results');
    const shown = readdirSync(dataDir).map((f) => JSON.parse(readFileSync(join(dataDir, f), 'utf8')) as { name: string; historyId: string; isRetry: boolean });
    const shared = shown.filter((r) => CASE.test(r.name));
    expect(shared).to.have.length(2);
    expect(shared.every((r) => !r.isRetry)).to.equal(true);
    expect(new Set(shared.map((r) => r.historyId)).size).to.equal(2);
  });

  it('rendered in Chromium, the report shows every board at the top, one of them failed and one broken', async function () {
    this.timeout(120_000);
    const text = await renderReportText(join(dir, 'report'));
    for (const board of [GOOD, BROKEN, UNHEALTHY]) expect(text, text.slice(0, 3000)).to.include(board);
    expect(text, text.slice(0, 3000)).to.match(/Total 3\b/);
    expect(text).to.match(/Failed 1\b/);
    expect(text).to.match(/Broken 1\b/);
  });
});
