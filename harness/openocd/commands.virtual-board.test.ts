/**
 * OpenOcdCommands end to end: real OpenOCD 0.12 driving the virtual STM32H745 + W25Q512JV
 * (the board kind "virtual", started through the harness's board-kind registry, reached through
 * its emulated ST-LINK V3 with fixtures/openocd/virtual-h745.cfg).
 */
import { expect } from 'chai';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startBoard, type StartedBoard } from '../boards/board-kinds.js';
import { OpenOcdCommands } from './commands.js';
import { ImageVerifyError } from './errors.js';
import { OpenOcdProcess } from './openocd-process.js';

const BOARD_CFG = fileURLToPath(new URL('../../fixtures/openocd/virtual-h745.cfg', import.meta.url));
/** stm32h7x.cfg with QUADSPI=1 declares the stmqspi bank third (after the two internal banks). */
const QSPI_BANK = 2;
const QSPI_BASE = 0x90000000;

describe('OpenOcdCommands end to end on the virtual board (OpenOCD 0.12, stmqspi, W25Q512JV)', function () {
  this.timeout(120_000);
  let board: StartedBoard | undefined;
  let openocd: OpenOcdProcess | undefined;
  let ocd: OpenOcdCommands;
  let dir: string;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'hil-openocd-'));
    board = await startBoard('virtual', { ttys: false, timeScale: 1 });
    openocd = await OpenOcdProcess.start({
      preConfigCommands: board.openOcdPreConfig,
      configFiles: [BOARD_CFG],
      commands: ['init'],
      startTimeoutMs: 60_000,
      tcl: { notifications: true },
    });
    ocd = new OpenOcdCommands(openocd.tcl);
  });

  after(async () => {
    try {
      await openocd?.stop();
    } finally {
      await board?.stop();
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('targets: the Cortex-M7 of the STM32H745', async () => {
    const targets = await ocd.targets();
    expect(targets.find((t) => t.current)).to.include({ name: 'stm32h7x.cpu0', type: 'cortex_m' });
  });

  it('reset init sends "type target_reset mode init" and leaves the core halted', async () => {
    const notified = openocd!.tcl.waitForNotification((n) => n.type === 'target_reset' && n.mode === 'init', 30_000);
    await ocd.reset('init');
    await notified;
    expect((await ocd.targets()).find((t) => t.current)?.state).to.equal('halted');
  });

  it('flash banks and flash list agree: stmqspi bank 2 at 0x90000000 on stm32h7x.cpu0', async () => {
    const banks = await ocd.flashBanks();
    const list = await ocd.flashList();
    expect(banks.map((b) => [b.name, b.driver, b.base])).to.deep.equal(list.map((b) => [b.name, b.driver, b.base]));
    expect(list[QSPI_BANK]).to.include({ name: 'stm32h7x.qspi', driver: 'stmqspi', base: QSPI_BASE, target: 'stm32h7x.cpu0' });
  });

  it('flash probe / flash info sectors: W25Q512JV is 64 MiB in 1024 sectors of 64 KiB at 0x90000000', async () => {
    expect(await ocd.flashProbe(QSPI_BANK)).to.deep.equal({ driver: 'stmqspi', base: QSPI_BASE });
    const info = await ocd.flashInfo(QSPI_BANK, { sectors: true });
    expect(info).to.include({ driver: 'stmqspi', base: QSPI_BASE, size: 64 * 1024 * 1024 });
    expect(info.sectors).to.have.length(1024);
    expect(info.sectors[1023]).to.include({ offset: 0x03ff0000, size: 0x10000 });
    expect(info.driverInfo).to.match(/device id = 0x2040ef/);
  });

  it('stmqspi cmd: W25Q512JV Read JEDEC ID (9Fh) answers EF 40 20', async () => {
    expect([...(await ocd.stmqspiCmd(QSPI_BANK, 3, 0x9f))]).to.deep.equal([0xef, 0x40, 0x20]);
  });

  it('flash write_image erase, verify_image, read_bank and read_memory agree on a 4 KiB image', async () => {
    const image = randomBytes(4096);
    const file = join(dir, 'image 1.bin'); // a space, to exercise quoting of paths
    await writeFile(file, image);
    const written = await ocd.flashWriteImage(file, { erase: true, offset: QSPI_BASE, type: 'bin' });
    expect(written.bytes).to.equal(4096);
    expect((await ocd.verifyImage(file, { offset: QSPI_BASE, type: 'bin' })).bytes).to.equal(4096);
    const back = join(dir, 'back.bin');
    await ocd.flashReadBank(QSPI_BANK, back, { offset: 0, length: 4096 });
    expect((await readFile(back)).equals(image)).to.equal(true);
    expect(await ocd.readMemory(QSPI_BASE, 32, 1)).to.deep.equal([image.readUInt32LE(0)]);
  });

  it('verify_image against different data throws ImageVerifyError listing the differing bytes', async () => {
    const other = Buffer.alloc(16, 0x00);
    const file = join(dir, 'zeros.bin');
    await writeFile(file, other);
    const current = await ocd.readMemory(QSPI_BASE, 8, 16);
    const err = await ocd.verifyImage(file, { offset: QSPI_BASE, type: 'bin' }).catch((e: unknown) => e);
    expect(err).to.be.instanceOf(ImageVerifyError);
    const expectedDiffs = current.flatMap((v, i) => (v !== 0 ? [{ address: QSPI_BASE + i, actual: v, expected: 0 }] : []));
    expect((err as ImageVerifyError).differences).to.deep.equal(expectedDiffs);
  });

  it('flash erase_sector 0..0 then the first words read back 0xFFFFFFFF', async () => {
    const r = await ocd.flashEraseSector(QSPI_BANK, 0, 0);
    expect(r).to.include({ first: 0, last: 0 });
    expect(await ocd.readMemory(QSPI_BASE, 32, 4)).to.deep.equal([0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff]);
  });
});
