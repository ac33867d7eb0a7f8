/**
 * allure-mocha with the harness's verdict/broken line. allure-mocha guesses a failure's status
 * from the error (anything mentioning "assert" is "failed"), so an infrastructure error such as
 * "NRST stays asserted" would land among the board's failures. This reporter re-states every
 * failed test's status from `classifyFailure`, the same rule the runner's exit code uses.
 * `hil test` uses it wherever .mocharc.json names allure-mocha.
 */
import allureMocha from 'allure-mocha';
import { Status } from 'allure-js-commons';
import Mocha from 'mocha';
import { classifyFailure } from '../exit-codes.js';

// allure-mocha's types describe its CommonJS build (default export under `.default`); Node
// loads its ESM build, whose default export is the class itself.
type AllureMochaReporterClass = typeof allureMocha.default;
const AllureMochaReporter: AllureMochaReporterClass =
  typeof allureMocha === 'function' ? (allureMocha as unknown as AllureMochaReporterClass) : allureMocha.default;

export class HilAllureReporter extends AllureMochaReporter {
  constructor(runner: Mocha.Runner, options: Mocha.MochaOptions) {
    super(runner, options);
    // Added after the base class's own listener, so this one has the last word on the status.
    runner.on(Mocha.Runner.constants.EVENT_TEST_FAIL, (_runnable: Mocha.Runnable, error: unknown) => {
      const test = this.currentTest;
      if (test === undefined) return;
      const status = classifyFailure(error) === 'broken' ? Status.BROKEN : Status.FAILED;
      this.runtime.updateTest(test, (result) => {
        result.status = status;
      });
    });
  }
}
