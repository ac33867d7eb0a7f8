/**
 * `hil suite`: the main job. Runs the specs on the chosen board (as `hil test --specs-only`),
 * then builds the Allure report whatever the outcome, so a failing night still leaves its
 * evidence. The exit code is the suite's; a report that cannot be built on a passing run is
 * no verdict (nobody could review it).
 */
import { ExitCode } from '../exit-codes.js';
import type { Command } from './command.js';
import { reportCommand } from './report-command.js';
import { testCommand } from './test-command.js';

const usage = `usage: hil suite [--board id] [--boards file] [--grep pattern] [spec files...]

Runs the specs (default specs/**/*.spec.ts) on the board, then builds allure-report/ from
allure-results/. Options are those of \`hil test\`.
exit code: 0 all checks passed, 1 the board failed a check, 2 no verdict (or no report)`;

export const suiteCommand: Command = {
  summary: 'the main job: the specs on the board, then the Allure report',
  usage,
  async run(args) {
    if (args.includes('--help') || args.includes('-h')) {
      console.log(usage);
      return ExitCode.Passed;
    }
    const suiteCode = await testCommand.run(['--specs-only', ...args]);
    let reportCode: number;
    try {
      reportCode = await reportCommand.run([]);
    } catch (error) {
      console.error(`hil suite: the report was not built: ${error instanceof Error ? error.message : String(error)}`);
      reportCode = ExitCode.NoVerdict;
    }
    return suiteCode === ExitCode.Passed && reportCode !== ExitCode.Passed ? ExitCode.NoVerdict : suiteCode;
  },
};
