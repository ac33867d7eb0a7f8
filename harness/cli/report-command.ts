/** `hil report [--open]`: build the Allure report from allure-results (and serve it). */
import { spawn } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { REPO_ROOT } from '../boards/select.js';
import { ExitCode, NoVerdictError } from '../exit-codes.js';
import { writeCategories } from '../report/results-files.js';
import type { Command } from './command.js';
import { onInterrupt } from './interrupt.js';
import { UsageError, usageErrorFrom } from './usage-error.js';
import { parseArgs } from 'node:util';

const usage = `usage: hil report [--open] [--results-dir <dir>] [--output <dir>] [--port <n>]

Builds the Allure report (allure generate -c harness/report/allurerc.mjs <results> -o <output>),
with the HIL categories (flash not cleared, boot accepted a bad image, boot fault, infrastructure
broken). --open then serves it (allure open) until Ctrl-C.
  --results-dir <dir>   Allure results (default allure-results/ at the repo root)
  --output <dir>        report folder (default allure-report/ at the repo root)
  --open                serve the report after building it
  --port <n>            port for --open (default: allure's choice)
Exit code: 0 built (or served and stopped), 2 no results to report or allure failed.`;

export class ReportError extends NoVerdictError {}

function allureBin(): string {
  const bin = join(REPO_ROOT, 'node_modules', '.bin', 'allure');
  if (!existsSync(bin)) throw new ReportError(`the allure CLI is not installed (${bin} missing): run npm ci`);
  return bin;
}

function run(argv: readonly string[]): Promise<number> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(argv[0]!, argv.slice(1), { cwd: REPO_ROOT, stdio: 'inherit' });
    const dispose = onInterrupt(async () => {
      if (child.exitCode === null && child.pid !== undefined) child.kill('SIGTERM');
    });
    child.once('error', (error) => {
      dispose();
      reject(new ReportError(`cannot run ${argv.join(' ')}: ${error.message}`));
    });
    child.once('exit', (code) => {
      dispose();
      resolvePromise(code ?? 1);
    });
  });
}

export const reportCommand: Command = {
  summary: 'build the Allure report (--open serves it)',
  usage,
  async run(args) {
    let values: { open?: boolean; 'results-dir'?: string; output?: string; port?: string; help?: boolean };
    try {
      ({ values } = parseArgs({
        args: [...args],
        options: {
          open: { type: 'boolean' },
          'results-dir': { type: 'string' },
          output: { type: 'string' },
          port: { type: 'string' },
          help: { type: 'boolean', short: 'h' },
        },
        allowPositionals: false,
      }));
    } catch (error) {
      throw usageErrorFrom(error, 'report');
    }
    if (values.help) {
      console.log(usage);
      return ExitCode.Passed;
    }
    if (values.port !== undefined && !/^\d+$/.test(values.port)) throw new UsageError(`--port must be a number, got "${values.port}"`, 'report');
    const results = values['results-dir'] !== undefined ? resolve(values['results-dir']) : join(REPO_ROOT, 'allure-results');
    const output = values.output !== undefined ? resolve(values.output) : join(REPO_ROOT, 'allure-report');
    if (!existsSync(results) || !readdirSync(results).some((f) => f.endsWith('-result.json'))) {
      throw new ReportError(`no test results in ${results}: run the suite first (npm test, or hil test --specs-only)`);
    }
    writeCategories(results);
    const bin = allureBin();
    const code = await run([bin, 'generate', '-c', join(REPO_ROOT, 'harness', 'report', 'allurerc.mjs'), results, '-o', output]);
    if (code !== 0) throw new ReportError(`allure generate exited with ${code} (results ${results})`);
    console.log(`report: ${join(output, 'index.html')}`);
    if (!values.open) return ExitCode.Passed;
    const openCode = await run([bin, 'open', ...(values.port !== undefined ? ['--port', values.port] : []), output]);
    void openCode; // stopped by Ctrl-C or closed: the report was built either way
    return ExitCode.Passed;
  },
};
