/** The board on every result (board-context.ts) and merging several boards' results into one directory (merge-results.ts). */
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import type { Label, Parameter } from 'allure-js-commons';
import { getTestResultHistoryId } from 'allure-js-commons/sdk/reporter';
import { applyBoardContext, boardContextOf, markBoardContext, runProcedureId, setUpFailureName } from './board-context.js';
import { mergeBoardResults, mergeEnvironments, ResultsMergeError } from './merge-results.js';
import { readEnvironmentProperties } from './run-environment.js';

function result(): { parameters: Parameter[]; labels: Label[] } {
  return { parameters: [], labels: [] };
}

describe('board on every result (harness/report/board-context)', () => {
  it('adds the board, procedure and flash time scale parameters and the board as parentSuite, above the describe titles', () => {
    const r = result();
    applyBoardContext(r, { board: 'virtual-h745', flashTimeScale: 0.002, procedure: 'openocd-program' }, ['Erase really clears', 'on a session', 'deeper']);
    expect(r.parameters).to.deep.equal([
      { name: 'board', value: 'virtual-h745' },
      { name: 'procedure', value: 'openocd-program' },
      { name: 'flash time scale', value: '0.002' },
    ]);
    expect(r.labels).to.deep.equal([
      { name: 'parentSuite', value: 'virtual-h745' },
      { name: 'suite', value: 'Erase really clears' },
      { name: 'subSuite', value: 'on a session > deeper' },
    ]);
  });

  it('keeps what a spec set itself: its own board, procedure or time scale parameter, its own suite labels', () => {
    const r = {
      parameters: [
        { name: 'flash time scale', value: '1' },
        { name: 'procedure', value: 'flash-tool' },
      ],
      labels: [{ name: 'suite', value: 'mine' }],
    };
    applyBoardContext(r, { board: 'b', flashTimeScale: 0.002, procedure: 'openocd-plan' }, ['x']);
    expect(r.parameters).to.deep.equal([
      { name: 'flash time scale', value: '1' },
      { name: 'procedure', value: 'flash-tool' },
      { name: 'board', value: 'b' },
    ]);
    expect(r.labels).to.deep.equal([{ name: 'suite', value: 'mine' }]);
  });

  it('the same test on two boards gets two historyIds and keeps one per board (Allure: test case + parameters)', () => {
    const id = (board: string): string => {
      const r = { ...result(), testCaseId: 'case-1', fullName: 'specs/03: erase' };
      applyBoardContext(r, { board }, []);
      return getTestResultHistoryId(r as never);
    };
    expect(id('a')).not.to.equal(id('b'));
    expect(id('a')).to.equal(id('a'));
  });

  it('the same test with two procedures on one board gets two historyIds: the procedure is a parameter like the board', () => {
    const id = (procedure: string): string => {
      const r = { ...result(), testCaseId: 'case-1', fullName: 'specs/03: erase' };
      applyBoardContext(r, { board: 'a', procedure }, []);
      return getTestResultHistoryId(r as never);
    };
    expect(id('openocd-plan')).not.to.equal(id('flash-tool'));
    expect(id('flash-tool')).to.equal(id('flash-tool'));
  });

  it("without a procedure in the context, the run's: HIL_PROCEDURE, else openocd-plan", () => {
    expect(runProcedureId({ HIL_PROCEDURE: 'flash-tool' })).to.equal('flash-tool');
    expect(runProcedureId({ HIL_PROCEDURE: '' })).to.equal('openocd-plan');
    expect(runProcedureId({})).to.equal('openocd-plan');
    const r = result();
    applyBoardContext(r, { board: 'a' }, []);
    expect(r.parameters).to.deep.equal([
      { name: 'board', value: 'a' },
      { name: 'procedure', value: runProcedureId() },
    ]);
  });

  it('marks reach the tests below the marked suite and merge; the nearest mark wins', () => {
    const root = { parent: undefined };
    const block = { parent: root };
    const inner = { parent: block };
    markBoardContext(block, { board: 'a', flashTimeScale: 0.002 });
    markBoardContext(block, { board: 'a', flashTimeScale: 1 });
    expect(boardContextOf({ parent: inner })).to.deep.equal({ board: 'a', flashTimeScale: 1 });
    expect(boardContextOf({ parent: root })).to.equal(undefined);
  });

  it("a failed set-up is named after the health check and the board when the session's bring-up failed, else after the hook", () => {
    const health = Object.assign(new Error('board a: health check "QSPI JEDEC id" failed'), { check: 'QSPI JEDEC id' });
    expect(setUpFailureName({ board: 'a', setUpError: health }, '"before all" hook: setUp', health)).to.equal('health check of board a failed: QSPI JEDEC id');
    const openOcd = Object.assign(new Error('board a: start OpenOCD: exited'), { action: 'start OpenOCD' });
    expect(setUpFailureName({ board: 'a', setUpError: openOcd }, '"before all" hook: setUp', openOcd)).to.equal(
      'health check of board a failed: start OpenOCD',
    );
    expect(setUpFailureName({ board: 'a' }, '"before all" hook: program the bootloader', new Error('x'))).to.equal(
      'set-up failed on board a: "before all" hook: program the bootloader',
    );
    expect(setUpFailureName(undefined, '"before all" hook', new Error('x'))).to.equal('set-up failed: "before all" hook');
  });
});

describe("merging boards' results (harness/report/merge-results)", () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'hil-merge-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  function boardDir(board: string, files: Record<string, string>): string {
    const d = join(dir, 'results', board);
    mkdirSync(d, { recursive: true });
    for (const [name, text] of Object.entries(files)) writeFileSync(join(d, name), text);
    return d;
  }

  it('environment: shared keys once, differing keys per board, the board list and each outcome', () => {
    const merged = mergeEnvironments([
      { board: 'a', env: { board: 'a', host: 'lab1', 'openocd.configs': 'a.cfg' }, outcome: 'all checks passed' },
      { board: 'b', env: { board: 'b', host: 'lab1', 'openocd.configs': 'b.cfg', 'qspi.jedecId': 'ef4020' }, outcome: 'no verdict' },
    ]);
    expect(merged).to.deep.equal({
      boards: 'a, b',
      host: 'lab1',
      'openocd.configs (a)': 'a.cfg',
      'openocd.configs (b)': 'b.cfg',
      'qspi.jedecId (b)': 'ef4020',
      'outcome (a)': 'all checks passed',
      'outcome (b)': 'no verdict',
    });
  });

  it("puts every board's files side by side, merges categories by name, and stands in for a board that wrote nothing", () => {
    const target = join(dir, 'results');
    const a = boardDir('a', {
      'u1-result.json': '{}',
      'u2-attachment.txt': 'log',
      'categories.json': JSON.stringify([{ name: 'flash not cleared' }, { name: 'infrastructure broken' }]),
      'environment.properties': 'board=a\nhost=lab1\n',
    });
    const b = boardDir('b', { 'categories.json': JSON.stringify([{ name: 'procedure failed' }, { name: 'flash not cleared' }]) });
    const merged = mergeBoardResults(target, [
      { board: 'a', dir: a, outcome: 'all checks passed' },
      { board: 'b', dir: b, outcome: 'no verdict', noResultsReason: 'board b is in use by pid 42' },
    ]);
    expect(merged).to.deep.equal([
      { board: 'a', results: 1, standIn: false },
      { board: 'b', results: 1, standIn: true },
    ]);
    const files = readdirSync(target);
    expect(files).to.include.members(['u1-result.json', 'u2-attachment.txt', 'categories.json', 'environment.properties']);
    const categories = JSON.parse(readFileSync(join(target, 'categories.json'), 'utf8')) as { name: string }[];
    expect(categories.map((c) => c.name)).to.deep.equal(['flash not cleared', 'infrastructure broken', 'procedure failed']);
    // Board b wrote no environment: what only a knows is a's.
    expect(readEnvironmentProperties(target)).to.deep.include({ boards: 'a, b', 'host (a)': 'lab1', 'outcome (b)': 'no verdict' });
    const standIn = files
      .filter((f) => f.endsWith('-result.json') && f !== 'u1-result.json')
      .map(
        (f) =>
          JSON.parse(readFileSync(join(target, f), 'utf8')) as { name: string; status: string; statusDetails: { message: string }; parameters: Parameter[] },
      );
    expect(standIn.map((r) => [r.name, r.status, r.parameters])).to.deep.equal([
      [
        'board b: no test ran, no verdict',
        'broken',
        [
          { name: 'board', value: 'b' },
          // The run's procedure, as the board's own results would have named it.
          { name: 'procedure', value: runProcedureId() },
        ],
      ],
    ]);
    expect(standIn[0]!.statusDetails.message).to.include('board b is in use by pid 42');
  });

  it('a file already in the target (the same run merged twice) is refused, naming it', () => {
    const a = boardDir('a', { 'u1-result.json': '{}' });
    mkdirSync(join(dir, 'results'), { recursive: true });
    writeFileSync(join(dir, 'results', 'u1-result.json'), '{}');
    expect(() => mergeBoardResults(join(dir, 'results'), [{ board: 'a', dir: a }]))
      .to.throw(ResultsMergeError)
      .with.property('message')
      .that.includes('results of board a: u1-result.json is already in');
  });
});
