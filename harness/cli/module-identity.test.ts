/**
 * One module system: however a run is started (`npm test` = tsx CLI, the `hil` bin, `node
 * --import tsx`, plain `mocha` with the repo's .mocharc), specs, harness, runner and reporter
 * share one copy of each module. The probe spec checks identity from inside, and throws a
 * VerdictError that only the same class in the runner judges a verdict (exit 1, 1 failed, 0 broken).
 */
import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT } from '../boards/index.js';

const PROBE = 'harness/cli/testing/module-identity.probe.ts';
const node = process.execPath;
const bin = (name: string): string => join(REPO_ROOT, 'node_modules', '.bin', name);

describe('harness/cli one module system across entry points', function () {
  this.timeout(60_000);
  let results: string;
  before(() => {
    results = mkdtempSync(join(tmpdir(), 'hil-identity-'));
  });
  after(() => rmSync(results, { recursive: true, force: true }));

  function run(argv: string[]): { status: number | null; output: string } {
    const r = spawnSync(argv[0]!, argv.slice(1), { cwd: REPO_ROOT, encoding: 'utf8', env: { ...process.env, HIL_ALLURE_RESULTS_DIR: results } });
    return { status: r.status, output: `${r.stdout}${r.stderr}` };
  }

  const entryPoints: Array<[string, string[]]> = [
    ['npm test (tsx harness/cli.ts test)', [bin('tsx'), 'harness/cli.ts', 'test', PROBE, '--results-dir', '__RESULTS__']],
    ['the hil bin (npx hil test)', [node, 'harness/bin/hil.js', 'test', PROBE, '--results-dir', '__RESULTS__']],
    ['node --import tsx harness/cli.ts test', [node, '--import', 'tsx', 'harness/cli.ts', 'test', PROBE, '--results-dir', '__RESULTS__']],
  ];
  for (const [name, argv] of entryPoints) {
    it(`${name}: the probe's identity test passes and its VerdictError is a verdict (exit 1, none broken)`, function () {
      const { status, output } = run(argv.map((a) => (a === '__RESULTS__' ? results : a)));
      expect(output).to.match(/1 passed, 1 failed/);
      expect(output).to.match(/broken: 0/);
      expect(status, output.slice(-2000)).to.equal(1);
    });
  }

  it('plain mocha with the repo .mocharc: the identity test passes', function () {
    const { status, output } = run([bin('mocha'), '--reporter', 'spec', PROBE]);
    expect(output, output.slice(-2000)).to.match(/1 passing/);
    expect(status).to.equal(1);
  });
});
