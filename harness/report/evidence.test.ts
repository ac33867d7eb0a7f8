import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import type { TestResult } from 'allure-js-commons';
import { faultLandingText, timingsCsv, timingsMarkdown } from './evidence-text.js';
import { readEnvironmentProperties, recordRunEnvironment, sessionEnvironment } from './run-environment.js';
import { HIL_CATEGORIES, VerdictPhrase, writeEnvironmentProperties } from './results-files.js';
import type { FaultLanding } from '../faults/injectors.js';

const FIXTURE = fileURLToPath(new URL('./testing/evidence.fixture.ts', import.meta.url));
const MOCHA_BIN = createRequire(import.meta.url).resolve('mocha/bin/mocha.js');

const timings = [
  { name: 'start OpenOCD', atMs: 12, elapsedMs: 812.4, ok: true },
  { name: 'flash: "erase" | unit 0', atMs: 900, elapsedMs: 0.3, ok: false },
];

describe('Allure evidence of a board session (harness/report/evidence)', () => {
  it('timings as CSV: header, seconds since open, quoted names (quotes doubled)', () => {
    expect(timingsCsv(timings)).to.equal('at_s,elapsed_ms,ok,name\n0.012,812.4,ok,"start OpenOCD"\n0.900,0.3,ERR,"flash: ""erase"" | unit 0"\n');
  });

  it('timings as markdown: one row each, pipes in names escaped', () => {
    const lines = timingsMarkdown(timings).trim().split('\n');
    expect(lines).to.have.length(4);
    expect(lines[3]).to.equal('| 0.900 | 0.3 | **ERR** | flash: "erase" \\| unit 0 |');
  });

  it('a fault landing in words: injector, point, phase, last acked byte, what was in flight', () => {
    const landing = {
      injector: 'power-cut',
      point: 'write:50%',
      description: 'after 50 %',
      phase: 'write',
      lastAckedByte: 32768,
      lastErasedUnit: 3,
      lastErasedOffset: 0x30000,
      elapsedMs: 812,
      inFlightCommand: 'flash write_bank ...',
      inFlightOutcome: 'completed',
      injectorDoneAtMs: 830,
      notes: [],
    } as FaultLanding;
    const text = faultLandingText(landing);
    expect(text).to.include('planned at:        write:50% (after 50 %)');
    expect(text).to.include('last acked byte:   32768');
    expect(text).to.include('last erased unit:  3 (offset 0x30000)');
    expect(text).to.include('in flight:         flash write_bank ... -> completed');
  });

  it('run environment: merged into environment.properties once, keeping what the runner wrote', () => {
    const dir = mkdtempSync(join(tmpdir(), 'hil-evidence-env-'));
    try {
      writeEnvironmentProperties(dir, { 'node.version': 'v20', host: 'ci-1' });
      const info = sessionEnvironment(
        {
          board: { id: 'virtual-h745', kind: 'virtual' },
          health: { ok: true, checks: [], openOcdVersion: 'Open On-Chip Debugger 0.12.0\nmore', jedecId: 'ef4020' },
        },
        'a7d28f3dc75a',
      );
      expect(recordRunEnvironment(info, dir)).to.equal(true);
      expect(recordRunEnvironment(info, dir), 'second time: nothing new').to.equal(false);
      expect(readEnvironmentProperties(dir)).to.deep.equal({
        'node.version': 'v20',
        host: 'ci-1',
        board: 'virtual-h745',
        'board.kind': 'virtual',
        'openocd.version': 'Open On-Chip Debugger 0.12.0',
        'qspi.jedecId': 'ef4020',
        'firmware.build': 'a7d28f3dc75a',
      });
      // Outside `hil test` (a one-shot hil command) no results directory is known.
      const saved = process.env.HIL_ALLURE_RESULTS_DIR;
      delete process.env.HIL_ALLURE_RESULTS_DIR;
      try {
        expect(recordRunEnvironment(info), 'no results dir known (a hil command): nothing written').to.equal(false);
      } finally {
        if (saved !== undefined) process.env.HIL_ALLURE_RESULTS_DIR = saved;
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('the verdict phrases specs use fall into their own categories; broken runs into "infrastructure broken"', () => {
    const category = (message: string): string | undefined =>
      HIL_CATEGORIES.find((c) => c.messageRegex !== undefined && new RegExp(`^${c.messageRegex}$`).test(message))?.name;
    expect(category(`${VerdictPhrase.flashNotCleared}: match 15, stale 1 (0x00010000)`)).to.equal('flash not cleared');
    expect(category(`${VerdictPhrase.bootAcceptedBadImage}: image=ok after a write:50% cut`)).to.equal('boot accepted a bad image');
    expect(category(`${VerdictPhrase.bootFault} after an interrupted run: HardFault in app`)).to.equal('boot fault');
    expect(HIL_CATEGORIES.find((c) => c.name === 'infrastructure broken')?.matchedStatuses).to.deep.equal(['broken']);
  });

  describe('in a failing spec reported by allure-mocha', () => {
    let base: string;
    let resultsDir: string;
    let result: TestResult;
    const attachmentText = (name: string): string => {
      const all = [...result.attachments, ...result.steps.flatMap((s) => s.attachments)];
      const found = all.find((a) => a.name === name);
      expect(found, `attachment "${name}" among ${all.map((a) => a.name).join(', ')}`).to.not.equal(undefined);
      return readFileSync(join(resultsDir, found!.source), 'utf8');
    };

    before(function () {
      this.timeout(60_000);
      base = mkdtempSync(join(tmpdir(), 'hil-evidence-run-'));
      resultsDir = join(base, 'allure-results');
      const run = spawnSync(
        process.execPath,
        ['--import', 'tsx', MOCHA_BIN, '--no-config', '--reporter', 'allure-mocha', '--reporter-option', `resultsDir=${resultsDir}`, FIXTURE],
        { encoding: 'utf8', timeout: 50_000 },
      );
      expect(run.status, `child mocha: ${run.stderr}`).to.equal(1);
      const results = readdirSync(resultsDir)
        .filter((f) => f.endsWith('-result.json'))
        .map((f) => JSON.parse(readFileSync(join(resultsDir, f), 'utf8')) as TestResult);
      result = results.find((r) => r.name === 'an interrupted erase leaves a stale sector')!;
      expect(result).to.not.equal(undefined);
    });
    after(() => rmSync(base, { recursive: true, force: true }));

    it('the failure message starts with the verdict phrase and names the stale sector', () => {
      expect(result.status).to.equal('failed');
      expect(result.statusDetails.message).to.match(/^flash not cleared: match 1, stale 1 \(0x00001000\)/);
    });

    it('labels and the case parameters (board, image, fault point, seed, injector)', () => {
      const label = (name: string): string | undefined => result.labels.find((l) => l.name === name)?.value;
      expect([label('epic'), label('feature'), label('story'), label('severity')]).to.deep.equal([
        'QSPI programming',
        'interrupted programming',
        'kill OpenOCD during the erase',
        'critical',
      ]);
      expect(result.parameters.map((p) => `${p.name}=${p.value}`)).to.include.members([
        'board=virtual-h745',
        'image=app.img',
        'fault point=erase-in-flight:last:20ms',
        'seed=7',
        'injector=kill-openocd',
      ]);
    });

    it('the session evidence: OpenOCD log, Tcl transcript, UART transcript, timings CSV, health check', () => {
      expect(attachmentText('OpenOCD log')).to.include("found flash device 'win w25q512jv'");
      expect(attachmentText('OpenOCD Tcl transcript')).to.match(/flash erase_sector stm32h7x\.qspi 0 0\n {4}-> erased sectors 0 through 0/);
      expect(attachmentText('UART transcript')).to.include('reason=crc-mismatch');
      expect(attachmentText('timings (CSV)')).to.include('"flash: ""odd, name"""');
      expect(JSON.parse(attachmentText('board health check'))).to.include({ jedecId: 'ef4020' });
      expect(attachmentText('board health check (text)')).to.include('ok   QSPI JEDEC id');
    });

    it('the sector map as an SVG picture and as a text grid', () => {
      const all = [...result.attachments, ...result.steps.flatMap((s) => s.attachments)];
      expect(all.find((a) => a.name === 'sector map: after the re-run')?.type).to.equal('image/svg+xml');
      expect(attachmentText('sector map: after the re-run')).to.match(/^<svg/);
      expect(attachmentText('sector map: after the re-run (text)')).to.include('0x00000000  #S______________');
    });

    it('the fault landing as text and JSON', () => {
      expect(attachmentText('fault landing')).to.include('fired in phase:    erase, 20.5 ms into the run');
      expect(JSON.parse(attachmentText('fault landing (JSON)'))).to.include({ injector: 'kill-openocd', inFlightOutcome: 'interrupted' });
    });
  });
});
