/**
 * Errors of the board inventory. All are "no verdict": a bad boards file or a busy board keeps
 * the harness from judging the board at all.
 */
import { NoVerdictError } from '../exit-codes.js';

/** One thing wrong in a boards file. */
export interface BoardsProblem {
  /** JSONPath of the bad value, e.g. `$.boards[1].qspi.base`; `$` for the whole file. */
  readonly jsonPath: string;
  /** The id of the board entry the value sits in, when known. */
  readonly boardId?: string;
  /** What is wrong, e.g. "must be integer". */
  readonly problem: string;
  /** What was expected there, from the schema's description. */
  readonly expected?: string;
  /** Line and column (1-based), for JSON syntax errors. */
  readonly line?: number;
  readonly column?: number;
}

export function formatProblem(p: BoardsProblem): string {
  const where = p.line !== undefined ? `line ${p.line} column ${p.column ?? 0}` : p.jsonPath;
  const board = p.boardId !== undefined ? `board "${p.boardId}" ` : '';
  const expected = p.expected !== undefined ? ` (expected: ${p.expected})` : '';
  return `${board}at ${where}: ${p.problem}${expected}`;
}

export class BoardsFileError extends NoVerdictError {
  constructor(
    readonly file: string,
    readonly problems: readonly BoardsProblem[],
    options?: { cause?: unknown },
  ) {
    super(
      problems.length === 1
        ? `boards file ${file}: ${formatProblem(problems[0]!)}`
        : `boards file ${file} has ${problems.length} problems:\n${problems.map((p) => `  - ${formatProblem(p)}`).join('\n')}`,
      options,
    );
  }
}

export class UnknownBoardError extends NoVerdictError {
  constructor(
    readonly file: string,
    readonly boardId: string,
    readonly knownIds: readonly string[],
    /** Where the id came from: `--board`, `HIL_BOARD` or the default. */
    readonly chosenBy: string,
  ) {
    super(`unknown board "${boardId}" (from ${chosenBy}) in ${file}; known boards: ${knownIds.join(', ')}`);
  }
}

export interface LockHolder {
  readonly pid: number;
  /** ISO time the holder took the lock. */
  readonly since: string;
  readonly command: string;
  readonly host: string;
}

export class BoardBusyError extends NoVerdictError {
  constructor(
    readonly boardId: string,
    readonly holder: LockHolder,
    readonly lockFile: string,
  ) {
    super(`board ${boardId} is in use by pid ${holder.pid} (since ${holder.since}, running: ${holder.command}; lock file ${lockFile})`);
  }
}

/** The lock file exists but cannot be read, parsed, or taken over. */
export class BoardLockError extends NoVerdictError {
  constructor(
    readonly boardId: string,
    readonly lockFile: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(`board ${boardId}: lock file ${lockFile}: ${message}`, options);
  }
}
