import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { REPO_ROOT } from '../boards/select.js';
import { formatSummary } from './run-suite.js';
import { readEnvironmentProperties } from '../report/run-environment.js';
import type { AllureResultFile as ResultFile } from '../report/testing/result-file.js';

const CLI = join(REPO_ROOT, 'harness', 'cli.ts');
const EXIT_CODES = join(REPO_ROOT, 'harness', 'exit-codes.ts');

const FIXTURES: Record<string, string> = {
  'pass.test.ts': `
    describe('fixture pass', () => {
      it('passes', () => {});
      it.skip('is skipped', () => {});
    });`,
  'verdict.test.ts': `
    import { expect } from 'chai';
    describe('fixture verdict', () => {
      it('finds the flash not cleared', () => { expect(0x00, 'flash not cleared: sector 3').to.equal(0xff); });
    });`,
  'broken.test.ts': `
    import { NoVerdictError } from ${JSON.stringify(EXIT_CODES)};
    describe('fixture broken', () => {
      it('cannot reach openocd', () => { throw new NoVerdictError('openocd died before the erase finished'); });
    });`,
  'assert-word.test.ts': `
    import { NoVerdictError } from ${JSON.stringify(EXIT_CODES)};
    describe('fixture assert word', () => {
      it('cannot release reset', () => { throw new NoVerdictError('NRST stays asserted: the probe cannot release reset'); });
    });`,
  'typeerror.test.ts': `
    describe('fixture typeerror', () => {
      it('has a bug in the spec', () => { (undefined as unknown as { x: () => void }).x(); });
    });`,
  'hook.test.ts': `
    import { NoVerdictError } from ${JSON.stringify(EXIT_CODES)};
    describe('fixture hook', () => {
      before(() => { throw new NoVerdictError('probe not found'); });
      it('never runs', () => {});
    });`,
  'syntax.test.ts': `describe('x', () => { it('y', () => { ) });`,
  'hang.spec.ts': `
    describe('fixture hang', () => {
      it('waits forever', () => new Promise(() => { console.log('hanging'); }));
    });`,
  'board.spec.ts': `
    import { expect } from 'chai';
    describe('fixture spec', () => {
      it('sees the chosen board', () => { expect(process.env.HIL_BOARD).to.equal('bench-1'); });
    });`,
  'procedure.spec.ts': `
    import { expect } from 'chai';
    describe('fixture procedure', () => {
      it('sees the chosen procedure', () => { expect(process.env.HIL_PROCEDURE).to.equal(process.env.FIXTURE_PROCEDURE); });
    });`,
  'skipped.test.ts': `
    describe('fixture all skipped', () => {
      it.skip('is skipped', () => {});
      it('skips itself', function () { this.skip(); });
    });`,
  'setup.spec.ts': `
    import { NoVerdictError } from ${JSON.stringify(EXIT_CODES)};
    describe('fixture set-up', () => {
      before(function bringUp() { throw new NoVerdictError('probe not found'); });
      it('never runs', () => {});
      it('never runs either', () => {});
    });`,
  'farm.spec.ts': `
    import { expect } from 'chai';
    describe('fixture farm', () => {
      it('keeps the flash', () => { expect(process.env.HIL_BOARD, 'flash not cleared: sector 3 kept on ' + process.env.HIL_BOARD).to.equal('bench-1'); });
    });`,
};

function readResults(resultsDir: string): ResultFile[] {
  return readdirSync(resultsDir)
    .filter((f) => f.endsWith('-result.json'))
    .map((f) => JSON.parse(readFileSync(join(resultsDir, f), 'utf8')) as ResultFile);
}

const parameterOf = (r: ResultFile, name: string): string | undefined => r.parameters.find((p) => p.name === name)?.value;
const labelOf = (r: ResultFile, name: string): string | undefined => r.labels.find((l) => l.name === name)?.value;

function boardsFile(dir: string): string {
  writeFileSync(join(dir, 'bench.cfg'), '# bench\n');
  const file = join(dir, 'boards.json');
  const board = (id: string, extra: Record<string, unknown> = {}): Record<string, unknown> => ({
    id,
    description: 'a bench board',
    kind: 'real',
    openocd: { configs: ['bench.cfg'] },
    target: { mcu: 'STM32H745', core: 'cm7' },
    qspi: { bank: 'stm32h7x.qspi', base: 0x90000000, chip: 'W25Q512JV', jedecId: 'ef4020' },
    uart: { path: '/dev/ttyACM0', baud: 115200 },
    power: { type: 'none' },
    reset: { srst: true },
    allows: { massErase: true, powerCut: false },
    ...extra,
  });
  // Only bench-1 knows the team's tool; both have the built-in procedures.
  const flashTool = { id: 'flash-tool', kind: 'command', argv: ['flash-tool', '--image', '{image}', '--offset', '{offset}'] };
  writeFileSync(file, JSON.stringify({ boards: [board('bench-1', { procedures: [flashTool] }), board('bench-2')] }));
  return file;
}

describe('suite runner and hil CLI (harness/cli)', function () {
  this.timeout(60_000);
  let dir: string;
  let lockDir: string;

  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'hil-runner-'));
    lockDir = join(dir, 'locks');
    mkdirSync(lockDir);
    // Fixture files import chai; resolve it from the repository's node_modules. ESM like the
    // repository's own specs: as CommonJS they would load a second copy of chai and the harness.
    symlinkSync(join(REPO_ROOT, 'node_modules'), join(dir, 'node_modules'), 'dir');
    writeFileSync(join(dir, 'package.json'), JSON.stringify({ type: 'module' }));
    for (const [name, text] of Object.entries(FIXTURES)) writeFileSync(join(dir, name), text);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  function hil(
    args: string[],
    env: Record<string, string> = {},
    timeoutMs = 50_000,
  ): { status: number | null; stdout: string; stderr: string; lastLines: string[] } {
    const run = spawnSync(process.execPath, ['--import', 'tsx', CLI, ...args], {
      cwd: dir,
      encoding: 'utf8',
      env: { ...process.env, HIL_LOCK_DIR: lockDir, HIL_BOARD: '', HIL_BOARDS: '', HIL_PROCEDURE: '', ...env },
      timeout: timeoutMs,
    });
    const lines = run.stdout.trimEnd().split('\n');
    return { status: run.status, stdout: run.stdout, stderr: run.stderr, lastLines: lines.slice(-2) };
  }

  function test(files: string[]): ReturnType<typeof hil> {
    return hil(['test', '--results-dir', join(dir, 'results'), ...files]);
  }

  it('all checks passed: exit 0, and the closing lines are exactly "broken: 0" then "suite: 1 passed, 0 failed, 1 skipped"', () => {
    const run = test(['pass.test.ts']);
    expect(run.status, run.stderr).to.equal(0);
    expect(run.lastLines).to.deep.equal(['broken: 0', 'suite: 1 passed, 0 failed, 1 skipped']);
  });

  it('a chai assertion failure is a verdict: exit 1', () => {
    const run = test(['pass.test.ts', 'verdict.test.ts']);
    expect(run.status, run.stderr).to.equal(1);
    expect(run.lastLines).to.deep.equal(['broken: 0', 'suite: 1 passed, 1 failed, 1 skipped']);
  });

  it('a NoVerdictError is broken: exit 2, counted in failed and named', () => {
    const run = test(['pass.test.ts', 'broken.test.ts']);
    expect(run.status, run.stderr).to.equal(2);
    expect(run.lastLines).to.deep.equal(['broken: 1', 'suite: 1 passed, 1 failed, 1 skipped']);
    expect(run.stdout).to.include('broken: fixture broken cannot reach openocd: openocd died before the erase finished');
  });

  it('any other error (a TypeError in a spec) and a failing before hook are broken too', () => {
    const run = test(['typeerror.test.ts', 'hook.test.ts']);
    expect(run.status, run.stderr).to.equal(2);
    expect(run.lastLines).to.deep.equal(['broken: 2', 'suite: 0 passed, 2 failed, 0 skipped']);
  });

  it('a verdict outranks breakage elsewhere: exit 1 with the broken count printed', () => {
    const run = test(['verdict.test.ts', 'broken.test.ts']);
    expect(run.status, run.stderr).to.equal(1);
    expect(run.lastLines).to.deep.equal(['broken: 1', 'suite: 0 passed, 2 failed, 0 skipped']);
  });

  it('writes Allure results, environment.properties and categories.json; broken tests have status broken', () => {
    const resultsDir = join(dir, 'results');
    rmSync(resultsDir, { recursive: true, force: true });
    const run = hil(['test', '--results-dir', resultsDir, 'verdict.test.ts', 'broken.test.ts', 'assert-word.test.ts']);
    expect(run.status).to.equal(1);
    expect(existsSync(join(resultsDir, 'environment.properties'))).to.equal(true);
    const categories = JSON.parse(readFileSync(join(resultsDir, 'categories.json'), 'utf8')) as { name: string }[];
    expect(categories.map((c) => c.name)).to.include('infrastructure broken');
    const statuses = readdirSync(resultsDir)
      .filter((f) => f.endsWith('-result.json'))
      .map((f) => JSON.parse(readFileSync(join(resultsDir, f), 'utf8')) as { name: string; status: string })
      .map((r) => `${r.name}: ${r.status}`)
      .sort();
    // "asserted" in a NoVerdictError's message: allure-mocha alone would call it failed.
    expect(statuses).to.deep.equal(['cannot reach openocd: broken', 'cannot release reset: broken', 'finds the flash not cleared: failed']);
  });

  it('every test skipped is no verdict: exit 2, saying so before the closing lines', () => {
    const run = test(['skipped.test.ts']);
    expect(run.status, run.stderr).to.equal(2);
    expect(run.stdout).to.include('no verdict: every test was skipped (2); nothing was judged on this board');
    expect(run.lastLines).to.deep.equal(['broken: 0', 'suite: 0 passed, 0 failed, 2 skipped']);
  });

  it('a test file that does not load is no verdict: exit 2', () => {
    const run = test(['syntax.test.ts']);
    expect(run.status).to.equal(2);
    expect(run.stderr).to.include('test files failed to load');
  });

  it('globs are expanded by the runner', () => {
    const run = test(['p*.test.ts']);
    expect(run.status, run.stderr).to.equal(0);
    expect(run.lastLines[1]).to.equal('suite: 1 passed, 0 failed, 1 skipped');
  });

  it('bad arguments: message and exit 2', () => {
    for (const args of [['test', '--bogus'], ['test', '--unit-only', '--specs-only'], ['test', 'missing.test.ts'], ['frobnicate'], [], ['boards', 'extra']]) {
      const run = hil(args);
      expect(run.status, args.join(' ')).to.equal(2);
      expect(run.stderr, args.join(' ')).to.match(/hil|usage/);
    }
    const unknownCommand = hil(['frobnicate']);
    expect(unknownCommand.stderr).to.include('unknown command "frobnicate"');
    const both = hil(['test', '--unit-only', '--specs-only']);
    expect(both.stderr).to.include('--unit-only and --specs-only exclude each other');
  });

  it('no matching test files is no verdict: exit 2', () => {
    const run = test(['nothing/**/*.test.ts']);
    expect(run.status).to.equal(2);
    expect(run.stderr).to.include('no test files matched');
  });

  it('--help prints the subcommands and exits 0', () => {
    const run = hil(['--help']);
    expect(run.status).to.equal(0);
    expect(run.stdout).to.include('test').and.include('boards');
  });

  describe('specs: board choice and lock', () => {
    let file: string;
    before(() => {
      file = boardsFile(dir);
    });

    it('passes the chosen board to the specs and releases its lock at the end', () => {
      const run = hil(['test', '--board', 'bench-1', '--boards', file, '--results-dir', join(dir, 'results'), 'board.spec.ts']);
      expect(run.status, run.stdout + run.stderr).to.equal(0);
      expect(run.lastLines[1]).to.equal('suite: 1 passed, 0 failed, 0 skipped');
      expect(existsSync(join(lockDir, 'bench-1.lock'))).to.equal(false);
      const env = readFileSync(join(dir, 'results', 'environment.properties'), 'utf8');
      expect(env).to.include('board=bench-1');
    });

    it('every spec result names the board: a `board` parameter (in its historyId) and the board as parentSuite', () => {
      const resultsDir = join(dir, 'results-board');
      const run = hil(['test', '--board', 'bench-1', '--boards', file, '--results-dir', resultsDir, 'board.spec.ts', 'pass.test.ts']);
      expect(run.status, run.stdout + run.stderr).to.equal(0);
      const results = readResults(resultsDir);
      const spec = results.find((r) => r.fullName.includes('board.spec.ts'));
      const others = results.filter((r) => r !== spec);
      expect(parameterOf(spec!, 'board')).to.equal('bench-1');
      // A real board has no flash time scale: it runs at the chip's own timings.
      expect(parameterOf(spec!, 'flash time scale')).to.equal(undefined);
      expect([labelOf(spec!, 'parentSuite'), labelOf(spec!, 'suite')]).to.deep.equal(['bench-1', 'fixture spec']);
      // No --procedure, no HIL_PROCEDURE: the harness's plan is under test.
      expect(parameterOf(spec!, 'procedure')).to.equal('openocd-plan');
      expect(spec!.historyId).to.equal(`${spec!.testCaseId}:${createHash('md5').update('board:bench-1,procedure:openocd-plan').digest('hex')}`);
      // Unit tests beside the specs are not run on a board.
      for (const unit of others) expect([parameterOf(unit, 'board'), parameterOf(unit, 'procedure')], unit.name).to.deep.equal([undefined, undefined]);
    });

    it('--procedure reaches the specs as HIL_PROCEDURE, every spec result as the `procedure` parameter (in its historyId), and the report environment', () => {
      const resultsDir = join(dir, 'results-procedure');
      const run = hil(
        ['test', '--board', 'bench-1', '--boards', file, '--procedure', 'flash-tool', '--results-dir', resultsDir, 'procedure.spec.ts', 'pass.test.ts'],
        { FIXTURE_PROCEDURE: 'flash-tool', HIL_PROCEDURE: 'openocd-program' },
      );
      expect(run.status, run.stdout + run.stderr).to.equal(0);
      const results = readResults(resultsDir);
      const spec = results.find((r) => r.fullName.includes('procedure.spec.ts'))!;
      expect(parameterOf(spec, 'procedure')).to.equal('flash-tool');
      expect(spec.historyId).to.equal(`${spec.testCaseId}:${createHash('md5').update('board:bench-1,procedure:flash-tool').digest('hex')}`);
      for (const unit of results.filter((r) => r !== spec)) expect(parameterOf(unit, 'procedure'), unit.name).to.equal(undefined);
      const properties = readEnvironmentProperties(resultsDir);
      expect(properties).to.deep.include({
        procedure: 'flash-tool',
        'procedure.kind': 'command',
        'procedure.argv': 'flash-tool --image {image} --offset {offset}',
      });
      // The flag outranked the variable: the variable is not what ran.
      expect(properties).not.to.have.property('override.HIL_PROCEDURE');
    });

    it('HIL_PROCEDURE chooses the procedure like the flag, and the report says the run was redirected', () => {
      const resultsDir = join(dir, 'results-procedure-env');
      const run = hil(['test', '--board', 'bench-1', '--boards', file, '--results-dir', resultsDir, 'procedure.spec.ts'], {
        HIL_PROCEDURE: 'openocd-program',
        FIXTURE_PROCEDURE: 'openocd-program',
      });
      expect(run.status, run.stdout + run.stderr).to.equal(0);
      expect(readResults(resultsDir).map((r) => parameterOf(r, 'procedure'))).to.deep.equal(['openocd-program']);
      const properties = readEnvironmentProperties(resultsDir);
      expect(properties).to.deep.include({ procedure: 'openocd-program', 'procedure.kind': 'openocd-program', 'override.HIL_PROCEDURE': 'openocd-program' });
      expect(properties).not.to.have.property('procedure.argv');
    });

    it('the specs see the default procedure when none is chosen', () => {
      const run = hil(['test', '--board', 'bench-1', '--boards', file, '--results-dir', join(dir, 'results'), 'procedure.spec.ts'], {
        FIXTURE_PROCEDURE: 'openocd-plan',
      });
      expect(run.status, run.stdout + run.stderr).to.equal(0);
    });

    it('an unknown procedure is bad input: exit 2 naming the board, the id, its source and the known ids; the board is not locked, nothing runs', () => {
      const run = hil(['test', '--board', 'bench-2', '--boards', file, '--procedure', 'flash-tool', 'procedure.spec.ts']);
      expect(run.status).to.equal(2);
      expect(run.stderr).to.include('board bench-2: unknown procedure "flash-tool" (from --procedure); known: openocd-plan, openocd-program');
      expect(run.stdout).not.to.include('suite:');
      // Checked before the lock: a busy board does not hide the bad input.
      const holder = { boardId: 'bench-1', pid: process.pid, since: '2026-01-01T00:00:00.000Z', command: 'other run', host: hostname(), token: 'held' };
      writeFileSync(join(lockDir, 'bench-1.lock'), JSON.stringify(holder));
      let fromEnv: ReturnType<typeof hil>;
      try {
        fromEnv = hil(['test', '--board', 'bench-1', '--boards', file, 'procedure.spec.ts'], { HIL_PROCEDURE: 'flash-tol' });
      } finally {
        rmSync(join(lockDir, 'bench-1.lock'), { force: true });
      }
      expect(fromEnv.status).to.equal(2);
      expect(fromEnv.stderr).not.to.include('in use');
      expect(fromEnv.stderr)
        .to.include('board bench-1: unknown procedure "flash-tol" (from HIL_PROCEDURE); known: openocd-plan, openocd-program, flash-tool')
        .and.include('did you mean "flash-tool"?');
      const empty = hil(['test', '--procedure', '', 'procedure.spec.ts']);
      expect(empty.status).to.equal(2);
      expect(empty.stderr).to.include('--procedure needs a value').and.include('--procedure <id>');
    });

    it('hil suite --board bench-1,bench-2 --procedure X: a board without X starts no board, exit 2 naming it', () => {
      const run = hil(['suite', '--board', 'bench-1,bench-2', '--boards', file, '--procedure', 'flash-tool', 'procedure.spec.ts']);
      expect(run.status).to.equal(2);
      expect(run.stderr).to.include('board bench-2: unknown procedure "flash-tool" (from --procedure)');
      expect(run.stdout).not.to.include('[bench-1]');
      const all = hil(['suite', '--all-boards', '--boards', file, 'procedure.spec.ts'], { HIL_PROCEDURE: 'flash-tool' });
      expect(all.status).to.equal(2);
      expect(all.stderr).to.include('board bench-2: unknown procedure "flash-tool" (from HIL_PROCEDURE)');
      expect(all.stdout).not.to.include('[bench-1]');
    });

    it('a failed `before all` in a spec (a board that cannot be brought up) is one broken result naming the board, not silence', () => {
      const resultsDir = join(dir, 'results-setup');
      const run = hil(['test', '--board', 'bench-1', '--boards', file, '--results-dir', resultsDir, 'setup.spec.ts']);
      expect(run.status, run.stdout + run.stderr).to.equal(2);
      expect(run.lastLines).to.deep.equal(['broken: 1', 'suite: 0 passed, 1 failed, 0 skipped']);
      const results = readResults(resultsDir);
      expect(results.map((r) => [r.name, r.status, r.statusDetails?.message])).to.deep.equal([
        ['set-up failed on board bench-1: "before all" hook: bringUp', 'broken', 'probe not found'],
      ]);
      expect(results[0]!.fullName).to.match(/setup\.spec\.ts: fixture set-up > set-up$/);
      expect(parameterOf(results[0]!, 'board')).to.equal('bench-1');
      expect(labelOf(results[0]!, 'parentSuite')).to.equal('bench-1');
    });

    it('hil suite --board bench-1,bench-2: one run per board, results merged into one directory and report; worst outcome (1)', function () {
      this.timeout(120_000);
      const resultsDir = join(dir, 'farm-results');
      const reportDir = join(dir, 'farm-report');
      const run = hil(
        [
          'suite',
          '--board',
          'bench-1,bench-2',
          '--boards',
          file,
          '--procedure',
          'openocd-program',
          '--results-dir',
          resultsDir,
          '--report-dir',
          reportDir,
          'farm.spec.ts',
        ],
        {},
        110_000,
      );
      expect(run.status, run.stdout + run.stderr).to.equal(1);
      expect(run.stdout)
        .to.match(/^\[bench-1\] suite: 1 passed, 0 failed, 0 skipped$/m)
        .and.match(/^\[bench-2\] suite: 0 passed, 1 failed, 0 skipped$/m);
      expect(run.stdout).to.include('board bench-2: exit 1 (the board failed a check): 0 passed, 1 failed (0 broken), 0 skipped');
      expect(run.lastLines).to.deep.equal(['broken: 0', 'suite: 1 passed, 1 failed, 0 skipped']);
      // Each board wrote its own sub-directory; the merged directory holds both boards' results.
      expect(readResults(join(resultsDir, 'bench-1'))).to.have.length(1);
      expect(readResults(join(resultsDir, 'bench-2'))).to.have.length(1);
      const merged = readResults(resultsDir);
      expect(merged.map((r) => `${parameterOf(r, 'board')} ${r.status}`).sort()).to.deep.equal(['bench-1 passed', 'bench-2 failed']);
      expect(merged[0]!.testCaseId, 'the same test case').to.equal(merged[1]!.testCaseId);
      expect(merged[0]!.historyId, 'two histories, not a retry').not.to.equal(merged[1]!.historyId);
      // Each board's run got the procedure.
      expect(merged.map((r) => parameterOf(r, 'procedure'))).to.deep.equal(['openocd-program', 'openocd-program']);
      const env = readFileSync(join(resultsDir, 'environment.properties'), 'utf8');
      expect(env)
        .to.match(/^boards=bench-1, bench-2$/m)
        .and.match(/^procedure=openocd-program$/m)
        .and.match(/^outcome\\ \(bench-2\)=the board failed a check$/m)
        .and.match(/^board\.kind=real$/m);
      const categories = JSON.parse(readFileSync(join(resultsDir, 'categories.json'), 'utf8')) as { name: string }[];
      expect(categories.map((c) => c.name))
        .to.include('flash not cleared')
        .and.include('infrastructure broken');
      const summary = JSON.parse(readFileSync(join(reportDir, 'summary.json'), 'utf8')) as { stats: Record<string, number> };
      expect(summary.stats).to.deep.equal({ total: 2, passed: 1, failed: 1 });
      expect(existsSync(join(lockDir, 'bench-1.lock')) || existsSync(join(lockDir, 'bench-2.lock')), 'locks released').to.equal(false);
    });

    it('hil suite --all-boards: a board whose run wrote nothing (busy) still appears, broken, and the run exits 2', function () {
      this.timeout(120_000);
      const holder = { boardId: 'bench-2', pid: process.pid, since: '2026-01-01T00:00:00.000Z', command: 'other run', host: hostname(), token: 'held' };
      writeFileSync(join(lockDir, 'bench-2.lock'), JSON.stringify(holder));
      try {
        const resultsDir = join(dir, 'farm-busy');
        const run = hil(
          ['suite', '--all-boards', '--boards', file, '--results-dir', resultsDir, '--report-dir', join(dir, 'farm-busy-report'), 'board.spec.ts'],
          { HIL_PROCEDURE: 'openocd-program' },
          110_000,
        );
        expect(run.status, run.stdout + run.stderr).to.equal(2);
        const merged = readResults(resultsDir);
        const standIn = merged.find((r) => parameterOf(r, 'board') === 'bench-2');
        expect(standIn?.status).to.equal('broken');
        expect(standIn?.name).to.equal('board bench-2: no test ran, no verdict');
        expect(standIn?.statusDetails?.message).to.include(`board bench-2 is in use by pid ${process.pid}`);
        expect(merged.find((r) => parameterOf(r, 'board') === 'bench-1')?.status).to.equal('passed');
        // The stand-in names the procedure as the board's own results would have.
        expect(merged.map((r) => parameterOf(r, 'procedure'))).to.deep.equal(['openocd-program', 'openocd-program']);
      } finally {
        rmSync(join(lockDir, 'bench-2.lock'), { force: true });
      }
    });

    it('hil suite --board with an unknown id in the list starts no board: exit 2 naming it', () => {
      const run = hil(['suite', '--board', 'bench-1,bench-9', '--boards', file, 'board.spec.ts']);
      expect(run.status).to.equal(2);
      expect(run.stderr).to.include('unknown board "bench-9" (from --board)');
      expect(run.stdout).not.to.include('[bench-1]');
    });

    it('HIL_BOARD / HIL_BOARDS choose the board just like the flags', () => {
      const run = hil(['test', '--results-dir', join(dir, 'results'), 'board.spec.ts'], { HIL_BOARD: 'bench-1', HIL_BOARDS: file });
      expect(run.status, run.stdout + run.stderr).to.equal(0);
    });

    it('a busy board fails at once with exit 2, naming the holder', () => {
      // This test process is alive, so a lock naming it is held.
      const holder = { boardId: 'bench-1', pid: process.pid, since: '2026-01-01T00:00:00.000Z', command: 'other run', host: hostname(), token: 'held' };
      writeFileSync(join(lockDir, 'bench-1.lock'), JSON.stringify(holder));
      try {
        const run = hil(['test', '--board', 'bench-1', '--boards', file, 'board.spec.ts']);
        expect(run.status).to.equal(2);
        expect(run.stderr).to.include(`board bench-1 is in use by pid ${process.pid} (since 2026-01-01T00:00:00.000Z`);
      } finally {
        rmSync(join(lockDir, 'bench-1.lock'), { force: true });
      }
    });

    it('SIGINT during a run: no verdict (exit 2) and the board lock is released', async () => {
      const child = spawn(
        process.execPath,
        ['--import', 'tsx', CLI, 'test', '--board', 'bench-1', '--boards', file, '--results-dir', join(dir, 'results'), 'hang.spec.ts'],
        {
          cwd: dir,
          env: { ...process.env, HIL_LOCK_DIR: lockDir },
          stdio: ['ignore', 'pipe', 'pipe'],
        },
      );
      try {
        let stderr = '';
        child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
        await new Promise<void>((resolve, reject) => {
          child.stdout.on('data', (c: Buffer) => {
            if (c.toString().includes('hanging')) resolve();
          });
          child.on('exit', (code) => reject(new Error(`exited early with ${code}: ${stderr}`)));
        });
        expect(existsSync(join(lockDir, 'bench-1.lock')), 'held during the run').to.equal(true);
        child.kill('SIGINT');
        const code = await new Promise<number | null>((resolve) => child.once('exit', (c) => resolve(c)));
        expect(code).to.equal(2);
        expect(stderr).to.include('interrupted by SIGINT: no verdict');
        expect(existsSync(join(lockDir, 'bench-1.lock')), 'released').to.equal(false);
      } finally {
        if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      }
    });

    it('an unknown board id is no verdict: exit 2 listing the known ids', () => {
      const run = hil(['test', '--board', 'bench-9', '--boards', file, 'board.spec.ts']);
      expect(run.status).to.equal(2);
      expect(run.stderr).to.include('unknown board "bench-9" (from --board)').and.include('known boards: bench-1');
    });

    it('hil boards lists the inventory; --json prints the records', () => {
      const text = hil(['boards', '--boards', file]);
      expect(text.status).to.equal(0);
      expect(text.stdout).to.include('bench-1').and.include('[real]').and.include('massErase=yes powerCut=no');
      const json = hil(['boards', '--json', '--boards', file]);
      expect(json.status).to.equal(0);
      const parsed = JSON.parse(json.stdout) as { boards: { id: string; openocd: { configs: string[] } }[] };
      expect(parsed.boards[0]!.id).to.equal('bench-1');
      expect(parsed.boards[0]!.openocd.configs).to.deep.equal([join(dir, 'bench.cfg')]);
    });
  });

  it('hil suite --results-dir X --report-dir Y: the report is built from X, the results this run wrote, into Y', function () {
    this.timeout(120_000);
    const results = join(dir, 'suite-results');
    const report = join(dir, 'suite-report');
    const run = hil(['suite', '--results-dir', results, '--report-dir', report, 'pass.test.ts'], {}, 110_000);
    expect(run.status, `${run.stdout}\n${run.stderr}`).to.equal(0);
    expect(readdirSync(results).some((f) => f.endsWith('-result.json'))).to.equal(true);
    expect(run.stdout).to.include(join(report, 'index.html'));
    // The report counts this run's two tests (pass.test.ts: one passed, one skipped), not whatever
    // an earlier run left in the default allure-results/.
    const summary = JSON.parse(readFileSync(join(report, 'summary.json'), 'utf8')) as { stats: Record<string, number> };
    expect(summary.stats).to.deep.equal({ total: 2, passed: 1, skipped: 1 });
  });

  it('a run narrowed by HIL_SPEC_*, HIL_BOOTLOADER_ELF or any other HIL_* variable says so in the report environment', () => {
    const resultsDir = join(dir, 'results-narrowed');
    const run = hil(['test', '--results-dir', resultsDir, 'pass.test.ts'], {
      HIL_SPEC_POINTS: 'write:50%',
      HIL_SPEC_INJECTORS: 'kill-openocd',
      HIL_BOOTLOADER_ELF: '/x/nocrc.elf',
    });
    expect(run.status, run.stderr).to.equal(0);
    const properties = readFileSync(join(resultsDir, 'environment.properties'), 'utf8');
    expect(properties).to.match(/^override\.HIL_SPEC_POINTS\s*=\s*write\\?:50%$/m);
    expect(properties).to.match(/^override\.HIL_SPEC_INJECTORS\s*=\s*kill-openocd$/m);
    expect(properties).to.match(/^override\.HIL_BOOTLOADER_ELF\s*=\s*\/x\/nocrc\.elf$/m);
    // Every HIL_* variable set, not only HIL_SPEC_*: here the lock directory the helper sets.
    expect(properties).to.match(/^override\.HIL_LOCK_DIR=/m);
    expect(properties).not.to.match(/HIL_ALLURE_RESULTS_DIR/);
  });

  it('formatSummary: broken line first, then the suite line', () => {
    expect(formatSummary({ passed: 12, failed: 0, broken: 0, skipped: 1 })).to.deep.equal(['broken: 0', 'suite: 12 passed, 0 failed, 1 skipped']);
  });
});
