/**
 * `hil suite`: the main job. Runs the specs on the chosen board (as `hil test --specs-only`),
 * then builds the Allure report whatever the outcome, so a failing night still leaves its
 * evidence. The exit code is the suite's; a report that cannot be built on a passing run is
 * no verdict (nobody could review it).
 *
 * With several boards (`--board a,b`, `--all-boards`) it runs one child `hil test` per board, in
 * parallel: each takes its own board's lock and writes its own results sub-directory
 * (`<results-dir>/<board>/`); then their results are merged into `<results-dir>` itself
 * (report/merge-results.ts) and one report is built. The exit code is the worst outcome: 1 if a
 * board failed a check, else 2 if any board reached no verdict, else 0. The procedure under test
 * (--procedure / HIL_PROCEDURE) must exist on every one of the boards before any of them starts.
 */
import { spawn } from 'node:child_process';
import { rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { pathToFileURL } from 'node:url';
import { loadBoardsFile } from '../boards/load.js';
import { findBoard, REPO_ROOT, resolveBoardChoice } from '../boards/select.js';
import { ExitCode } from '../exit-codes.js';
import { mergeBoardResults } from '../report/merge-results.js';
import type { Command } from './command.js';
import { onInterrupt } from './interrupt.js';
import { readMochaRc } from './mocharc.js';
import { reportCommand } from './report-command.js';
import { formatSummary, noVerdictReason } from './run-suite.js';
import { chosenProcedure, parseTestArgs, testCommand } from './test-command.js';
import { UsageError } from './usage-error.js';

const usage = `usage: hil suite [--board id | --board a,b,... | --all-boards] [--boards file] [--procedure id]
                 [--grep pattern] [--results-dir dir] [--report-dir dir] [spec files...]

Runs the specs (default specs/**/*.spec.ts) on the board, then builds the Allure report from the
results of that run: --results-dir (default allure-results/) into --report-dir (default
allure-report/). The other options are those of \`hil test\`.
  --board a,b,...   several boards of the inventory: one run per board, in parallel, each
                    holding its board's lock and writing <results-dir>/<board>/; their results
                    are merged into <results-dir> and one report is built
  --all-boards      every board of the inventory (--boards / HIL_BOARDS), as above
  --procedure <id>  programming procedure the specs put under test (default: HIL_PROCEDURE, else
                    openocd-plan); see boards.json procedures. With several boards, every one
                    must have it
exit code: 0 all checks passed, 1 a board failed a check, 2 no verdict (on any board; or no report)`;

export const suiteCommand: Command = {
  summary: 'the main job: the specs on the board(s), then the Allure report',
  usage,
  async run(args) {
    if (args.includes('--help') || args.includes('-h')) {
      console.log(usage);
      return ExitCode.Passed;
    }
    const { reportDir, rest: afterReport } = takeReportDir(args);
    const { boards, allBoards, rest } = takeBoards(afterReport);
    if (allBoards || boards.length > 1) return runOnBoards({ boards, allBoards, reportDir, testArgs: rest });

    const testArgs = ['--specs-only', ...(boards.length === 1 ? ['--board', boards[0]!] : []), ...rest];
    const suiteCode = await testCommand.run(testArgs);
    // The report is built from the results this run wrote, wherever they went.
    const { resultsDir } = parseTestArgs(testArgs);
    const reportCode = await buildReport(resultsDir, reportDir);
    return suiteCode === ExitCode.Passed && reportCode !== ExitCode.Passed ? ExitCode.NoVerdict : suiteCode;
  },
};

async function buildReport(resultsDir: string | undefined, reportDir: string | undefined): Promise<number> {
  try {
    return await reportCommand.run([
      ...(resultsDir !== undefined ? ['--results-dir', resultsDir] : []),
      ...(reportDir !== undefined ? ['--output', reportDir] : []),
    ]);
  } catch (error) {
    console.error(`hil suite: the report was not built: ${error instanceof Error ? error.message : String(error)}`);
    return ExitCode.NoVerdict;
  }
}

/** `--report-dir <dir>` (or `--report-dir=<dir>`) is the suite's own option; the rest goes to `hil test`. */
function takeReportDir(args: readonly string[]): { reportDir: string | undefined; rest: string[] } {
  const rest: string[] = [];
  let reportDir: string | undefined;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === '--report-dir' || arg.startsWith('--report-dir=')) {
      const value = arg === '--report-dir' ? args[++i] : arg.slice('--report-dir='.length);
      if (value === undefined || value.trim() === '') throw new UsageError('--report-dir needs a value', 'suite');
      reportDir = value;
    } else rest.push(arg);
  }
  return { reportDir, rest };
}

/** `--board a,b` (a comma list, or repeated) and `--all-boards`; the rest goes to `hil test`. */
export function takeBoards(args: readonly string[]): { boards: string[]; allBoards: boolean; rest: string[] } {
  const rest: string[] = [];
  const boards: string[] = [];
  let allBoards = false;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === '--all-boards') allBoards = true;
    else if (arg === '--board' || arg.startsWith('--board=')) {
      const value = arg === '--board' ? args[++i] : arg.slice('--board='.length);
      const ids = (value ?? '')
        .split(',')
        .map((id) => id.trim())
        .filter((id) => id !== '');
      if (ids.length === 0) throw new UsageError('--board needs a board id, or a comma list of them (--board a,b)', 'suite');
      boards.push(...ids);
    } else rest.push(arg);
  }
  const twice = boards.find((id, i) => boards.indexOf(id) !== i);
  if (twice !== undefined) throw new UsageError(`--board names ${twice} twice: a board runs once per suite`, 'suite');
  if (allBoards && boards.length > 0) throw new UsageError('--all-boards and --board exclude each other', 'suite');
  return { boards, allBoards, rest };
}

/** The worst outcome: a verdict failure anywhere, else no verdict anywhere, else passed. */
export function worstExitCode(codes: readonly (number | null)[]): ExitCode {
  if (codes.length === 0) return ExitCode.NoVerdict;
  if (codes.includes(ExitCode.VerdictFailed)) return ExitCode.VerdictFailed;
  // 2, a crash (any other code) or a signal (null): the board was not judged.
  if (codes.some((c) => c !== ExitCode.Passed)) return ExitCode.NoVerdict;
  return ExitCode.Passed;
}

const OUTCOME: Readonly<Record<number, string>> = {
  [ExitCode.Passed]: 'all checks passed',
  [ExitCode.VerdictFailed]: 'the board failed a check',
  [ExitCode.NoVerdict]: 'no verdict',
};

interface Counts {
  passed: number;
  failed: number;
  broken: number;
  skipped: number;
}

interface BoardRun {
  readonly board: string;
  readonly resultsDir: string;
  readonly exitCode: number | null;
  /** From the child's closing lines, if it printed them. */
  readonly counts: Counts | undefined;
  /** Its last lines of error output, for a run that wrote no results. */
  readonly errorTail: string;
}

async function runOnBoards(options: {
  boards: readonly string[];
  allBoards: boolean;
  reportDir: string | undefined;
  testArgs: readonly string[];
}): Promise<number> {
  const test = parseTestArgs(['--specs-only', ...options.testArgs]);
  if (test.help) throw new UsageError('--help goes alone', 'suite');
  const choice = resolveBoardChoice(test.boards !== undefined ? { boards: test.boards } : {});
  const inventory = loadBoardsFile(choice.boardsFile);
  // Every id is checked before any board starts: a typo must not cost a night on the others.
  const chosen = options.allBoards ? inventory.boards : options.boards.map((id) => findBoard(inventory, id, '--board'));
  // So is the procedure: every board must have it (the error names the first that lacks it).
  for (const board of chosen) chosenProcedure(board, test.procedure);
  const ids = chosen.map((b) => b.id);
  // The merge's stand-in results name the procedure as the boards' runs do (report/board-context.ts).
  if (test.procedure !== undefined) process.env.HIL_PROCEDURE = test.procedure;
  const mocharc = readMochaRc(resolve(REPO_ROOT, '.mocharc.json'));
  const resultsDir = test.resultsDir !== undefined ? resolve(test.resultsDir) : resolve(REPO_ROOT, mocharc.reporterOptions.resultsDir ?? 'allure-results');
  if (!test.keepResults) rmSync(resultsDir, { recursive: true, force: true });

  // Everything but the board choice and the results directory goes to each board's run as given
  // (HIL_PROCEDURE through the environment, --procedure as a flag).
  const shared = [
    ...(test.procedure !== undefined ? ['--procedure', test.procedure] : []),
    ...(test.grep !== undefined ? ['--grep', test.grep] : []),
    ...(test.keepResults ? ['--keep-results'] : []),
    ...test.files,
  ];
  console.log(`hil suite: ${ids.length} boards in parallel (${ids.join(', ')}), results in ${resultsDir}/<board>/, merged into ${resultsDir}`);
  const runs = await Promise.all(
    ids.map((board) =>
      runBoard(board, join(resultsDir, board), [
        'test',
        '--specs-only',
        '--board',
        board,
        '--boards',
        choice.boardsFile,
        '--results-dir',
        join(resultsDir, board),
        ...shared,
      ]),
    ),
  );

  const merged = mergeBoardResults(
    resultsDir,
    runs.map((run) => ({
      board: run.board,
      dir: run.resultsDir,
      outcome: outcomeText(run.exitCode),
      ...(run.errorTail !== '' ? { noResultsReason: run.errorTail } : {}),
    })),
  );
  const reportCode = await buildReport(resultsDir, options.reportDir);

  const total: Counts = { passed: 0, failed: 0, broken: 0, skipped: 0 };
  for (const run of runs) {
    const stood = merged.find((m) => m.board === run.board)?.standIn === true;
    const counts = run.counts ?? { passed: 0, failed: stood ? 1 : 0, broken: stood ? 1 : 0, skipped: 0 };
    for (const key of Object.keys(total) as (keyof Counts)[]) total[key] += counts[key];
    const line = `board ${run.board}: exit ${run.exitCode ?? 'by signal'} (${outcomeText(run.exitCode)}): ${counts.passed} passed, ${counts.failed} failed (${counts.broken} broken), ${counts.skipped} skipped`;
    console.log(stood ? `${line}; it wrote no test result, a broken one stands for it in the report` : line);
  }
  const code = worstExitCode(runs.map((r) => r.exitCode));
  const reason = noVerdictReason(total);
  if (reason !== undefined) console.log(reason);
  for (const line of formatSummary(total)) console.log(line);
  return code === ExitCode.Passed && reportCode !== ExitCode.Passed ? ExitCode.NoVerdict : code;
}

function outcomeText(code: number | null): string {
  return code === null ? 'ended by a signal: no verdict' : (OUTCOME[code] ?? `exit ${code}: no verdict`);
}

/** One board's `hil test` in a child process, its output prefixed with the board id. */
async function runBoard(board: string, resultsDir: string, args: readonly string[]): Promise<BoardRun> {
  const tsx = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
  const cli = join(REPO_ROOT, 'harness', 'cli.ts');
  const env = { ...process.env };
  // The flag names the board; a HIL_BOARD from the caller would only confuse the report.
  delete env.HIL_BOARD;
  const child = spawn(process.execPath, ['--import', tsx, cli, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  const lines: string[] = [];
  const errors: string[] = [];
  const prefix = `[${board}] `;
  createInterface({ input: child.stdout }).on('line', (line) => {
    lines.push(line);
    console.log(prefix + line);
  });
  createInterface({ input: child.stderr }).on('line', (line) => {
    errors.push(line);
    if (errors.length > 20) errors.shift();
    console.error(prefix + line);
  });
  // Ctrl-C: each child closes its sessions (OpenOCD, virtual board) and releases its lock.
  const dispose = onInterrupt(async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGINT');
    await new Promise((r) => child.once('exit', r));
  });
  const exitCode = await new Promise<number | null>((resolveExit) => {
    child.once('error', (error) => {
      errors.push(`cannot start hil test: ${error.message}`);
      resolveExit(ExitCode.NoVerdict);
    });
    child.once('close', (code) => resolveExit(code));
  });
  dispose();
  return { board, resultsDir, exitCode, counts: parseCounts(lines), errorTail: errors.slice(-5).join('\n') };
}

/** The counts from a run's closing lines (`broken: N`, `suite: P passed, F failed, S skipped`). */
export function parseCounts(lines: readonly string[]): Counts | undefined {
  let broken: number | undefined;
  let suite: RegExpExecArray | null = null;
  for (const line of lines) {
    const b = /^broken: (\d+)$/.exec(line);
    if (b) broken = Number(b[1]);
    suite = /^suite: (\d+) passed, (\d+) failed, (\d+) skipped$/.exec(line) ?? suite;
  }
  if (suite === null) return undefined;
  return { passed: Number(suite[1]), failed: Number(suite[2]), broken: broken ?? 0, skipped: Number(suite[3]) };
}
