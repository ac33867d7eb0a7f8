/**
 * `hil test`: run unit tests and/or specs with mocha in this process, report to Allure, print
 * `broken: N` and `suite: P passed, F failed, S skipped` last, exit 0 / 1 / 2 (exit-codes.ts).
 *
 * When specs run, the board is chosen (--board / HIL_BOARD / virtual-h745 from --boards /
 * HIL_BOARDS / boards.json), validated and locked for the whole run before any file loads; the
 * choice is passed to the specs through HIL_BOARD / HIL_BOARDS. So is the programming procedure the
 * specs put under test (--procedure / HIL_PROCEDURE / openocd-plan): checked against the board's
 * procedures before anything runs, then passed through HIL_PROCEDURE. The board's referenced files
 * (OpenOCD configs) are the specs' concern, so a board that cannot be brought up is reported as
 * broken specs while unit tests still run.
 */
import { existsSync } from 'node:fs';
import { hostname } from 'node:os';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { ExitCode } from '../exit-codes.js';
import { acquireBoardLock, lockKeyFor } from '../boards/lock.js';
import type { BoardLock } from '../boards/lock.js';
import { loadBoardsFile } from '../boards/load.js';
import { findBoard, REPO_ROOT, resolveBoardChoice } from '../boards/select.js';
import type { BoardRecord, ProcedureSpec } from '../boards/types.js';
import { findProcedure, procedureChoice } from '../procedures/procedure.js';
import type { EnvironmentInfo } from '../report/results-files.js';
import type { Command } from './command.js';
import { expandGlobs, hasGlobChars } from './glob.js';
import { readMochaRc } from './mocharc.js';
import { formatSummary, noVerdictReason, runSuite } from './run-suite.js';
import { UsageError, usageErrorFrom } from './usage-error.js';

export const UNIT_TEST_GLOBS = ['harness/**/*.test.ts', 'fixtures/**/*.test.ts'] as const;
export const SPEC_GLOBS = ['specs/**/*.spec.ts'] as const;

const usage = `usage: hil test [--unit-only | --specs-only] [--board <id>] [--boards <file>] [--procedure <id>]
                [--grep <pattern>] [--results-dir <dir>] [--keep-results] [files or globs...]

Runs unit tests (${UNIT_TEST_GLOBS.join(', ')}) and specs (${SPEC_GLOBS.join(', ')}),
or the given files (globs are expanded here, relative to the working directory).
  --unit-only        only the unit tests
  --specs-only       only the specs
  --board <id>       board for the specs (default: HIL_BOARD, else virtual-h745)
  --boards <file>    board inventory (default: HIL_BOARDS, else boards.json at the repo root)
  --procedure <id>   programming procedure the specs put under test (default: HIL_PROCEDURE,
                     else openocd-plan); see boards.json procedures
  --grep <pattern>   only tests whose full title matches
  --results-dir <d>  Allure results directory (default: the one in .mocharc.json, allure-results/)
  --keep-results     keep earlier results in that directory (default: start empty)
Exit code: 0 all passed, 1 the board failed a check, 2 no verdict (bad input, broken harness).`;

interface TestArgs {
  readonly unitOnly: boolean;
  readonly specsOnly: boolean;
  readonly board?: string;
  readonly boards?: string;
  readonly procedure?: string;
  readonly grep?: string;
  readonly resultsDir?: string;
  readonly keepResults: boolean;
  readonly files: readonly string[];
  readonly help: boolean;
}

export function parseTestArgs(args: readonly string[]): TestArgs {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...args],
      options: {
        'unit-only': { type: 'boolean' },
        'specs-only': { type: 'boolean' },
        board: { type: 'string' },
        boards: { type: 'string' },
        procedure: { type: 'string' },
        grep: { type: 'string' },
        'results-dir': { type: 'string' },
        'keep-results': { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
      allowPositionals: true,
    });
  } catch (error) {
    throw usageErrorFrom(error, 'test');
  }
  const v = parsed.values;
  if (v['unit-only'] && v['specs-only']) throw new UsageError('--unit-only and --specs-only exclude each other', 'test');
  for (const key of ['board', 'boards', 'procedure', 'grep', 'results-dir'] as const) {
    if (v[key] !== undefined && v[key].trim() === '') throw new UsageError(`--${key} needs a value`, 'test');
  }
  return {
    unitOnly: v['unit-only'] === true,
    specsOnly: v['specs-only'] === true,
    ...(v.board !== undefined ? { board: v.board } : {}),
    ...(v.boards !== undefined ? { boards: v.boards } : {}),
    ...(v.procedure !== undefined ? { procedure: v.procedure } : {}),
    ...(v.grep !== undefined ? { grep: v.grep } : {}),
    ...(v['results-dir'] !== undefined ? { resultsDir: v['results-dir'] } : {}),
    keepResults: v['keep-results'] === true,
    files: parsed.positionals,
    help: v.help === true,
  };
}

/** The test files to run: the given ones (relative to cwd), else the default globs. */
export function testFiles(args: Pick<TestArgs, 'unitOnly' | 'specsOnly' | 'files'>, cwd: string): string[] {
  if (args.files.length > 0) {
    for (const file of args.files) {
      if (!hasGlobChars(file) && !existsSync(resolve(cwd, file))) throw new UsageError(`no such test file: ${file}`, 'test');
    }
    return expandGlobs(args.files, cwd);
  }
  const patterns = [...(args.specsOnly ? [] : UNIT_TEST_GLOBS), ...(args.unitOnly ? [] : SPEC_GLOBS)];
  return expandGlobs(patterns, REPO_ROOT);
}

export const testCommand: Command = {
  summary: 'run unit tests and specs (on the virtual board unless --board says otherwise)',
  usage,
  async run(argv) {
    const args = parseTestArgs(argv);
    if (args.help) {
      console.log(usage);
      return ExitCode.Passed;
    }
    const files = testFiles(args, process.cwd());
    if (files.length === 0) {
      console.error('hil test: no test files matched');
      return ExitCode.NoVerdict;
    }
    const mocharc = readMochaRc(resolve(REPO_ROOT, '.mocharc.json'));
    const resultsDir = args.resultsDir !== undefined ? resolve(args.resultsDir) : resolve(REPO_ROOT, mocharc.reporterOptions.resultsDir ?? 'allure-results');

    const environment: Record<string, string | undefined> = {
      'node.version': process.version,
      host: hostname(),
      // A flag outranks the variable: the variable it overrode is not what ran.
      ...specOverrides(process.env, [
        ...(args.board !== undefined ? ['HIL_BOARD'] : []),
        ...(args.boards !== undefined ? ['HIL_BOARDS'] : []),
        ...(args.procedure !== undefined ? ['HIL_PROCEDURE'] : []),
      ]),
    };
    // Unit tests that start a board read the choice too; an explicit flag always wins.
    if (args.board !== undefined) process.env.HIL_BOARD = args.board;
    if (args.boards !== undefined) process.env.HIL_BOARDS = resolve(args.boards);
    if (args.procedure !== undefined) process.env.HIL_PROCEDURE = args.procedure;
    let lock: BoardLock | undefined;
    let runBoard: string | undefined;
    if (files.some((f) => f.endsWith('.spec.ts'))) {
      const choice = resolveBoardChoice({
        ...(args.board !== undefined ? { board: args.board } : {}),
        ...(args.boards !== undefined ? { boards: args.boards } : {}),
      });
      const board = findBoard(loadBoardsFile(choice.boardsFile), choice.boardId, choice.chosenBy);
      // Bad input (exit 2) before the board is locked or any file loads.
      const procedure = chosenProcedure(board, args.procedure);
      // Fails at once when another run holds the board.
      lock = acquireBoardLock(board.id, { key: lockKeyFor(board), command: `hil test ${argv.join(' ')}`.trim() });
      // The specs read the same choice.
      process.env.HIL_BOARD = board.id;
      process.env.HIL_BOARDS = choice.boardsFile;
      process.env.HIL_PROCEDURE = procedure.id;
      runBoard = board.id;
      Object.assign(environment, {
        board: board.id,
        'board.kind': board.kind,
        'board.description': board.description,
        'board.boardsFile': choice.boardsFile,
        'board.mcu': `${board.target.mcu} ${board.target.core}`,
        'board.qspi': `${board.qspi.chip} (JEDEC ${board.qspi.jedecId}) at 0x${board.qspi.base.toString(16)}`,
        'openocd.configs': board.openocd.configs.join(' '),
        ...procedureEnvironment(procedure),
      } satisfies EnvironmentInfo);
    }

    try {
      const summary = await runSuite({
        files,
        resultsDir,
        cleanResults: !args.keepResults,
        mocha: mocharc,
        environment,
        ...(args.grep !== undefined ? { grep: args.grep } : {}),
        ...(runBoard !== undefined ? { board: runBoard } : {}),
      });
      for (const failure of summary.failures.filter((f) => f.kind === 'broken')) {
        console.log(`broken: ${failure.title}: ${failure.message.split('\n')[0]}`);
      }
      const reason = noVerdictReason(summary);
      if (reason !== undefined) console.log(reason);
      for (const line of formatSummary(summary)) console.log(line);
      return summary.exitCode;
    } finally {
      lock?.release();
    }
  },
};

/**
 * The procedure the specs put under test on `board`: `flag` (--procedure), else HIL_PROCEDURE in
 * `env`, else openocd-plan. A board without it is bad input: UnknownProcedureError (exit 2) names
 * the board, the id, where it came from and the board's procedure ids.
 */
export function chosenProcedure(board: BoardRecord, flag: string | undefined, env: NodeJS.ProcessEnv = process.env): ProcedureSpec {
  const { id, chosenBy } = procedureChoice(flag, env);
  return findProcedure(board, id, chosenBy);
}

/** The report environment's lines for the procedure under test: its id, its kind and, for a command, its argv. */
export function procedureEnvironment(procedure: ProcedureSpec): EnvironmentInfo {
  return {
    procedure: procedure.id,
    'procedure.kind': procedure.kind,
    ...(procedure.kind === 'command' ? { 'procedure.argv': procedure.argv.join(' ') } : {}),
  };
}

/** Set by the runner for the specs, not by a person: not an override. */
const RUNNER_VARIABLES = new Set(['HIL_ALLURE_RESULTS_DIR']);

/**
 * Every `HIL_*` variable set (the matrix, the time scale, another bootloader, the board, the lock
 * directory...) as a report environment entry `override.<name>`: a narrowed or redirected run
 * must say so where a reviewer reads its green. `ignore`: variables a command-line flag overrode.
 */
export function specOverrides(env: NodeJS.ProcessEnv, ignore: readonly string[] = []): Record<string, string> {
  const overrides: Record<string, string> = {};
  for (const [name, value] of Object.entries(env)) {
    if (value === undefined || value === '' || !name.startsWith('HIL_') || RUNNER_VARIABLES.has(name) || ignore.includes(name)) continue;
    overrides[`override.${name}`] = value;
  }
  return overrides;
}
