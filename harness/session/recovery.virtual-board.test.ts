/**
 * BoardSession recovery on the virtual board: a chip left in a bad state (deep power-down, WEL,
 * 4-byte mode, suspended or running erase, block protection) found and brought back through
 * real OpenOCD 0.12, and the virtual-only in-chip power cut (control channel) mid-erase.
 */
import { expect } from 'chai';
import { randomBytes } from 'node:crypto';
import { selectBoard } from '../boards/index.js';
import { parseFaultPoint } from '../faults/index.js';
import { FlashProtectedError, Op } from '../flash/index.js';
import { useTempLockDir } from './testing/temp-lock-dir.js';
import { BoardSession } from './index.js';

const BOARD = selectBoard({ board: 'virtual-h745' }).board;
const KIB = 1024;

describe('BoardSession on the virtual board (OpenOCD 0.12, stmqspi, W25Q512JV)', function () {
  this.timeout(120_000);
  const lockDir = useTempLockDir();

  describe('recovery and the in-chip trigger (one session, timeScale 1: erases take 150 ms)', () => {
    let session: BoardSession;
    before(async () => {
      session = await BoardSession.open(BOARD, { timeScale: 1, lockDir: lockDir(), uart: false });
    });
    after(async () => {
      await session?.close();
    });

    const send = (op: number, ...data: number[]): Promise<Uint8Array> => session.openocd.stmqspiCmd(BOARD.qspi.bank, 0, op, ...data);

    it('deep power-down (B9h): JEDEC id unreadable; recovery releases it (ABh)', async () => {
      await send(Op.POWER_DOWN);
      expect(await session.flash.jedecId()).to.not.equal('ef4020');
      const report = await session.flash.recover();
      expect(report.found[0]).to.match(/deep power-down/);
      expect(report.actions.map((a) => a.command)).to.include('stmqspi cmd stm32h7x.qspi 0 0xab');
      expect(report.jedecIdAfter).to.equal('ef4020');
    });

    it("a chip left in deep power-down makes the next run's reset init fail; reconnect({ recover: true }) releases it and passes the health check", async () => {
      await send(Op.POWER_DOWN);
      // Recovery runs only when the health check failed at a QSPI step (here: reset init).
      const health = await session.reconnect({ recover: true });
      expect(health.jedecId).to.equal('ef4020');
      expect(session.recovery?.found.join()).to.match(/deep power-down/);
      expect(session.evidence.timings.some((t) => t.name === 'transition to flash-ready' && !t.ok)).to.equal(true);
    });

    it('WEL left set (06h): recovery clears it with 04h', async () => {
      await send(Op.WRITE_ENABLE);
      expect((await session.flash.status()).writeEnabled).to.equal(true);
      const report = await session.flash.recover();
      expect(report.found.join()).to.match(/write enable latch/);
      expect(report.actions.map((a) => a.command)).to.include('stmqspi cmd stm32h7x.qspi 0 0x4');
      expect(report.after.writeEnabled).to.equal(false);
    });

    it('4-byte address mode (B7h): recovery exits it with E9h', async () => {
      await send(Op.ENTER_4BYTE);
      const report = await session.flash.recover();
      expect(report.before.fourByteMode).to.equal(true);
      expect(report.actions.map((a) => a.command)).to.include('stmqspi cmd stm32h7x.qspi 0 0xe9');
      expect(report.after.fourByteMode).to.equal(false);
    });

    it('erase suspended (DCh then 75h): recovery resumes (7Ah) and waits until the erase finished', async () => {
      await send(Op.WRITE_ENABLE);
      await send(0xdc, 0x00, 0x01, 0x00, 0x00); // 64 KiB block erase at 0x10000 (4-byte address)
      await send(Op.SUSPEND);
      expect((await session.flash.status()).suspended).to.equal(true);
      const report = await session.flash.recover();
      expect(report.found.join()).to.match(/suspended/);
      expect(report.actions.map((a) => a.command)).to.include('stmqspi cmd stm32h7x.qspi 0 0x7a');
      expect(report.after).to.include({ suspended: false, busy: false });
    });

    it('busy (a 64 KiB erase in progress): recovery waits for BUSY=0 instead of interrupting it', async () => {
      await send(Op.WRITE_ENABLE);
      await send(0xdc, 0x00, 0x02, 0x00, 0x00);
      const report = await session.flash.recover();
      expect(report.found.join()).to.match(/busy/);
      expect(report.actions.some((a) => a.command.startsWith('poll'))).to.equal(true);
      expect(report.actions.map((a) => a.command)).to.not.include('stmqspi cmd stm32h7x.qspi 0 0x99');
      expect(report.after.busy).to.equal(false);
    });

    it('BP bits set (06h, 01h 04h): diagnosis names the protected top 64 KiB; programming there is refused; recovery does not clear it', async () => {
      await send(Op.WRITE_ENABLE);
      await send(Op.WRITE_SR1, 0x04);
      await new Promise((r) => setTimeout(r, 50)); // tW of the non-volatile status write
      try {
        const diagnosis = await session.flash.diagnoseProtection();
        expect(diagnosis.protected).to.equal(true);
        expect(diagnosis.sectors).to.deep.equal([{ first: 16368, last: 16383 }]);
        let error: unknown;
        try {
          await session.flash.program(new Uint8Array(4 * KIB), { offset: 64 * 1024 * 1024 - 64 * KIB });
        } catch (e) {
          error = e;
        }
        expect(error).to.be.instanceOf(FlashProtectedError);
        expect((error as Error).message).to.match(/SR1=0x04/);
        const report = await session.flash.recover();
        expect(report.protection.protected).to.equal(true);
        expect(report.after.blockProtect).to.equal(1);
      } finally {
        await send(Op.WRITE_ENABLE);
        await send(Op.WRITE_SR1, 0x00);
        await new Promise((r) => setTimeout(r, 50));
      }
      expect((await session.flash.diagnoseProtection()).protected).to.equal(false);
    });

    it("virtual-chip-power-cut while unit 0's erase is in flight: the chip logs it interrupted; the map shows half-erased sectors", async () => {
      const old = randomBytes(8 * KIB);
      await session.flash.program(old);
      const result = await session.flash.program(randomBytes(8 * KIB), {
        faultPoint: parseFaultPoint('erase-in-flight:first:50%'),
        injector: 'virtual-chip-power-cut',
      });
      const record = result.landing?.virtual?.interruptedOperation as { result: string; fraction: number };
      expect(record.result).to.equal('interrupted');
      expect(record.fraction).to.be.closeTo(0.5, 0.01);
      expect(result.landing?.aim?.aim).to.equal('chip-trigger');
      expect(result.landing?.aim?.hit).to.equal(true);
      await session.reconnect();
      const map = await session.flash.sectorMap({ expected: old, previous: old, title: 'after a power cut mid-erase' });
      expect(map.map.sectors.slice(0, 2).map((s) => s.state)).to.deep.equal(['half-erased', 'half-erased']);
    });
  });
});
