import { expect } from 'chai';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { OpenOcdCommands, TclCommandError } from '../openocd/index.js';
import { W25Q512JV } from './chips.js';
import { collectSectorMap } from './inspection.js';
import type { QspiTarget } from './qspi-target.js';

const BASE = 0x90000000;
const UNIT = 64 * 1024;

/**
 * A fake OpenOCD over a flash image in memory: verify_image compares the file with the flash
 * (failing like OpenOCD 0.12 with "diff" lines), read_bank writes the bytes to the file.
 */
function fakeFlash(flash: Uint8Array): { commands: string[]; ocd: OpenOcdCommands } {
  const commands: string[] = [];
  const ocd = new OpenOcdCommands({
    async call(command: string): Promise<string> {
      commands.push(command);
      const words = command.split(' ');
      if (words[0] === 'verify_image') {
        const expected = new Uint8Array(await readFile(words[1]!));
        const offset = Number(words[2]) - BASE;
        for (let i = 0; i < expected.length; i++) {
          if (flash[offset + i] !== expected[i]) {
            throw new TclCommandError(
              command,
              `diff 0 address 0x${(BASE + offset + i).toString(16)}. Was 0x${flash[offset + i]!.toString(16)} instead of 0x${expected[i]!.toString(16)}`,
              -4,
              1,
            );
          }
        }
        return `verified ${expected.length} bytes in 0.01s (1 KiB/s)`;
      }
      if (words[0] === 'flash' && words[1] === 'read_bank') {
        const offset = Number(words[4]);
        const length = Number(words[5]);
        await writeFile(words[3]!, flash.subarray(offset, offset + length));
        return `wrote ${length} bytes to file ${words[3]} from flash bank 2 at offset 0x${offset.toString(16)} in 0.1s (1 KiB/s)`;
      }
      throw new Error(`unexpected command ${command}`);
    },
  });
  return { commands, ocd };
}

describe('collectSectorMap: cheap on the common path (on-target compare first, read back only what differs)', () => {
  let workDir: string;
  before(async () => {
    workDir = await mkdtemp(join(tmpdir(), 'hil-inspection-test-'));
  });
  after(async () => {
    await rm(workDir, { recursive: true, force: true });
  });
  const target = (ocd: OpenOcdCommands): QspiTarget => ({ boardId: 'b', commands: ocd, bank: 2, base: BASE, chip: W25Q512JV, timeScale: 1, workDir });

  it('a range that matches costs one verify_image and no read back', async () => {
    const image = new Uint8Array(3 * UNIT).map((_, i) => i & 0xff);
    const flash = new Uint8Array(4 * UNIT).fill(0xff);
    flash.set(image, 0);
    const { commands, ocd } = fakeFlash(flash);
    const result = await collectSectorMap(target(ocd), { expected: image });
    expect(commands).to.have.length(1);
    expect(result.map.clean).to.equal(true);
    expect(result.map.sectors).to.have.length(48);
    expect(result.bytesReadBack).to.equal(0);
  });

  it('one differing unit out of three: three per-unit compares, only that unit read back, its sectors classified', async () => {
    const previous = new Uint8Array(3 * UNIT).fill(0x11);
    const image = new Uint8Array(3 * UNIT).fill(0x22);
    const flash = new Uint8Array(4 * UNIT).fill(0xff);
    flash.set(image, 0);
    // Unit 1: sector 16 still holds the previous image (the erase missed it), sector 17 half written.
    flash.set(previous.subarray(UNIT, UNIT + 4096), UNIT);
    flash.fill(0xff, UNIT + 4096 + 2048, UNIT + 8192);
    const { commands, ocd } = fakeFlash(flash);
    const result = await collectSectorMap(target(ocd), { expected: image, previous });
    expect(result.unitsReadBack).to.deep.equal([UNIT]);
    expect(result.unitsMatchedOnTarget).to.equal(2);
    expect(commands.filter((c) => c.startsWith('flash read_bank'))).to.have.length(1);
    expect(result.map.sectors[16]!.state).to.equal('stale');
    expect(result.map.sectors[17]!.state).to.equal('partial');
    expect(result.map.count('match')).to.equal(46);
    expect(result.map.blocks().map((b) => b.state)).to.deep.equal(['match', 'stale', 'match']);
  });

  it('bytes of the mapped units beyond the image are expected blank (the erase cleared whole units)', async () => {
    const image = new Uint8Array(4096).fill(0x33);
    const flash = new Uint8Array(2 * UNIT).fill(0xff);
    flash.set(image, 0);
    flash[8192] = 0x00; // stray data after the image
    const { ocd } = fakeFlash(flash);
    const result = await collectSectorMap(target(ocd), { expected: image });
    expect(result.map.sectors).to.have.length(16);
    expect(result.map.problems().map((s) => [s.offset, s.state])).to.deep.equal([[8192, 'corrupt']]);
  });
});
