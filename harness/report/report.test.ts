import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import type { TestResult } from 'allure-js-commons';
import { formatParameter } from './allure.js';
import { HIL_CATEGORIES, VerdictPhrase, writeCategories, writeEnvironmentProperties } from './results-files.js';

const FIXTURE = fileURLToPath(new URL('./testing/uses-helpers.fixture.ts', import.meta.url));
const MOCHA_BIN = createRequire(import.meta.url).resolve('mocha/bin/mocha.js');
const ALLURERC = fileURLToPath(new URL('./allurerc.mjs', import.meta.url));

describe('Allure helpers (harness/report)', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'hil-report-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  describe('inside a mocha run with allure-mocha', () => {
    let results: TestResult[];
    let resultsDir: string;
    let base: string;

    before(function () {
      this.timeout(60_000);
      base = mkdtempSync(join(tmpdir(), 'hil-report-run-'));
      resultsDir = join(base, 'allure-results');
      const log = join(base, 'openocd.log');
      writeFileSync(log, 'Info : Listening on port 6666 for tcl connections\n');
      const run = spawnSync(
        process.execPath,
        ['--import', 'tsx', MOCHA_BIN, '--no-config', '--reporter', 'allure-mocha', '--reporter-option', `resultsDir=${resultsDir}`, FIXTURE],
        { encoding: 'utf8', env: { ...process.env, HIL_REPORT_FIXTURE_LOG: log }, timeout: 50_000 },
      );
      expect(run.status, `child mocha: ${run.stderr}`).to.equal(1); // one test fails on purpose
      results = readdirSync(resultsDir)
        .filter((f) => f.endsWith('-result.json'))
        .map((f) => JSON.parse(readFileSync(join(resultsDir, f), 'utf8')) as TestResult);
    });

    after(() => rmSync(base, { recursive: true, force: true }));

    function test(name: string): TestResult {
      const found = results.find((r) => r.name === name);
      expect(found, `result for "${name}"`).to.not.equal(undefined);
      return found!;
    }

    it('labels: epic, feature, story, severity', () => {
      const labels = test('records steps, parameters, attachments and labels').labels;
      for (const [name, value] of [
        ['epic', 'QSPI programming'],
        ['feature', 'erase'],
        ['story', 'interrupted erase'],
        ['severity', 'critical'],
      ]) {
        expect(labels).to.deep.include({ name, value });
      }
    });

    it('test parameters are written as strings', () => {
      const r = test('records steps, parameters, attachments and labels');
      expect(r.status).to.equal('passed');
      expect(r.parameters).to.deep.include({ name: 'board', value: 'virtual-h745' });
      expect(r.parameters).to.deep.include({ name: 'image size', value: '65536' });
    });

    it('a step carries its parameters and the attachment made inside it', () => {
      const r = test('records steps, parameters, attachments and labels');
      const erase = r.steps.find((s) => s.name === 'erase sector');
      expect(erase?.status).to.equal('passed');
      expect(erase?.parameters).to.deep.equal([
        { name: 'address', value: '0x90010000' },
        { name: 'length', value: '4096' },
      ]);
      const transcript = erase!.steps
        .flatMap((s) => s.attachments)
        .concat(erase!.attachments)
        .find((a) => a.name === 'openocd transcript');
      expect(transcript?.type).to.equal('text/plain');
      expect(readFileSync(join(resultsDir, transcript!.source), 'utf8')).to.equal('flash erase_sector 2 16 16\n');
    });

    it('JSON and file attachments land in the results directory with their content', () => {
      const r = test('records steps, parameters, attachments and labels');
      const all = [...r.attachments, ...r.steps.flatMap((s) => s.attachments)];
      const map = all.find((a) => a.name === 'sector map');
      expect(map?.type).to.equal('application/json');
      expect(JSON.parse(readFileSync(join(resultsDir, map!.source), 'utf8'))).to.deep.equal({ erased: [16], stale: '1' });
      const log = all.find((a) => a.name === 'openocd log');
      expect(log?.type).to.equal('text/plain');
      expect(readFileSync(join(resultsDir, log!.source), 'utf8')).to.include('Listening on port 6666');
    });

    it('Allure 3 with harness/report/allurerc.mjs files the failure under "flash not cleared"', function () {
      this.timeout(90_000);
      const out = join(base, 'report');
      const allureBin = join(fileURLToPath(new URL('../..', import.meta.url)), 'node_modules', '.bin', 'allure');
      const run = spawnSync(allureBin, ['generate', '-c', ALLURERC, resultsDir, '-o', out], { encoding: 'utf8', timeout: 80_000 });
      expect(run.status, run.stderr).to.equal(0);
      const widget = JSON.parse(readFileSync(join(out, 'widgets', 'categories.json'), 'utf8')) as {
        roots: string[];
        nodes: Record<string, { name: string; statistic: { total: number } }>;
      };
      const names = widget.roots.map((id) => `${widget.nodes[id]!.name}: ${widget.nodes[id]!.statistic.total}`);
      expect(names).to.deep.equal(['flash not cleared: 1']);
    });

    it('a chai assertion inside a step fails the step and the test (status failed, not broken)', () => {
      const r = test('a failing check inside a step fails the step and the test');
      expect(r.status).to.equal('failed');
      expect(r.statusDetails.message).to.include('flash not cleared');
      expect(r.steps[0]).to.include({ name: 'blank check', status: 'failed' });
    });
  });

  it('environment.properties: one key=value a line, undefined values left out', () => {
    writeEnvironmentProperties(dir, { board: 'virtual-h745', 'openocd.version': '0.12.0', timeScale: 0.01, power: undefined });
    const lines = readFileSync(join(dir, 'environment.properties'), 'utf8').trim().split('\n').sort();
    expect(lines).to.deep.equal(['board=virtual-h745', 'openocd.version=0.12.0', 'timeScale=0.01']);
  });

  it('categories.json: the five HIL categories; verdict ones match assertion messages, broken matches status', () => {
    writeCategories(dir);
    const written = JSON.parse(readFileSync(join(dir, 'categories.json'), 'utf8')) as { name: string; messageRegex?: string; matchedStatuses: string[] }[];
    expect(written.map((c) => c.name)).to.deep.equal([
      'procedure failed',
      'flash not cleared',
      'boot accepted a bad image',
      'boot fault',
      'infrastructure broken',
    ]);
    const match = (message: string, status: string): string | undefined =>
      written.find((c) => c.matchedStatuses.includes(status) && (c.messageRegex === undefined || new RegExp(`^${c.messageRegex}$`).test(message)))?.name;
    expect(match('flash not cleared: sector 16 (0x90010000) has 12 bytes != 0xFF', 'failed')).to.equal('flash not cleared');
    expect(match('expected image=rejected\nboot accepted a bad image: HIL-BOOT image=ok', 'failed')).to.equal('boot accepted a bad image');
    expect(match('HIL-FAULT HardFault cfsr=0x00000400', 'failed')).to.equal('boot fault');
    expect(match('openocd exited with code 1', 'broken')).to.equal('infrastructure broken');
    expect(match('expected 1 to equal 2', 'failed')).to.equal(undefined);
    expect(HIL_CATEGORIES).to.have.length(5);
    // "procedure failed" only at the start: OpenOCD output quoted after it (a HardFault) does not move it.
    expect(match('procedure failed: board b: flash erase_sector failed\n  came back: HardFault', 'failed')).to.equal('procedure failed');
    expect(match('flash not cleared: the run stopped (procedure failed earlier)', 'failed')).to.equal('flash not cleared');
    expect(match('procedure failed: openocd died', 'broken')).to.equal('infrastructure broken');
    expect(existsSync(join(dir, 'categories.json'))).to.equal(true);
    // The phrases specs are told to use land in their categories.
    expect(match(`${VerdictPhrase.flashNotCleared}: x`, 'failed')).to.equal('flash not cleared');
    expect(match(`${VerdictPhrase.bootAcceptedBadImage}: x`, 'failed')).to.equal('boot accepted a bad image');
    expect(match(`${VerdictPhrase.bootFault}: x`, 'failed')).to.equal('boot fault');
    expect(match(`${VerdictPhrase.procedureFailed}: x`, 'failed')).to.equal('procedure failed');
  });

  it('allurerc.mjs (Allure 3 config) carries the same categories', async () => {
    const config = (await import(ALLURERC)) as { default: { categories: unknown } };
    expect(config.default.categories).to.deep.equal(HIL_CATEGORIES);
  });

  it('outside a test run (a hil command) the helpers do the work and print no Allure warning', function () {
    this.timeout(30_000);
    const allureModule = fileURLToPath(new URL('./allure.ts', import.meta.url));
    const script = [
      `const { isReporting, step, parameter, attachText } = await import(${JSON.stringify(allureModule)});`,
      `const value = await step('plain', () => 7, { a: 1 });`,
      `await parameter('x', 1); await attachText('t', 'x');`,
      `console.log(JSON.stringify({ reporting: isReporting(), value }));`,
    ].join('\n');
    const run = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { encoding: 'utf8', timeout: 25_000 });
    expect(run.status, run.stderr).to.equal(0);
    expect(run.stdout.trim()).to.equal('{"reporting":false,"value":7}');
    expect(formatParameter(undefined)).to.equal('(none)');
    expect(formatParameter(10n)).to.equal('10');
  });
});
