/**
 * PLACEHOLDER smoke spec, until the virtual board and BoardSession land (issue 3). It does not
 * touch a board yet; it checks what every later spec stands on: the selected board's
 * boards.json entry, its OpenOCD config files, and that OpenOCD itself accepts those configs and
 * declares the QSPI flash bank the entry names. Replace with a real bring-up (examine the CM7,
 * read the W25Q512JV JEDEC ID) once BoardSession exists.
 */
import { spawn } from 'node:child_process';
import { expect } from 'chai';
import { assertBoardFilesExist, findBoard, loadBoardsFile, resolveBoardChoice } from '../harness/boards/index.js';
import type { BoardRecord } from '../harness/boards/index.js';
import { NoVerdictError } from '../harness/exit-codes.js';
import { attachText, labels, parameter, step } from '../harness/report/index.js';

/** OpenOCD could not be run at all (not installed, hung): no verdict. */
class OpenOcdUnavailableError extends NoVerdictError {}

/** Run OpenOCD over the configs without `init` (no probe needed) and return its output. */
async function openocdParse(board: BoardRecord, commands: readonly string[]): Promise<{ code: number | null; output: string }> {
  const binary = board.openocd.binary ?? 'openocd';
  // The virtual board's interface config needs the port of a running board; parsing never
  // connects, so any port number will do here.
  const knobs = board.kind === 'virtual' ? ['-c', 'set VIRTUAL_BOARD_PORT 65535'] : [];
  const args = [
    ...knobs,
    ...board.openocd.searchDirs.flatMap((d) => ['-s', d]),
    ...board.openocd.configs.flatMap((f) => ['-f', f]),
    ...commands.flatMap((c) => ['-c', c]),
    // `shutdown` before `init`: configs are parsed, no adapter is opened, no port is bound.
    '-c',
    'shutdown',
  ];
  const child = spawn(binary, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (c: Buffer) => (output += c.toString()));
  child.stderr.on('data', (c: Buffer) => (output += c.toString()));
  try {
    return await new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new OpenOcdUnavailableError(`${binary} did not exit within 10 s: ${output}`)), 10_000);
      child.on('error', (error) => {
        clearTimeout(timer);
        reject(new OpenOcdUnavailableError(`cannot run ${binary}: ${error.message}`, { cause: error }));
      });
      child.on('exit', (code) => {
        clearTimeout(timer);
        resolve({ code, output });
      });
    });
  } finally {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }
}

describe('smoke (placeholder until the virtual board lands): the selected board', () => {
  const choice = resolveBoardChoice();
  let board: BoardRecord;

  before(async () => {
    await labels({ epic: 'harness', feature: 'board inventory', severity: 'blocker' });
  });

  it('has a valid boards.json entry for an STM32H745 CM7 with a W25Q512JV at 0x90000000', async () => {
    board = await step('load boards file', () => findBoard(loadBoardsFile(choice.boardsFile), choice.boardId, choice.chosenBy), {
      file: choice.boardsFile,
      board: choice.boardId,
    });
    await parameter('board', board.id);
    expect(board.id).to.equal(choice.boardId);
    expect(board.target).to.deep.equal({ mcu: 'STM32H745', core: 'cm7' });
    expect(board.qspi.chip).to.equal('W25Q512JV');
    // W25Q512JV-IQ: manufacturer EFh (Winbond), memory type 40h, capacity 20h (512 Mbit).
    expect(board.qspi.jedecId).to.equal('ef4020');
    expect(board.qspi.base).to.equal(0x90000000);
    expect(board.kind === 'virtual').to.equal(board.virtual !== undefined);
  });

  it('its OpenOCD config files exist', () => {
    if (!board) board = findBoard(loadBoardsFile(choice.boardsFile), choice.boardId, choice.chosenBy);
    if (board.openocd.tclHost !== undefined) {
      // Attaches to an OpenOCD served elsewhere: nothing to find here, but it must say where.
      expect(board.openocd.tclPort).to.be.a('number');
      return;
    }
    expect(board.openocd.configs).to.have.length.above(0);
    // A missing file is a broken rig, not a board failure: BoardsFileError (no verdict).
    assertBoardFilesExist(board);
  });

  it('OpenOCD 0.12 accepts its configs and declares the QSPI flash bank named in boards.json', async function () {
    this.timeout(20_000);
    if (!board) board = findBoard(loadBoardsFile(choice.boardsFile), choice.boardId, choice.chosenBy);
    if (board.openocd.tclHost !== undefined) {
      expect(board.openocd.configs).to.be.an('array');
      return;
    }
    assertBoardFilesExist(board);
    const { code, output } = await step('openocd parses the board configs', () => openocdParse(board, [...board.openocd.commands, 'flash banks']));
    await attachText('openocd output', output);
    if (code !== 0) throw new OpenOcdUnavailableError(`openocd exited with ${code} while parsing ${board.openocd.configs.join(', ')}:\n${output}`);
    const bankLine = output.split('\n').find((line) =>
      typeof board.qspi.bank === 'number' ? line.startsWith(`#${board.qspi.bank} :`) : line.includes(` ${board.qspi.bank} (`),
    );
    expect(bankLine, `flash bank ${board.qspi.bank} in:\n${output}`).to.be.a('string');
    expect(bankLine).to.include('(stmqspi)');
    expect(bankLine).to.include(`at 0x${board.qspi.base.toString(16).padStart(8, '0')}`);
  });
});
