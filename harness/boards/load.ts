/**
 * Loading a boards file (boards.json): read it, parse it with line and column for syntax errors
 * (json-text.ts), check its shape against the schema (boards-schema.ts) and then the rules a
 * schema cannot say (board-rules.ts), and return behaviour-free records (board-record.ts). Every
 * error names the file, the board id when known, the JSONPath of the bad value and what was
 * expected there. Files a board refers to are checked apart, for the chosen board only, so one
 * board's missing config does not keep the others from running.
 */
import { readFileSync, statSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import { toBoardRecord, type RawBoard } from './board-record.js';
import { boardRuleProblems } from './board-rules.js';
import { checkBoardsSchema } from './boards-schema.js';
import { BoardsFileError } from './errors.js';
import type { BoardsProblem } from './errors.js';
import { parseJsonText } from './json-text.js';
import type { BoardInventory, BoardRecord } from './types.js';

/** Read, parse and validate a boards file. Referenced files are checked by `findMissingFiles`. */
export function loadBoardsFile(path: string): BoardInventory {
  const file = resolve(path);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const problem = code === 'ENOENT' ? 'file does not exist' : code === 'EISDIR' ? 'is a directory, not a file' : `cannot be read (${code ?? String(error)})`;
    throw new BoardsFileError(file, [{ jsonPath: '$', problem, expected: 'a JSON boards file (see harness/boards/boards.schema.json)' }], {
      cause: error,
    });
  }

  const parsed = parseJsonText(text);
  if ('syntax' in parsed) {
    const { message, line, column } = parsed.syntax;
    throw new BoardsFileError(file, [{ jsonPath: '$', line, column, problem: `not valid JSON: ${message}` }]);
  }
  const data = parsed.value;

  const shape = checkBoardsSchema(data);
  if (shape.length > 0) throw new BoardsFileError(file, shape);
  const raw = (data as { boards: RawBoard[] }).boards;
  const broken = boardRuleProblems(raw);
  if (broken.length > 0) throw new BoardsFileError(file, broken);

  return { file, boards: raw.map((board, index) => toBoardRecord(board, index, file)) };
}

/** Referenced files of one board that do not exist: configs, search dirs, a binary given by path. */
export function findMissingFiles(board: BoardRecord): BoardsProblem[] {
  const problems: BoardsProblem[] = [];
  const at = board.source.jsonPath;
  const expectKind = (path: string, jsonPath: string, want: 'file' | 'directory'): void => {
    let found: 'file' | 'directory' | 'other' | undefined;
    try {
      const st = statSync(path);
      found = st.isFile() ? 'file' : st.isDirectory() ? 'directory' : 'other';
    } catch {
      found = undefined;
    }
    if (found === want) return;
    problems.push({
      jsonPath,
      boardId: board.id,
      problem: found === undefined ? `${want} does not exist: ${path}` : `is a ${found}, not a ${want}: ${path}`,
      expected: `a path relative to the boards file (${dirname(board.source.file)})`,
    });
  };
  board.openocd.configs.forEach((cfg, i) => expectKind(cfg, `${at}.openocd.configs[${i}]`, 'file'));
  board.openocd.searchDirs.forEach((dir, i) => expectKind(dir, `${at}.openocd.searchDirs[${i}]`, 'directory'));
  if (board.openocd.binary !== undefined && isAbsolute(board.openocd.binary)) {
    expectKind(board.openocd.binary, `${at}.openocd.binary`, 'file');
  }
  return problems;
}

/** Throws a BoardsFileError listing every referenced file of `board` that is missing. */
export function assertBoardFilesExist(board: BoardRecord): void {
  const missing = findMissingFiles(board);
  if (missing.length > 0) throw new BoardsFileError(board.source.file, missing);
}
