/**
 * The health check's UART proof on the virtual board: none at open on an empty internal flash
 * (the report says why), `proveUart()` once the bootloader is programmed, at open when a
 * bootloader is already there (a state file kept it), never at `reconnect()`, and what it costs a
 * session. The verdict/broken rows it feeds: harness/cli/verdict-or-broken.virtual-board.test.ts.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { selectBoard } from '../boards/index.js';
import { BoardSession } from './index.js';
import { UART_PROOF_CHECK, uartProven } from './health-check.js';
import { buildFixtureFirmware } from './testing/fixture-firmware.js';
import { useTempLockDir } from './testing/temp-lock-dir.js';

const BOARD = selectBoard({ board: 'virtual-h745' }).board;

describe('UART proof of the health check (virtual board, real OpenOCD)', function () {
  this.timeout(120_000);
  const lockDir = useTempLockDir();
  let bootloader: string;
  let dir: string;

  before(function () {
    this.timeout(300_000);
    bootloader = buildFixtureFirmware().bootloaderElf;
    dir = mkdtempSync(join(tmpdir(), 'hil-uart-proof-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('an empty internal flash: not proven at open, and the report says why; proveUart() after programming proves it within ~1 s', async () => {
    const stateFile = join(dir, 'board.flash');
    const session = await BoardSession.open(BOARD, { timeScale: 0.002, lockDir: lockDir(), stateFile });
    try {
      expect(uartProven(session.health)).to.equal(false);
      const open = session.health!.checks.find((c) => c.check === 'UART open');
      expect(open?.detail).to.match(/not proven by a boot: internal flash at 0x08000000 is erased: no bootloader to print yet/);
      await session.programInternalFlash(bootloader);
      const t0 = performance.now();
      const report = await session.proveUart();
      // What the proof adds to a session: the boot, and the reset init the next flash step needs again.
      await session.transition('flash-ready');
      const costMs = performance.now() - t0;
      expect(uartProven(report)).to.equal(true);
      const proof = report.checks.find((c) => c.check === UART_PROOF_CHECK)!;
      expect(proof.detail).to.match(/^"HIL-BOOT stage=start bootloader=1\.0\.0 .*" \d+ ms after reset run$/);
      expect(costMs, `UART proof and return to flash-ready took ${Math.round(costMs)} ms`).to.be.below(1000);
      // Once a session: a second call does not boot again.
      const before = session.evidence.tcl.length;
      await session.proveUart();
      expect(session.evidence.tcl.length).to.equal(before);
      // Not at reconnect: a boot there would run before an interrupted run's landing is read.
      const again = await session.reconnect();
      expect(again.checks.map((c) => c.check)).to.not.include(UART_PROOF_CHECK);
      expect(again.checks.find((c) => c.check === 'UART open')?.detail).to.match(/not proven by a boot: proven earlier in this session/);
    } finally {
      await session.close();
    }
  });

  it('a bootloader already in internal flash: the health check at open proves the UART', async () => {
    // The state file the case above saved at close holds its bootloader.
    const stateFile = join(dir, 'board.flash');
    const session = await BoardSession.open(BOARD, { timeScale: 0.002, lockDir: lockDir(), stateFile });
    try {
      expect(session.health?.ok).to.equal(true);
      expect(session.health?.checks.map((c) => c.check)).to.deep.equal([
        'OpenOCD answers',
        'target examined',
        'QSPI bank probed',
        'QSPI JEDEC id',
        'UART open',
        UART_PROOF_CHECK,
      ]);
      expect(uartProven(session.health)).to.equal(true);
    } finally {
      await session.close();
    }
    // uartProofAtOpen: false (hil boot) leaves the first boot to the command.
    const quiet = await BoardSession.open(BOARD, { timeScale: 0.002, lockDir: lockDir(), stateFile, uartProofAtOpen: false });
    try {
      expect(uartProven(quiet.health)).to.equal(false);
      expect(quiet.health?.checks.at(-1)?.detail).to.match(/not asked for at open/);
    } finally {
      await quiet.close();
    }
  });
});
