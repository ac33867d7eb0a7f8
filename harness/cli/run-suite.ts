/**
 * Run mocha in this process (already under tsx, so .ts files load) with the allure-mocha
 * reporter plus the console reporter, and sort every failure into a verdict (a chai assertion
 * about the board) or broken (anything that kept the harness from deciding). The caller prints
 * `formatSummary` last and exits with `summary.exitCode`.
 */
import { rmSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import Mocha from 'mocha';
import { classifyFailure, exitCodeFor, NoVerdictError } from '../exit-codes.js';
import type { ExitCode, FailureKind } from '../exit-codes.js';
import { HilAllureReporter, RUN_BOARD_OPTION } from '../report/hil-allure-reporter.js';
import { writeCategories, writeEnvironmentProperties } from '../report/results-files.js';
import type { EnvironmentInfo } from '../report/results-files.js';
import type { RunnerMochaOptions } from './mocharc.js';

export interface SuiteOptions {
  /** Absolute paths of the test files, in order. */
  readonly files: readonly string[];
  /** Allure results directory (environment.properties and categories.json are written there). */
  readonly resultsDir: string;
  /** Remove earlier results first, so a report shows this run only. */
  readonly cleanResults: boolean;
  readonly mocha: RunnerMochaOptions;
  readonly environment?: EnvironmentInfo;
  /** Only tests whose full title matches. */
  readonly grep?: string;
  /** The board the specs run on: every spec result names it (report/board-context.ts). */
  readonly board?: string;
}

export interface FailureRecord {
  readonly title: string;
  readonly kind: FailureKind;
  readonly message: string;
}

export interface SuiteSummary {
  readonly passed: number;
  /** Verdict failures plus broken ones. */
  readonly failed: number;
  readonly broken: number;
  readonly skipped: number;
  readonly failures: readonly FailureRecord[];
  readonly exitCode: ExitCode;
}

/** A test file failed to load (syntax error, missing import): nothing was judged. */
export class SuiteLoadError extends NoVerdictError {
  constructor(cause: unknown) {
    super(`test files failed to load: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
  }
}

export async function runSuite(options: SuiteOptions): Promise<SuiteSummary> {
  if (options.cleanResults) rmSync(options.resultsDir, { recursive: true, force: true });
  // Written first, so even a run that dies half-way leaves a readable report.
  writeEnvironmentProperties(options.resultsDir, options.environment ?? {});
  writeCategories(options.resultsDir);
  // Specs add what their sessions learn (OpenOCD version, JEDEC id) to the same file (report/evidence.ts).
  process.env.HIL_ALLURE_RESULTS_DIR = options.resultsDir;

  const reporterOptions: Record<string, string> = { ...options.mocha.reporterOptions };
  const allure = options.mocha.reporter === 'allure-mocha';
  if (allure) reporterOptions.resultsDir = options.resultsDir;
  if (allure && options.board !== undefined) reporterOptions[RUN_BOARD_OPTION] = options.board;
  const mocha = new Mocha({
    ui: 'bdd',
    // allure-mocha, with the status of each failure set by the verdict/broken rule.
    reporter: allure ? HilAllureReporter : options.mocha.reporter,
    reporterOptions,
    ...(options.mocha.timeout !== undefined ? { timeout: options.mocha.timeout } : {}),
    ...(options.mocha.slow !== undefined ? { slow: options.mocha.slow } : {}),
    ...(options.mocha.retries !== undefined ? { retries: options.mocha.retries } : {}),
    ...(options.mocha.bail ? { bail: true } : {}),
    ...(options.grep !== undefined ? { grep: options.grep } : {}),
  });
  try {
    await loadWithImport(mocha, options.files);
  } catch (error) {
    throw new SuiteLoadError(error);
  }

  let passed = 0;
  let skipped = 0;
  const failures: FailureRecord[] = [];
  await new Promise<void>((resolve) => {
    const runner = mocha.run(() => resolve());
    runner.on(Mocha.Runner.constants.EVENT_TEST_PASS, () => passed++);
    runner.on(Mocha.Runner.constants.EVENT_TEST_PENDING, () => skipped++);
    // Hook failures arrive here too (with the hook as runnable): a `before` that cannot bring
    // the board up is one broken entry, its tests never ran.
    runner.on(Mocha.Runner.constants.EVENT_TEST_FAIL, (runnable: Mocha.Runnable, error: unknown) => {
      failures.push({
        title: runnable.fullTitle(),
        kind: classifyFailure(error),
        message: error instanceof Error ? error.message : String(error),
      });
    });
  });
  mocha.dispose();

  const broken = failures.filter((f) => f.kind === 'broken').length;
  const counts = { passed, failed: failures.length, broken, skipped };
  return { ...counts, failures, exitCode: exitCodeFor(counts) };
}

/**
 * Why a run without failures still reached no verdict, or undefined: nothing passed means
 * nothing was judged, whether no test ran or every test was skipped (exitCodeFor gives 2).
 */
export function noVerdictReason(summary: Pick<SuiteSummary, 'passed' | 'failed' | 'skipped'>): string | undefined {
  if (summary.passed > 0 || summary.failed > 0) return undefined;
  if (summary.skipped > 0) return `no verdict: every test was skipped (${summary.skipped}); nothing was judged on this board`;
  return 'no verdict: no test ran (check the files and --grep)';
}

/**
 * The closing lines: `broken: N`, then `suite: P passed, F failed, S skipped` (broken ones are
 * counted in failed). Nightly jobs grep the last line.
 */
export function formatSummary(summary: Pick<SuiteSummary, 'passed' | 'failed' | 'broken' | 'skipped'>): string[] {
  return [`broken: ${summary.broken}`, `suite: ${summary.passed} passed, ${summary.failed} failed, ${summary.skipped} skipped`];
}

/**
 * Loads the test files with `import()`, as mocha's own loader would announce them (pre-require,
 * require, post-require). Mocha 12 on a Node with require(esm) loads them with `require()`,
 * which under tsx gives the files a second copy of every harness module beside the one this
 * command runs on: two lock tables, two signal handlers, two board-kind registries. Importing
 * keeps specs, their sessions and this runner on one module graph.
 */
async function loadWithImport(mocha: Mocha, files: readonly string[]): Promise<void> {
  const { EVENT_FILE_PRE_REQUIRE, EVENT_FILE_REQUIRE, EVENT_FILE_POST_REQUIRE } = Mocha.Suite.constants;
  for (const file of files) {
    mocha.suite.emit(EVENT_FILE_PRE_REQUIRE, globalThis, file, mocha);
    const loaded: unknown = await import(pathToFileURL(file).href);
    mocha.suite.emit(EVENT_FILE_REQUIRE, loaded, file, mocha);
    mocha.suite.emit(EVENT_FILE_POST_REQUIRE, globalThis, file, mocha);
  }
}
