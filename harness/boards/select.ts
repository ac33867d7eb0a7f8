/**
 * Which board a run uses: `--board <id>` over `HIL_BOARD` over the default `virtual-h745`;
 * which inventory: `--boards <file>` over `HIL_BOARDS` over `boards.json` at the repo root.
 */
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { UnknownBoardError } from './errors.js';
import { assertBoardFilesExist, loadBoardsFile } from './load.js';
import type { BoardInventory, BoardRecord } from './types.js';

export const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url)).replace(/\/$/, '');
export const DEFAULT_BOARDS_FILE = resolve(REPO_ROOT, 'boards.json');
export const DEFAULT_BOARD_ID = 'virtual-h745';

export interface BoardChoiceOptions {
  /** `--board` value, if given. */
  readonly board?: string;
  /** `--boards` value, if given (relative to the working directory). */
  readonly boards?: string;
  /** Environment to read HIL_BOARD / HIL_BOARDS from; process.env by default. */
  readonly env?: NodeJS.ProcessEnv;
}

export interface BoardChoice {
  readonly boardsFile: string;
  readonly boardId: string;
  /** Where the id came from, for messages: "--board", "HIL_BOARD" or "default". */
  readonly chosenBy: '--board' | 'HIL_BOARD' | 'default';
}

export function resolveBoardChoice(options: BoardChoiceOptions = {}): BoardChoice {
  const env = options.env ?? process.env;
  const boardsFlag = nonEmpty(options.boards) ?? nonEmpty(env.HIL_BOARDS);
  const boardsFile = boardsFlag !== undefined ? resolve(boardsFlag) : DEFAULT_BOARDS_FILE;
  const flag = nonEmpty(options.board);
  if (flag !== undefined) return { boardsFile, boardId: flag, chosenBy: '--board' };
  const fromEnv = nonEmpty(env.HIL_BOARD);
  if (fromEnv !== undefined) return { boardsFile, boardId: fromEnv, chosenBy: 'HIL_BOARD' };
  return { boardsFile, boardId: DEFAULT_BOARD_ID, chosenBy: 'default' };
}

/** Find a board by id in a loaded inventory, or fail listing the known ids. */
export function findBoard(inventory: BoardInventory, boardId: string, chosenBy = 'argument'): BoardRecord {
  const board = inventory.boards.find((b) => b.id === boardId);
  if (!board)
    throw new UnknownBoardError(
      inventory.file,
      boardId,
      inventory.boards.map((b) => b.id),
      chosenBy,
    );
  return board;
}

export interface SelectedBoard {
  readonly choice: BoardChoice;
  readonly inventory: BoardInventory;
  readonly board: BoardRecord;
}

/**
 * Load the chosen inventory and pick the chosen board. Its referenced files (OpenOCD configs,
 * search dirs) must exist; other boards' files are not checked, so a missing config of a board
 * nobody uses does not stop a run.
 */
export function selectBoard(options: BoardChoiceOptions = {}): SelectedBoard {
  const choice = resolveBoardChoice(options);
  const inventory = loadBoardsFile(choice.boardsFile);
  const board = findBoard(inventory, choice.boardId, choice.chosenBy);
  assertBoardFilesExist(board);
  return { choice, inventory, board };
}

function nonEmpty(value: string | undefined): string | undefined {
  return value !== undefined && value.trim() !== '' ? value : undefined;
}
