import { expect } from 'chai';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BoardRecord } from '../boards/types.js';
import { FaultNotSupportedError, type FaultEnvironment } from '../faults/injectors.js';
import { OpenOcdCommands } from '../openocd/index.js';
import { W25Q512JV } from './chips.js';
import { FlashProtectedError } from './errors.js';
import { runProgrammingPlan, type ProgressEvent } from './programmer.js';
import { ImageTooLargeError } from './programming-plan.js';
import type { QspiTarget } from './qspi-target.js';

/** Canned OpenOCD 0.12 answers; records every command. */
function fakeOpenOcd(options: { sr1?: number; eraseDelayMs?: number } = {}): { commands: string[]; ocd: OpenOcdCommands } {
  const commands: string[] = [];
  const ocd = new OpenOcdCommands({
    async call(command: string): Promise<string> {
      commands.push(command);
      if (command.startsWith('stmqspi cmd')) {
        const op = command.split(' ')[4];
        const value = op === '0x5' ? (options.sr1 ?? 0) : op === '0x35' ? 0x02 : 0;
        return `spi: ${op!.slice(2).padStart(2, '0')} -> ${value.toString(16).padStart(2, '0')} `;
      }
      if (command.startsWith('flash erase_sector')) {
        await new Promise((r) => setTimeout(r, options.eraseDelayMs ?? 0));
        const n = command.split(' ')[3];
        return `erased sectors ${n} through ${n} on flash bank 2 in 0.150000s`;
      }
      if (command.startsWith('flash write_bank')) return 'wrote 4096 bytes from file x to flash bank 2 at offset 0x00000000 in 0.1s (40 KiB/s)';
      if (command.startsWith('verify_image')) return 'verified 8192 bytes in 0.010000s (800.000 KiB/s)';
      throw new Error(`unexpected command ${command}`);
    },
  });
  return { commands, ocd };
}

const BOARD = {
  id: 'bench-1',
  kind: 'real',
  allows: { massErase: true, powerCut: false },
  power: { type: 'none' },
  reset: { srst: true },
} as unknown as BoardRecord;

describe('runProgrammingPlan (harness plan runner) against canned OpenOCD answers', () => {
  let workDir: string;
  before(async () => {
    workDir = await mkdtemp(join(tmpdir(), 'hil-programmer-test-'));
  });
  after(async () => {
    await rm(workDir, { recursive: true, force: true });
  });

  const target = (ocd: OpenOcdCommands, timeScale = 0.001): QspiTarget => ({
    boardId: 'bench-1',
    commands: ocd,
    bank: 2,
    base: 0x90000000,
    chip: W25Q512JV,
    timeScale,
    workDir,
  });

  it('an image beyond the 64 MiB flash fails with ImageTooLargeError before any command is sent', async () => {
    const { commands, ocd } = fakeOpenOcd();
    let error: unknown;
    try {
      await runProgrammingPlan(target(ocd), new Uint8Array(8192), { offset: W25Q512JV.sizeBytes - 4096 });
    } catch (e) {
      error = e;
    }
    expect(error).to.be.instanceOf(ImageTooLargeError);
    expect(commands).to.deep.equal([]);
  });

  it('erase unit, chunked write_bank at each offset, verify_image; progress after each step', async () => {
    const { commands, ocd } = fakeOpenOcd();
    const events: ProgressEvent[] = [];
    const result = await runProgrammingPlan(target(ocd), new Uint8Array(8192).fill(0x5a), { chunkSize: 4096, onProgress: (e) => events.push(e) });
    const flashCommands = commands.filter((c) => !c.startsWith('stmqspi'));
    expect(flashCommands[0]).to.equal('flash erase_sector 2 0 0');
    expect(flashCommands[1]).to.match(/^flash write_bank 2 \S+chunk-0\.bin 0x0$/);
    expect(flashCommands[2]).to.match(/^flash write_bank 2 \S+chunk-1000\.bin 0x1000$/);
    expect(flashCommands[3]).to.match(/^verify_image \S+image\.bin 0x90000000 bin$/);
    expect(events.map((e) => [e.phase, e.bytesWritten, e.unitsErased])).to.deep.equal([
      ['erase', 0, 1],
      ['write', 4096, 1],
      ['write', 8192, 1],
      ['done', 8192, 1],
    ]);
    expect(result).to.include({ completed: true, bytesWritten: 8192 });
    expect(result.verify).to.deep.equal({ ok: true, differences: [] });
  });

  it('an erase that returns faster than the W25Q512JV can erase 64 KiB is flagged implausible (time scale 1)', async () => {
    const { ocd } = fakeOpenOcd({ eraseDelayMs: 0 });
    const result = await runProgrammingPlan(target(ocd, 1), new Uint8Array(4096));
    expect(result.implausibleErases).to.have.length(1);
    expect(result.implausibleErases[0]!.plausibility.explanation).to.match(/cannot erase that fast/);
  });

  it('BP bits protecting the target range stop the run with FlashProtectedError before any erase', async () => {
    // SR1 = 0x3C: BP3..0 = 1111, the whole array protected.
    const { commands, ocd } = fakeOpenOcd({ sr1: 0x3c });
    let error: unknown;
    try {
      await runProgrammingPlan(target(ocd), new Uint8Array(4096));
    } catch (e) {
      error = e;
    }
    expect(error).to.be.instanceOf(FlashProtectedError);
    expect((error as FlashProtectedError).message).to.match(/SR1=0x3c/);
    expect(commands.some((c) => c.startsWith('flash erase'))).to.equal(false);
  });

  it('a power-cut injector on a board that forbids power cuts is refused before the board is touched', async () => {
    const { commands, ocd } = fakeOpenOcd();
    const env: FaultEnvironment = {
      board: BOARD,
      openOcdProcess: () => undefined,
      openSideChannel: () => Promise.reject(new Error('no')),
      power: () => undefined,
      control: () => undefined,
    };
    let error: unknown;
    try {
      await runProgrammingPlan(target(ocd), new Uint8Array(8192), {
        faultPoint: { kind: 'write-percent', percent: 50 },
        injector: 'power-cut',
        faults: { env },
      });
    } catch (e) {
      error = e;
    }
    expect(error).to.be.instanceOf(FaultNotSupportedError);
    expect((error as Error).message).to.match(/allows\.powerCut is false/);
    expect(commands).to.deep.equal([]);
  });
});
