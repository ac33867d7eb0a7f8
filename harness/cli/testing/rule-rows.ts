/**
 * For the tests of the verdict-or-broken rule: one row of the rule is one tiny test file run by
 * the real runner (`hil test` in a child process, Allure reporter included); the row is read
 * back as the child's exit code and each result's Allure status and report category.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from '../../boards/select.js';
import { categoryOf } from '../../report/results-files.js';

const CLI = join(REPO_ROOT, 'harness', 'cli.ts');

export interface RowResult {
  readonly name: string;
  readonly status: string;
  readonly message: string;
  readonly category: string | undefined;
}

export interface RowRun {
  readonly exitCode: number | null;
  readonly output: string;
  readonly results: readonly RowResult[];
  readonly resultsDir: string;
}

export interface Row {
  readonly name: string;
  /** File name (`.test.ts`: no board; `.spec.ts`: the runner takes the board lock for it). */
  readonly file: string;
  readonly text: string;
  readonly status: 'failed' | 'broken';
  readonly category: string;
  readonly exitCode: 1 | 2;
}

/** An absolute import specifier for a repository module, for fixture text. */
export function repoModule(...path: string[]): string {
  return JSON.stringify(join(REPO_ROOT, ...path));
}

/**
 * A working directory for fixture files, with the repository's node_modules (fixtures import
 * chai) and `"type": "module"`: without it tsx loads a fixture as CommonJS, and the harness
 * modules it imports become a second copy beside the runner's (two lock tables: the session
 * would find its own run's board lock busy).
 */
export function rowsDir(dir: string): string {
  mkdirSync(dir, { recursive: true });
  symlinkSync(join(REPO_ROOT, 'node_modules'), join(dir, 'node_modules'), 'dir');
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ type: 'module' }));
  return dir;
}

/** Writes the row's file and runs it with `hil test` into its own results directory. */
export async function runRow(dir: string, row: Pick<Row, 'file' | 'text'>, env: Record<string, string> = {}, timeoutMs = 110_000): Promise<RowRun> {
  writeFileSync(join(dir, row.file), row.text);
  const resultsDir = join(dir, `results-${row.file.replace(/\W+/g, '-')}`);
  const child = spawn(process.execPath, ['--import', 'tsx', CLI, 'test', '--results-dir', resultsDir, row.file], {
    cwd: dir,
    env: { ...process.env, HIL_BOARD: '', HIL_BOARDS: '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr.on('data', (d: Buffer) => (output += d.toString()));
  const exitCode = await new Promise<number | null>((resolve, reject) => {
    const timer = setTimeout(() => {
      // SIGINT lets the child close its session (OpenOCD, virtual board) before it exits.
      child.kill('SIGINT');
      reject(new Error(`hil test ${row.file} did not finish within ${timeoutMs} ms:\n${output.slice(-3000)}`));
    }, timeoutMs);
    child.once('error', (e) => (clearTimeout(timer), reject(e)));
    child.once('exit', (code) => (clearTimeout(timer), resolve(code)));
  });
  const results = readdirSync(resultsDir)
    .filter((f) => f.endsWith('-result.json'))
    .map((f) => JSON.parse(readFileSync(join(resultsDir, f), 'utf8')) as { name: string; status: string; statusDetails?: { message?: string } })
    .map((r) => {
      const message = r.statusDetails?.message ?? '';
      return { name: r.name, status: r.status, message, category: categoryOf(r.status, message) };
    });
  return { exitCode, output, results, resultsDir };
}

/** One line a result, for assertion messages. */
export function describeRun(run: RowRun): string {
  return `exit ${run.exitCode}\n${run.results.map((r) => `${r.status} [${r.category ?? '-'}] ${r.name}: ${r.message.split('\n')[0]}`).join('\n')}\n${run.output.slice(-2000)}`;
}
