/**
 * The rows of the verdict-or-broken rule that need real parts, each a tiny spec run by the real
 * runner (`hil test`, Allure reporter) against the virtual board and real OpenOCD: a UART that
 * is open but silent when the health check proves it (broken) and silent later on a UART proven
 * alive (a verdict); the chip lost after an injected fault (a verdict) and the same chip with no
 * fault before it (broken); OpenOCD killed under `program` outside a fault (broken); a board
 * config OpenOCD refuses (broken). The other rows: verdict-or-broken.test.ts.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { REPO_ROOT } from '../boards/select.js';
import { VerdictCategory } from '../exit-codes.js';
import { buildFixtureFirmware } from '../session/testing/fixture-firmware.js';
import { describeRun, repoModule, rowsDir, runRow, type Row } from './testing/rule-rows.js';

const BROKEN = 'infrastructure broken';
const BOOTLOADER = JSON.stringify(join(REPO_ROOT, 'fixtures', 'firmware', 'build', 'bootloader.elf'));

/** A spec with one suite-scoped session on the chosen board (the virtual one) and one test. */
function spec(file: string, body: string, extraImports = ''): string {
  return `import { expect } from 'chai';
import { writeFileSync } from 'node:fs';
import { selectBoard } from ${repoModule('harness', 'boards', 'index.ts')};
import { useBoardSession } from ${repoModule('harness', 'session', 'mocha.ts')};
import { VerdictPhrase } from ${repoModule('harness', 'report', 'index.ts')};
${extraImports}
void expect; void writeFileSync; void VerdictPhrase;
describe('rule row ${file}', function () {
  this.timeout(120_000);
  const board = useBoardSession({ board: () => selectBoard().board, scope: 'suite', timeScale: 0.002 });
  it('${file}', async () => {
    const session = board();
    ${body}
  });
});
`;
}

/** W25Q512JV Deep Power-down: after it the chip answers nothing but Release (ABh), which the board's reset-init never sends. */
const DEEP_POWER_DOWN = 'await session.openocd.stmqspiCmd(session.board.qspi.bank, 0, 0xb9);';

const ROWS: readonly (Row & { readonly message: RegExp; readonly env?: (dir: string) => Record<string, string> })[] = [
  {
    name: 'a UART open but silent when the health check proves it (no bootloader prints)',
    file: 'uart-silent-at-proof.spec.ts',
    text: spec('uart-silent-at-proof.spec.ts', 'await session.proveUart();'),
    status: 'broken',
    category: BROKEN,
    exitCode: 2,
    message: /health check "UART answers" failed .*is open but silent: no HIL-BOOT line within 3000 ms of reset run/,
  },
  {
    name: 'a missing boot verdict on a UART proven alive',
    file: 'silent-after-proof.spec.ts',
    text: spec(
      'silent-after-proof.spec.ts',
      `await session.programInternalFlash(${BOOTLOADER});
    await session.proveUart();
    // Now the board goes silent: its bootloader is erased (the first 128 KiB sector of bank 1).
    await session.transition('flash-ready');
    await session.openocd.flashEraseAddress(0x08000000, 0x20000);
    const boot = await bootAndObserve(session, { verdictTimeoutMs: 1500, settleMs: 200 });
    expect(boot.image, \`\${VerdictPhrase.bootFault}: no boot verdict on a UART proven alive: \${describeBoot(boot)}\`).to.be.a('string');`,
      `import { bootAndObserve, describeBoot } from ${repoModule('specs', 'support', 'boot.ts')};`,
    ),
    status: 'failed',
    category: VerdictCategory.bootFault,
    exitCode: 1,
    message: /^boot fault: no boot verdict on a UART proven alive/,
  },
  {
    name: 'a chip that no longer answers after an injected fault (kill-openocd)',
    file: 'chip-lost-after-fault.spec.ts',
    text: spec(
      'chip-lost-after-fault.spec.ts',
      `${DEEP_POWER_DOWN}
    await session.faults.fire('kill-openocd', 'chip in deep power-down');
    await session.reconnect();`,
    ),
    status: 'failed',
    category: VerdictCategory.procedureFailed,
    exitCode: 1,
    message:
      /^procedure failed: the chip no longer answers after kill-openocd at a manual fault \(chip in deep power-down\): QSPI bank probed failed on board virtual-h745 \(command: reset init; flash probe stm32h7x\.qspi\)/,
  },
  {
    name: 'the same chip at a reconnect with no fault before it',
    file: 'chip-lost-no-fault.spec.ts',
    text: spec('chip-lost-no-fault.spec.ts', `${DEEP_POWER_DOWN}\n    await session.reconnect();`),
    status: 'broken',
    category: BROKEN,
    exitCode: 2,
    message: /^board virtual-h745: health check "QSPI bank probed" failed/,
  },
  {
    name: 'OpenOCD killed under `program` outside an injected fault',
    file: 'openocd-killed.spec.ts',
    text: spec(
      'openocd-killed.spec.ts',
      `const file = process.cwd() + '/killed.bin';
    writeFileSync(file, Buffer.alloc(128 * 1024, 0x5a));
    // The chip holds the whole board inside the first erase, so the kill lands while program runs.
    await session.control!.armTrigger({ op: 'erase', from: 0, to: 64 * 1024 * 1024, fraction: 0.5 });
    const run = session.flash.programWithProgramCommand(file);
    run.catch(() => undefined);
    while ((await session.control!.trigger()).state !== 'held') await new Promise((r) => setTimeout(r, 10));
    process.kill(session.openOcdProcess!.pid!, 'SIGKILL');
    try {
      const result = await run;
      throw new Error('program returned ' + JSON.stringify(result) + ' although OpenOCD was killed');
    } finally {
      await session.control!.release();
    }`,
    ),
    status: 'broken',
    category: BROKEN,
    exitCode: 2,
    message: /^OpenOCD Tcl connection lost \(.*\) while running: capture "program /,
  },
  {
    name: 'a board config OpenOCD refuses (OpenOCD does not start)',
    file: 'config-refused.spec.ts',
    text: `import { selectBoard } from ${repoModule('harness', 'boards', 'index.ts')};
import { withBoardSession } from ${repoModule('harness', 'session', 'mocha.ts')};
describe('rule row config-refused.spec.ts', function () {
  this.timeout(60_000);
  it('config-refused.spec.ts', async () => {
    await withBoardSession(selectBoard().board, {}, async () => undefined);
  });
});
`,
    status: 'broken',
    category: BROKEN,
    exitCode: 2,
    message: /OpenOCD did not start[\s\S]*this_is_not_a_command/,
    env: (dir) => {
      writeFileSync(join(dir, 'refused.cfg'), 'this_is_not_a_command\n');
      const board = {
        id: 'refused-config',
        description: 'a board whose OpenOCD config has an error',
        kind: 'real',
        openocd: { configs: ['refused.cfg'] },
        target: { mcu: 'STM32H745', core: 'cm7' },
        qspi: { bank: 'stm32h7x.qspi', base: 0x90000000, chip: 'W25Q512JV', jedecId: 'ef4020' },
        uart: { path: '/dev/null', baud: 115200 },
        power: { type: 'none' },
        reset: { srst: true },
        allows: { massErase: true, powerCut: false },
      };
      writeFileSync(join(dir, 'refused-boards.json'), JSON.stringify({ boards: [board] }));
      return { HIL_BOARDS: join(dir, 'refused-boards.json'), HIL_BOARD: 'refused-config' };
    },
  },
];

describe('verdict or broken on real parts: the virtual board and real OpenOCD, through the runner', function () {
  this.timeout(180_000);
  let dir: string;
  let lockDir: string;

  before(function () {
    this.timeout(300_000);
    // The bootloader the "proven alive" row programs (make is incremental: quick when built).
    expect(buildFixtureFirmware().bootloaderElf).to.equal(JSON.parse(BOOTLOADER));
    dir = rowsDir(mkdtempSync(join(tmpdir(), 'hil-rule-vb-')));
    lockDir = join(dir, 'locks');
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  for (const row of ROWS) {
    it(`${row.name}: ${row.status}, "${row.category}", exit ${row.exitCode}`, async () => {
      // One at a time: the rows share the virtual-h745 board id and its lock.
      const run = await runRow(dir, row, { HIL_LOCK_DIR: lockDir, ...(row.env?.(dir) ?? {}) }, 150_000);
      expect(run.results, describeRun(run)).to.have.length(1);
      const [result] = run.results;
      expect(result!.status, describeRun(run)).to.equal(row.status);
      expect(result!.category, describeRun(run)).to.equal(row.category);
      expect(result!.message, describeRun(run)).to.match(row.message);
      expect(run.exitCode, describeRun(run)).to.equal(row.exitCode);
    });
  }
});
