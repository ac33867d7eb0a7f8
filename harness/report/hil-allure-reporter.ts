/**
 * allure-mocha with the harness's verdict/broken line, the board on every result, and a result
 * for every failed set-up.
 *
 * - Status: allure-mocha guesses a failure's status from the error (anything mentioning
 *   "assert" is "failed"), so an infrastructure error such as "NRST stays asserted" would land
 *   among the board's failures. Every failure's status is re-stated from `classifyFailure`, the
 *   same rule the runner's exit code uses.
 * - Board: each result gets the `board` (and, on virtual boards, `flash time scale`) parameter
 *   and the board as parentSuite (board-context.ts), so N boards' results merge into one report
 *   without collapsing into retries of each other. The same results get the `procedure`
 *   parameter: the programming procedure under test (HIL_PROCEDURE when the run starts, which
 *   `hil test` sets from --procedure; else openocd-plan), unless a board session marked another.
 * - Set-up: a failed `before` hook (a board whose health check fails) writes no test result in
 *   allure-mocha; here it writes one broken (or failed) result naming the board and the check.
 *
 * `hil test` uses it wherever .mocharc.json names allure-mocha; reporter option `hilBoard` is the
 * run's board, for spec results outside a board session.
 */
import allureMocha from 'allure-mocha';
import { Stage, Status } from 'allure-js-commons';
import { getMessageAndTraceFromError } from 'allure-js-commons/sdk';
import {
  getFrameworkLabel,
  getHostLabel,
  getLanguageLabel,
  getPackageLabel,
  getPosixPath,
  getProjectName,
  getRelativePath,
} from 'allure-js-commons/sdk/reporter';
import Mocha from 'mocha';
import { classifyFailure } from '../exit-codes.js';
import { applyBoardContext, boardContextOf, runProcedureId, setUpFailureName, type BoardContext } from './board-context.js';

// allure-mocha's types describe its CommonJS build (default export under `.default`); Node
// loads its ESM build, whose default export is the class itself.
type AllureMochaReporterClass = typeof allureMocha.default;
const AllureMochaReporter: AllureMochaReporterClass =
  typeof allureMocha === 'function' ? (allureMocha as unknown as AllureMochaReporterClass) : allureMocha.default;

const { EVENT_TEST_END, EVENT_TEST_FAIL } = Mocha.Runner.constants;

/** The reporter option that names the run's board (test-command.ts sets it when specs run). */
export const RUN_BOARD_OPTION = 'hilBoard';

export class HilAllureReporter extends AllureMochaReporter {
  private readonly runBoard: string | undefined;
  /** Read once: a test that sets HIL_PROCEDURE for itself does not rename the run's procedure. */
  private readonly runProcedure = runProcedureId();

  constructor(runner: Mocha.Runner, options: Mocha.MochaOptions) {
    const { [RUN_BOARD_OPTION]: runBoard, ...reporterOptions } = (options.reporterOptions ?? {}) as Record<string, unknown>;
    // allure-mocha hands its options to Allure's runtime: ours stays here.
    super(runner, { ...options, reporterOptions });
    this.runBoard = typeof runBoard === 'string' && runBoard !== '' ? runBoard : undefined;
    // Before allure-mocha's own test-end listener, which writes the result.
    runner.prependListener(EVENT_TEST_END, (test: Mocha.Test) => this.addBoard(test));
    // Added after the base class's own listener, so this one has the last word on the status.
    runner.on(EVENT_TEST_FAIL, (runnable: Mocha.Runnable, error: unknown) => {
      const test = this.currentTest;
      const status = classifyFailure(error) === 'broken' ? Status.BROKEN : Status.FAILED;
      if (test === undefined) {
        if ((runnable as { type?: string }).type === 'hook') this.writeSetUpFailure(runnable as Mocha.Hook, error, status);
        return;
      }
      this.runtime.updateTest(test, (result) => {
        result.status = status;
      });
    });
  }

  /** The mark of the test's board session, else the run's board for a spec file; the run's procedure unless the mark names one. */
  private contextOf(runnable: Mocha.Runnable): BoardContext | undefined {
    const marked = boardContextOf(runnable);
    if (marked !== undefined) return { ...marked, procedure: marked.procedure ?? this.runProcedure };
    if (this.runBoard !== undefined && runnable.file?.endsWith('.spec.ts')) return { board: this.runBoard, procedure: this.runProcedure };
    return undefined;
  }

  private addBoard(test: Mocha.Test): void {
    const current = this.currentTest;
    const context = this.contextOf(test);
    if (current === undefined || context === undefined) return;
    this.runtime.updateTest(current, (result) => applyBoardContext(result, context, test.titlePath().slice(0, -1)));
  }

  /**
   * A `before all` hook failed (a `before each` lands on its test's result): mocha runs none of
   * the block's tests and allure-mocha writes none, so this result stands for them. Its
   * fullName is stable night to night (the block and "set-up"), so history tracks it per board.
   */
  private writeSetUpFailure(hook: Mocha.Hook, error: unknown, status: Status): void {
    if (!/^"before (all|each)" hook/.test(hook.title)) return;
    const suites = hook.parent?.titlePath() ?? [];
    const context = this.contextOf(hook);
    const file = hook.file !== undefined ? getPosixPath(getRelativePath(hook.file)) : undefined;
    const project = getProjectName();
    const fullNameBase = `${file !== undefined ? `${file}: ` : ''}${[...suites, 'set-up'].join(' > ')}`;
    const uuid = this.runtime.startTest(
      {
        name: setUpFailureName(context, hook.originalTitle ?? hook.title, error),
        fullName: project !== undefined ? `${project}:${fullNameBase}` : fullNameBase,
        stage: Stage.FINISHED,
        status,
        statusDetails: getMessageAndTraceFromError(error instanceof Error ? error : { message: String(error) }),
        labels: [
          getLanguageLabel(),
          getFrameworkLabel('mocha'),
          getHostLabel(),
          ...(hook.file !== undefined ? [getPackageLabel(hook.file)] : []),
          { name: 'story', value: 'set-up failed: no test of this block ran' },
        ],
        titlePath: [...(file?.split('/') ?? []), ...suites],
      },
      // The block's scopes: the report shows the failed hook as this result's set-up.
      [...this.scopesStack],
    );
    if (context !== undefined) this.runtime.updateTest(uuid, (result) => applyBoardContext(result, context, suites));
    this.runtime.stopTest(uuid);
    this.runtime.writeTest(uuid);
  }
}
