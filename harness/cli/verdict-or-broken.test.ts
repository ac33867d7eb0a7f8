/**
 * The verdict-or-broken rule (README "Verdict or broken"), one row a case: each row throws the
 * real error class from a tiny test file run by the real runner (`hil test`, Allure reporter
 * included), and the case checks the Allure status, the report category and the exit code. The
 * rows that need real parts (a silent UART, a chip lost after a fault, OpenOCD killed, a config
 * OpenOCD refuses) are in verdict-or-broken.virtual-board.test.ts. Allure 3 then files all rows.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { REPO_ROOT } from '../boards/select.js';
import { classifyFailure, isVerdictError, VerdictCategory, VerdictError } from '../exit-codes.js';
import { FlashOperationError, rigFailureIn } from '../flash/errors.js';
import { OpenOcdExitedError, TclCommandError, TclConnectionLostError } from '../openocd/errors.js';
import { SessionBrokenError, SessionError } from '../session/errors.js';
import { describeRun, repoModule, rowsDir, runRow, type Row, type RowRun } from './testing/rule-rows.js';

const BROKEN = 'infrastructure broken';
const PROCEDURE = VerdictCategory.procedureFailed;

/** A test file whose one test throws what `body` builds (imports given as `name from module`). */
function thrower(file: string, imports: Record<string, string>, body: string): string {
  const lines = Object.entries(imports).map(([names, module]) => `import { ${names} } from ${module};`);
  return `${lines.join('\n')}\ndescribe('rule row ${file}', () => {\n  it('${file}', async () => {\n    ${body}\n  });\n});\n`;
}

const EXIT = repoModule('harness', 'exit-codes.ts');
const FLASH_ERRORS = repoModule('harness', 'flash', 'errors.ts');
const STATUS = repoModule('harness', 'flash', 'status-registers.ts');
const OPENOCD_ERRORS = repoModule('harness', 'openocd', 'errors.ts');
const SESSION_ERRORS = repoModule('harness', 'session', 'errors.ts');
const BOARD_ERRORS = repoModule('harness', 'boards', 'errors.ts');
const UART = repoModule('harness', 'serial', 'uart-console.ts');
const CONFIRMATION = repoModule('harness', 'faults', 'confirmation.ts');
const LANDING = repoModule('harness', 'flash', 'landing-check.ts');

const ERASE = 'flash erase_sector stm32h7x.qspi 0 0';

const ROWS: readonly Row[] = [
  // Verdict: what the board or the procedure did.
  {
    name: 'an erase OpenOCD reports not accepted (an earlier erase still suspended)',
    file: 'erase-refused.test.ts',
    text: thrower(
      'erase-refused.test.ts',
      { FlashOperationError: FLASH_ERRORS, TclCommandError: OPENOCD_ERRORS },
      `const said = new TclCommandError(${JSON.stringify(ERASE)}, 'not accepted by flash1. Status=0x02', -4, 12.5);
    throw new FlashOperationError('virtual-h745', 'erase unit 0', ${JSON.stringify(ERASE)}, said.tclMessage, { cause: said });`,
    ),
    status: 'failed',
    category: PROCEDURE,
    exitCode: 1,
  },
  {
    name: 'block-protect bits the board config set, named precisely (SR1=0x3c)',
    file: 'protected.test.ts',
    text: thrower(
      'protected.test.ts',
      { FlashProtectedError: FLASH_ERRORS, protectedRanges: STATUS, overlapWithProtected: STATUS },
      `const status = { sr1: 0x3c, sr2: 0x02, sr3: 0x00 };
    const ranges = protectedRanges(status, 64 * 1024 * 1024);
    throw new FlashProtectedError('virtual-h745', status, ranges, overlapWithProtected(ranges, 0, 0x11000), 'BP3..BP0=1111: the whole array');`,
    ),
    status: 'failed',
    category: PROCEDURE,
    exitCode: 1,
  },
  {
    name: 'a verify OpenOCD reports failed',
    file: 'verify-failed.test.ts',
    text: thrower(
      'verify-failed.test.ts',
      { FlashVerifyError: FLASH_ERRORS, ImageVerifyError: OPENOCD_ERRORS },
      `const diff = [{ address: 0x90000010, actual: 0xff, expected: 0x5a }];
    const said = new ImageVerifyError('verify_image app.img 0x90000000 bin', 'diff 0 address 0x90000010. Was 0xff instead of 0x5a', -4, 30, diff);
    throw new FlashVerifyError('virtual-h745', 0, 4096, diff, { cause: said });`,
    ),
    status: 'failed',
    category: PROCEDURE,
    exitCode: 1,
  },
  {
    name: 'a chip recovery could not bring back',
    file: 'recovery-failed.test.ts',
    text: thrower(
      'recovery-failed.test.ts',
      { FlashRecoveryError: FLASH_ERRORS },
      `throw new FlashRecoveryError('virtual-h745', 'JEDEC id reads ffffff, expected ef4020', ['release from deep power-down', 'software reset']);`,
    ),
    status: 'failed',
    category: PROCEDURE,
    exitCode: 1,
  },
  {
    name: 'a wrong boot verdict (a bad image accepted)',
    file: 'bad-image-accepted.test.ts',
    text: thrower(
      'bad-image-accepted.test.ts',
      { expect: '"chai"' },
      `expect('ok', 'boot accepted a bad image (truncated@6144): HIL-BOOT image=ok version=2').to.equal('rejected');`,
    ),
    status: 'failed',
    category: VerdictCategory.bootAcceptedBadImage,
    exitCode: 1,
  },
  {
    name: 'a HardFault',
    file: 'hardfault.test.ts',
    text: thrower(
      'hardfault.test.ts',
      { expect: '"chai"' },
      `expect(true, 'boot fault after an interrupted run: HIL-FAULT type=HardFault cfsr=0x00010000 hfsr=0x40000000').to.equal(false);`,
    ),
    status: 'failed',
    category: VerdictCategory.bootFault,
    exitCode: 1,
  },
  {
    name: 'stale data after the next run (a VerdictError of the category, not an assertion)',
    file: 'not-cleared.test.ts',
    text: thrower(
      'not-cleared.test.ts',
      { VerdictError: EXIT, VerdictCategory: EXIT },
      `throw new VerdictError(VerdictCategory.flashNotCleared, 'board virtual-h745: unit 3 holds the previous image after a verified run');`,
    ),
    status: 'failed',
    category: VerdictCategory.flashNotCleared,
    exitCode: 1,
  },
  // Broken: the rig.
  {
    name: 'OpenOCD failing to start',
    file: 'openocd-start.test.ts',
    text: thrower(
      'openocd-start.test.ts',
      { OpenOcdStartError: OPENOCD_ERRORS },
      `throw new OpenOcdStartError('/usr/bin/openocd', ['-f', 'board.cfg'], 1, null, ['Error: board.cfg:3: invalid command name "this_is_not_a_command"'], 'exited before the Tcl port answered');`,
    ),
    status: 'broken',
    category: BROKEN,
    exitCode: 2,
  },
  {
    name: 'a config error: the flash command the config should define is missing',
    file: 'config-error.test.ts',
    text: thrower(
      'config-error.test.ts',
      { FlashOperationError: FLASH_ERRORS, TclCommandError: OPENOCD_ERRORS },
      `const said = new TclCommandError(${JSON.stringify(ERASE)}, 'invalid command name "flash"', 1, 0.4);
    throw new FlashOperationError('virtual-h745', 'erase unit 0', ${JSON.stringify(ERASE)}, said.tclMessage, { cause: said });`,
    ),
    status: 'broken',
    category: BROKEN,
    exitCode: 2,
  },
  {
    name: 'OpenOCD dying outside an injected fault (the Tcl connection lost under a flash operation)',
    file: 'openocd-died.test.ts',
    text: thrower(
      'openocd-died.test.ts',
      { FlashOperationError: FLASH_ERRORS, TclConnectionLostError: OPENOCD_ERRORS },
      `const lost = new TclConnectionLostError(${JSON.stringify(ERASE)}, 'closed by OpenOCD');
    throw new FlashOperationError('virtual-h745', 'erase unit 0', ${JSON.stringify(ERASE)}, lost.message, { cause: lost });`,
    ),
    status: 'broken',
    category: BROKEN,
    exitCode: 2,
  },
  {
    name: 'OpenOCD exited while the harness used it',
    file: 'openocd-exited.test.ts',
    text: thrower(
      'openocd-exited.test.ts',
      { OpenOcdExitedError: OPENOCD_ERRORS },
      `throw new OpenOcdExitedError(4242, null, 'SIGSEGV', ['Info : accepting tcl connection']);`,
    ),
    status: 'broken',
    category: BROKEN,
    exitCode: 2,
  },
  {
    name: 'probe missing',
    file: 'probe-missing.test.ts',
    text: thrower(
      'probe-missing.test.ts',
      { OpenOcdStartError: OPENOCD_ERRORS },
      `throw new OpenOcdStartError('/usr/bin/openocd', ['-f', 'nucleo.cfg'], 1, null, ['Error: open failed', 'in procedure init'], 'exited before the Tcl port answered');`,
    ),
    status: 'broken',
    category: BROKEN,
    exitCode: 2,
  },
  {
    name: 'port clash',
    file: 'port-clash.test.ts',
    text: thrower(
      'port-clash.test.ts',
      { OpenOcdStartError: OPENOCD_ERRORS },
      `throw new OpenOcdStartError('/usr/bin/openocd', ['-c', 'tcl_port 6666'], 1, null, ["Error: couldn't bind tcl to socket on port 6666: Address already in use"], 'exited before the Tcl port answered');`,
    ),
    status: 'broken',
    category: BROKEN,
    exitCode: 2,
  },
  {
    name: 'board lock held by another run',
    file: 'board-lock.test.ts',
    text: thrower(
      'board-lock.test.ts',
      { BoardBusyError: BOARD_ERRORS },
      `throw new BoardBusyError('virtual-h745', { boardId: 'virtual-h745', pid: 1, since: '2026-01-01T00:00:00.000Z', command: 'hil test', host: 'farm-1', token: 't' }, '/tmp/virtual-h745.lock');`,
    ),
    status: 'broken',
    category: BROKEN,
    exitCode: 2,
  },
  {
    name: 'bad inventory',
    file: 'bad-inventory.test.ts',
    text: thrower(
      'bad-inventory.test.ts',
      { BoardsFileError: BOARD_ERRORS },
      `throw new BoardsFileError('boards.json', [{ jsonPath: '$.boards[0].qspi.base', boardId: 'bench-1', problem: 'must be integer' }]);`,
    ),
    status: 'broken',
    category: BROKEN,
    exitCode: 2,
  },
  {
    name: 'tty missing',
    file: 'tty-missing.test.ts',
    text: thrower('tty-missing.test.ts', { UartNotFoundError: UART }, `throw new UartNotFoundError('/dev/serial/by-id/usb-STM-nope', 'bench-1');`),
    status: 'broken',
    category: BROKEN,
    exitCode: 2,
  },
  {
    name: 'tty vanished',
    file: 'tty-vanished.test.ts',
    text: thrower('tty-vanished.test.ts', { UartDisconnectedError: UART }, `throw new UartDisconnectedError('/dev/ttyACM0', 'read EIO');`),
    status: 'broken',
    category: BROKEN,
    exitCode: 2,
  },
  {
    name: 'a fault not confirmed',
    file: 'fault-not-confirmed.test.ts',
    text: thrower(
      'fault-not-confirmed.test.ts',
      { FaultNotConfirmedError: CONFIRMATION },
      `throw new FaultNotConfirmedError('bench-1', 'power-cut', 'write:50%', {} as never, 'power switch did not cut power: RCC_RSR shows no PORRSTF/BORRSTF');`,
    ),
    status: 'broken',
    category: BROKEN,
    exitCode: 2,
  },
  {
    name: 'a fault that did not land',
    file: 'fault-missed.test.ts',
    text: thrower(
      'fault-missed.test.ts',
      { FaultDidNotLandError: LANDING },
      `throw new FaultDidNotLandError('virtual-h745', 'erase-in-flight:middle:50%', 'power-cut', 3, 'intended erase-partial unit 8, observed erased unit 8');`,
    ),
    status: 'broken',
    category: BROKEN,
    exitCode: 2,
  },
  {
    name: 'a health check failing when the session opens',
    file: 'health-at-open.test.ts',
    text: thrower(
      'health-at-open.test.ts',
      { HealthCheckError: SESSION_ERRORS },
      `throw new HealthCheckError('bench-1', 'QSPI JEDEC id', 'stmqspi cmd stm32h7x.qspi 3 0x9f', 'read ffffff, expected ef4020');`,
    ),
    status: 'broken',
    category: BROKEN,
    exitCode: 2,
  },
];

/** Runs the rows a few at a time (each is its own `hil test` child). */
async function runAll(dir: string, rows: readonly Row[], parallel = 6): Promise<Map<Row, RowRun>> {
  const runs = new Map<Row, RowRun>();
  const queue = [...rows];
  await Promise.all(
    Array.from({ length: parallel }, async () => {
      for (let row = queue.shift(); row; row = queue.shift()) runs.set(row, await runRow(dir, row));
    }),
  );
  return runs;
}

describe('verdict or broken: one row of the rule a case, through the runner and the Allure reporter', function () {
  this.timeout(180_000);
  let dir: string;
  let runs: Map<Row, RowRun>;

  before(async function () {
    this.timeout(300_000);
    dir = rowsDir(mkdtempSync(join(tmpdir(), 'hil-rule-')));
    runs = await runAll(dir, ROWS);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  for (const row of ROWS) {
    it(`${row.name}: ${row.status}, "${row.category}", exit ${row.exitCode}`, () => {
      const run = runs.get(row)!;
      expect(run.results, describeRun(run)).to.have.length(1);
      const [result] = run.results;
      expect(result!.status, describeRun(run)).to.equal(row.status);
      expect(result!.category, describeRun(run)).to.equal(row.category);
      expect(run.exitCode, describeRun(run)).to.equal(row.exitCode);
    });
  }

  it('the flash errors keep the text they had: SR1=0x3c, the protected sectors, the command and what came back', () => {
    const protectedRun = runs.get(ROWS.find((r) => r.file === 'protected.test.ts')!)!;
    expect(protectedRun.results[0]!.message).to.match(/^procedure failed: board virtual-h745: W25Q512JV write protection is set \(SR1=0x3c/);
    expect(protectedRun.results[0]!.message).to.include('4 KiB sectors 0..16383').and.include('the requested range overlaps 0x00000000..0x00010fff');
    const refused = runs.get(ROWS[0]!)!;
    expect(refused.results[0]!.message).to.equal(
      `procedure failed: board virtual-h745: erase unit 0 failed\n  command: ${ERASE}\n  came back: not accepted by flash1. Status=0x02`,
    );
    // The same error with the rig behind it keeps today's text, without the category phrase.
    const died = runs.get(ROWS.find((r) => r.file === 'openocd-died.test.ts')!)!;
    expect(died.results[0]!.message).to.match(/^board virtual-h745: erase unit 0 failed\n {2}command: .*\n {2}came back: OpenOCD Tcl connection lost/);
  });

  it('Allure 3 (harness/report/allurerc.mjs) files every row under its category', function () {
    this.timeout(90_000);
    const merged = join(dir, 'merged-results');
    for (const run of runs.values()) cpSync(run.resultsDir, merged, { recursive: true, force: true });
    const out = join(dir, 'report');
    const allureBin = join(REPO_ROOT, 'node_modules', '.bin', 'allure');
    const generate = spawnSync(allureBin, ['generate', '-c', join(REPO_ROOT, 'harness', 'report', 'allurerc.mjs'), merged, '-o', out], {
      encoding: 'utf8',
      timeout: 80_000,
    });
    expect(generate.status, generate.stderr).to.equal(0);
    expect(readdirSync(merged).filter((f) => f.endsWith('-result.json'))).to.have.length(ROWS.length);
    const widget = JSON.parse(readFileSync(join(out, 'widgets', 'categories.json'), 'utf8')) as {
      roots: string[];
      nodes: Record<string, { name: string; statistic: Record<string, number> }>;
    };
    const filed = Object.fromEntries(widget.roots.map((id) => [widget.nodes[id]!.name, widget.nodes[id]!.statistic.total]));
    const expected: Record<string, number> = {};
    for (const row of ROWS) expected[row.category] = (expected[row.category] ?? 0) + 1;
    expect(filed).to.deep.equal(expected);
  });
});

describe('verdict or broken: the classes state which they are (harness/exit-codes, harness/flash/errors)', () => {
  const said = new TclCommandError(ERASE, 'not accepted by flash1. Status=0x02', -4, 12);

  it('a VerdictError is a verdict whose message starts with its category; classifyFailure is the one reader', () => {
    const error = new VerdictError(VerdictCategory.procedureFailed, 'board b: x');
    expect(error.message).to.equal('procedure failed: board b: x');
    expect(error.name).to.equal('VerdictError');
    expect(isVerdictError(error)).to.equal(true);
    expect(classifyFailure(error)).to.equal('verdict');
  });

  it("a flash error is the procedure's only when OpenOCD reported the failure (or the harness judged the chip)", () => {
    expect(rigFailureIn(undefined)).to.equal(undefined);
    expect(rigFailureIn(said)).to.equal(undefined);
    const lost = new TclConnectionLostError(ERASE, 'closed by OpenOCD');
    expect(rigFailureIn(lost)).to.equal(lost);
    const exited = new OpenOcdExitedError(1, null, 'SIGKILL', []);
    expect(rigFailureIn(exited)).to.equal(exited);
    const bug = new TypeError('x is undefined');
    expect(rigFailureIn(bug)).to.equal(bug);
    // Passed on by a session step: the reason is OpenOCD's report.
    const step = new SessionError('b', 'reset init; flash probe', '...', { cause: said });
    expect(rigFailureIn(step)).to.equal(undefined);
    // A session refusing because OpenOCD died earlier is the rig, whatever came before.
    const refused = new SessionBrokenError('b', 'erase', exited);
    expect(rigFailureIn(refused)).to.equal(refused);
  });

  it("FlashOperationError: a verdict with OpenOCD's report behind it, broken with a dead OpenOCD behind it", () => {
    const refusedErase = new FlashOperationError('b', 'erase unit 0', ERASE, said.tclMessage, { cause: said });
    expect(classifyFailure(refusedErase)).to.equal('verdict');
    expect(refusedErase.category).to.equal('procedure failed');
    expect(refusedErase.brokenBy).to.equal(undefined);
    const lost = new TclConnectionLostError(ERASE, 'closed by OpenOCD');
    const died = new FlashOperationError('b', 'erase unit 0', ERASE, lost.message, { cause: lost });
    expect(classifyFailure(died)).to.equal('broken');
    expect(died.brokenBy).to.equal(lost);
    expect(isVerdictError(died)).to.equal(false);
    expect(died.message.startsWith('board b: erase unit 0 failed')).to.equal(true);
  });
});
