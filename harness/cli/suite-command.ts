/**
 * `hil suite`: the main job. Runs the specs on the chosen board (as `hil test --specs-only`),
 * then builds the Allure report whatever the outcome, so a failing night still leaves its
 * evidence. The exit code is the suite's; a report that cannot be built on a passing run is
 * no verdict (nobody could review it).
 */
import { ExitCode } from '../exit-codes.js';
import type { Command } from './command.js';
import { reportCommand } from './report-command.js';
import { parseTestArgs, testCommand } from './test-command.js';
import { UsageError } from './usage-error.js';

const usage = `usage: hil suite [--board id] [--boards file] [--grep pattern] [--results-dir dir]
                 [--report-dir dir] [spec files...]

Runs the specs (default specs/**/*.spec.ts) on the board, then builds the Allure report from the
results of that run: --results-dir (default allure-results/) into --report-dir (default
allure-report/). The other options are those of \`hil test\`.
exit code: 0 all checks passed, 1 the board failed a check, 2 no verdict (or no report)`;

export const suiteCommand: Command = {
  summary: 'the main job: the specs on the board, then the Allure report',
  usage,
  async run(args) {
    if (args.includes('--help') || args.includes('-h')) {
      console.log(usage);
      return ExitCode.Passed;
    }
    const { reportDir, rest } = takeReportDir(args);
    const suiteCode = await testCommand.run(['--specs-only', ...rest]);
    // The report is built from the results this run wrote, wherever they went.
    const { resultsDir } = parseTestArgs(['--specs-only', ...rest]);
    let reportCode: number;
    try {
      reportCode = await reportCommand.run([
        ...(resultsDir !== undefined ? ['--results-dir', resultsDir] : []),
        ...(reportDir !== undefined ? ['--output', reportDir] : []),
      ]);
    } catch (error) {
      console.error(`hil suite: the report was not built: ${error instanceof Error ? error.message : String(error)}`);
      reportCode = ExitCode.NoVerdict;
    }
    return suiteCode === ExitCode.Passed && reportCode !== ExitCode.Passed ? ExitCode.NoVerdict : suiteCode;
  },
};

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
