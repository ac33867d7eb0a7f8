/**
 * One Allure results directory from several boards' (`hil suite --board a,b`, or a CI job that
 * downloaded every board host's results). Allure reads the files directly inside one directory,
 * so each board's files are linked (or copied) in beside each other: their names are UUIDs, and
 * every result already names its board (the `board` parameter, part of its historyId, and its
 * parentSuite), so nothing collapses. The run-level files are merged: categories.json as the
 * union by name (first definition wins), environment.properties with the keys all boards agree
 * on once and the others once per board as `<key> (<board>)`. A board that wrote no test result
 * at all (busy, a bad config, a crash before mocha ran) gets one broken result naming it, so it
 * cannot vanish from the report.
 */
import { copyFileSync, existsSync, linkSync, mkdirSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { Stage, Status } from 'allure-js-commons';
import type { Category } from 'allure-js-commons/sdk';
import { FileSystemWriter, ReporterRuntime } from 'allure-js-commons/sdk/reporter';
import { NoVerdictError } from '../exit-codes.js';
import { applyBoardContext } from './board-context.js';
import { HIL_CATEGORIES, writeCategories, writeEnvironmentProperties } from './results-files.js';
import { readEnvironmentProperties } from './run-environment.js';

export interface BoardResultsDir {
  readonly board: string;
  /** The board's own results directory (files directly inside it, as allure-mocha writes them). */
  readonly dir: string;
  /** One line for the environment panel, e.g. "exit 1: the board failed a check". */
  readonly outcome?: string;
  /** Why a board without results reached none (the last lines its run printed). */
  readonly noResultsReason?: string;
}

export interface MergedBoard {
  readonly board: string;
  /** Test results (`*-result.json`) the board contributed, a stand-in for a missing run included. */
  readonly results: number;
  /** True when the board wrote none and the merge wrote a broken result for it. */
  readonly standIn: boolean;
}

const RUN_FILES = new Set(['environment.properties', 'categories.json']);

export class ResultsMergeError extends NoVerdictError {}

/** Merges every board's results into `target` (created if needed); returns what each board gave. */
export function mergeBoardResults(target: string, boards: readonly BoardResultsDir[]): MergedBoard[] {
  const merged: MergedBoard[] = [];
  const categories: Category[] = [];
  const environments: { board: string; env: Record<string, string>; outcome?: string }[] = [];
  mkdirSync(target, { recursive: true });
  for (const board of boards) {
    let results = 0;
    const files = existsSync(board.dir) ? readdirSync(board.dir).filter((f) => statSync(join(board.dir, f)).isFile()) : [];
    for (const file of files) {
      if (RUN_FILES.has(file)) continue;
      const to = join(target, file);
      if (existsSync(to)) throw new ResultsMergeError(`results of board ${board.board}: ${file} is already in ${target} (a second copy of the same run?)`);
      linkOrCopy(join(board.dir, file), to);
      if (file.endsWith('-result.json')) results++;
    }
    if (files.includes('categories.json')) {
      for (const c of JSON.parse(readFileSync(join(board.dir, 'categories.json'), 'utf8')) as Category[]) {
        if (!categories.some((known) => known.name === c.name)) categories.push(c);
      }
    }
    environments.push({ board: board.board, env: readEnvironmentProperties(board.dir), ...(board.outcome !== undefined ? { outcome: board.outcome } : {}) });
    const standIn = results === 0;
    if (standIn) writeNoResultsStandIn(target, board);
    merged.push({ board: board.board, results: standIn ? 1 : results, standIn });
  }
  writeCategories(target, categories.length > 0 ? categories : HIL_CATEGORIES);
  writeEnvironmentProperties(target, mergeEnvironments(environments));
  return merged;
}

/**
 * Keys every board reports with the same value stay as they are; the rest become one entry per
 * board. `board` itself becomes `boards` (the list), and each board's outcome is added.
 */
export function mergeEnvironments(boards: readonly { board: string; env: Readonly<Record<string, string>>; outcome?: string }[]): Record<string, string> {
  const out: Record<string, string> = { boards: boards.map((b) => b.board).join(', ') };
  const keys = [...new Set(boards.flatMap((b) => Object.keys(b.env)))].filter((k) => k !== 'board');
  for (const key of keys) {
    const values = boards.map((b) => b.env[key]);
    if (values.every((v) => v !== undefined && v === values[0])) out[key] = values[0]!;
    else boards.forEach((b, i) => values[i] !== undefined && (out[`${key} (${b.board})`] = values[i]));
  }
  for (const b of boards) if (b.outcome !== undefined) out[`outcome (${b.board})`] = b.outcome;
  return out;
}

function linkOrCopy(from: string, to: string): void {
  try {
    // Results can be large (OpenOCD logs, pictures): a hard link costs nothing.
    linkSync(from, to);
  } catch {
    copyFileSync(from, to);
  }
}

/** A broken result standing for a board whose run wrote none: its fullName is stable, for history. */
function writeNoResultsStandIn(target: string, board: BoardResultsDir): void {
  const runtime = new ReporterRuntime({ writer: new FileSystemWriter({ resultsDir: target }) });
  const uuid = runtime.startTest({
    name: `board ${board.board}: no test ran, no verdict`,
    fullName: `hil suite: board ${board.board} > run`,
    stage: Stage.FINISHED,
    status: Status.BROKEN,
    statusDetails: { message: `the run on board ${board.board} wrote no test result: ${board.noResultsReason ?? board.outcome ?? 'no output'}` },
    labels: [],
  });
  runtime.updateTest(uuid, (result) => applyBoardContext(result, { board: board.board }, ['hil suite']));
  runtime.stopTest(uuid);
  runtime.writeTest(uuid);
}
