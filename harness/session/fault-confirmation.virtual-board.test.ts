/**
 * Faults confirmed by the MCU, end to end: real OpenOCD 0.12 reads the virtual STM32H745's
 * RCC_RSR after a power cut and after an SRST (harness/faults/confirmation.ts). A relay switched
 * on the wrong channel cuts nothing: its "power cut" is broken, not a landing.
 */
import { expect } from 'chai';
import { randomBytes } from 'node:crypto';
import { selectBoard, type BoardRecord } from '../boards/index.js';
import { isNoVerdictError } from '../exit-codes.js';
import { FaultNotConfirmedError, parseFaultPoint, RCC_RSR_ADDRESS } from '../faults/index.js';
import { BoardSession } from './index.js';
import { useTempLockDir } from './testing/temp-lock-dir.js';

const BOARD = selectBoard({ board: 'virtual-h745' }).board;
const KIB = 1024;

describe('Fault confirmation from RCC_RSR on the virtual board (OpenOCD 0.12)', function () {
  this.timeout(120_000);
  const lockDir = useTempLockDir();

  async function rsr(session: BoardSession): Promise<number> {
    return (await session.openocd.readMemory(RCC_RSR_ADDRESS, 32, 1))[0]!;
  }

  describe('a correctly wired board', () => {
    let session: BoardSession;
    before(async () => {
      session = await BoardSession.open(BOARD, { timeScale: 0.001, lockDir: lockDir(), uart: false });
    });
    after(async () => {
      await session?.close();
    });

    it('srst at write:4096: PINRSTF confirms it (the power-on flags were cleared before the run); cleared after', async () => {
      const result = await session.flash.program(randomBytes(8 * KIB), { faultPoint: parseFaultPoint('write:4096'), injector: 'srst' });
      const landing = result.landing!;
      expect(landing.confirmation).to.include({ status: 'pending', evidence: 'pin-reset', clearedBefore: true });
      const record = await session.faults.confirm(landing);
      expect(record).to.include({ status: 'confirmed', clearedAfter: true });
      expect(record!.reading!.flags).to.include('PINRSTF');
      expect(record!.reading!.flags, 'no stale power-on flag from the board start').to.not.include('PORRSTF');
      expect(await rsr(session)).to.equal(0);
      expect(session.faults.landings.at(-1)!.confirmation, 'the session evidence holds the settled record').to.equal(record);
    });

    it("power-cut through the board's relay at write:4096: after reconnect PORRSTF and BORRSTF confirm it; cleared after", async () => {
      const result = await session.flash.program(randomBytes(8 * KIB), { faultPoint: parseFaultPoint('write:4096'), injector: 'power-cut' });
      const landing = result.landing!;
      expect(landing.confirmation).to.include({ status: 'pending', evidence: 'power-on' });
      await session.reconnect();
      const record = await session.faults.confirm(landing);
      expect(record).to.include({ status: 'confirmed', clearedAfter: true });
      expect(record!.reading!.flags).to.include.members(['PORRSTF', 'BORRSTF']);
      expect(await rsr(session)).to.equal(0);
    });

    it('faults.fire("power-cut") outside a run is confirmed the same way after reconnect()', async () => {
      const landing = await session.faults.fire('power-cut', 'pull the plug now');
      expect(landing.confirmation?.status).to.equal('pending');
      await session.reconnect();
      expect(await session.faults.confirm(landing)).to.include({ status: 'confirmed' });
    });
  });

  describe("a relay wired to the wrong channel (power { type: 'virtual', channel: 2 })", () => {
    const miswired: BoardRecord = { ...BOARD, id: 'virtual-h745-relay-ch2', power: { type: 'virtual', channel: 2 } };
    let session: BoardSession;
    before(async () => {
      session = await BoardSession.open(miswired, { timeScale: 0.001, lockDir: lockDir(), uart: false });
    });
    after(async () => {
      await session?.close();
    });

    it('power-cut at write:4096 cuts nothing: the run stops at the point, but confirmation fails (no verdict) naming the relay', async () => {
      const result = await session.flash.program(randomBytes(8 * KIB), { faultPoint: parseFaultPoint('write:4096'), injector: 'power-cut' });
      expect(result.landing).to.include({ injector: 'power-cut', lastAckedByte: 4096 });
      await session.reconnect();
      let error: unknown;
      try {
        await session.faults.confirm(result.landing!);
      } catch (e) {
        error = e;
      }
      expect(error).to.be.instanceOf(FaultNotConfirmedError);
      expect(isNoVerdictError(error)).to.equal(true);
      expect((error as Error).message).to.match(
        /fault not confirmed: power switch did not cut power: RCC_RSR=0x[0-9a-f]{8} \(.*\) after power-cut at write:4096/,
      );
      expect((error as Error).message).to.match(/no PORRSTF\/BORRSTF flag; power cut through serial relay .* channel 2/);
      expect(result.landing!.confirmation).to.include({ status: 'not-confirmed', clearedAfter: true });
    });
  });
});
