/**
 * For the meta-tests: runs `hil test --specs-only` as a child process against a given boards
 * file and board, into its own Allure results directory, and reads back what each test's
 * result says (status, message, the report category it falls into).
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { REPO_ROOT } from '../../harness/boards/index.js';
import { HIL_CATEGORIES } from '../../harness/report/index.js';

export interface ChildTestResult {
  readonly name: string;
  readonly fullName: string;
  readonly status: string;
  readonly message: string;
  /** The first report category whose statuses and message pattern match (categories.json), if any. */
  readonly category: string | undefined;
}

export interface ChildRun {
  readonly exitCode: number | null;
  readonly output: string;
  readonly results: readonly ChildTestResult[];
}

/** One line per child result (status, category, title) and its message's first line, for assertion messages. */
export function summarizeChildRun(run: ChildRun): string {
  return run.results.map((r) => `${r.status.padEnd(7)} ${r.category ?? '-'} | ${r.fullName}\n        ${r.message.split('\n')[0]}`).join('\n');
}

export function categoryOf(status: string, message: string): string | undefined {
  for (const c of HIL_CATEGORIES) {
    if (c.matchedStatuses && !c.matchedStatuses.includes(status as never)) continue;
    if (c.messageRegex !== undefined && !new RegExp(`^${c.messageRegex}$`).test(message)) continue;
    return c.name;
  }
  return undefined;
}

async function readResults(dir: string): Promise<ChildTestResult[]> {
  const out: ChildTestResult[] = [];
  for (const file of (await readdir(dir)).filter((f) => f.endsWith('-result.json'))) {
    const r = JSON.parse(await readFile(join(dir, file), 'utf8')) as { name: string; fullName?: string; status: string; statusDetails?: { message?: string } };
    const message = r.statusDetails?.message ?? '';
    out.push({ name: r.name, fullName: r.fullName ?? r.name, status: r.status, message, category: categoryOf(r.status, message) });
  }
  return out;
}

export interface ChildRunOptions {
  readonly boardsFile: string;
  readonly board: string;
  readonly resultsDir: string;
  readonly files: readonly string[];
  readonly grep?: string;
  readonly env?: Readonly<Record<string, string>>;
  readonly timeoutMs?: number;
}

export async function runSpecsInChild(options: ChildRunOptions): Promise<ChildRun> {
  const tsx = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
  const args = [
    '--import',
    tsx,
    'harness/cli.ts',
    'test',
    '--specs-only',
    '--board',
    options.board,
    '--boards',
    options.boardsFile,
    '--results-dir',
    options.resultsDir,
    ...(options.grep !== undefined ? ['--grep', options.grep] : []),
    ...options.files,
  ];
  // The child runs the procedure its caller names (HIL_PROCEDURE in options.env), not the one this run has under test.
  const child = spawn(process.execPath, args, {
    cwd: REPO_ROOT,
    env: { ...process.env, HIL_PROCEDURE: '', ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr.on('data', (d: Buffer) => (output += d.toString()));
  try {
    const exitCode = await new Promise<number | null>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`hil test child did not finish within ${options.timeoutMs ?? 300_000} ms:\n${output.slice(-4000)}`)),
        options.timeoutMs ?? 300_000,
      );
      child.once('error', (e) => (clearTimeout(timer), reject(e)));
      child.once('exit', (code) => (clearTimeout(timer), resolve(code)));
    });
    return { exitCode, output, results: await readResults(options.resultsDir) };
  } finally {
    // SIGINT lets the child's sessions tear down their OpenOCD and virtual board.
    if (child.exitCode === null && child.signalCode === null && child.pid !== undefined) {
      child.kill('SIGINT');
      await new Promise((r) => setTimeout(r, 3000));
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    }
  }
}

/**
 * boards.json's `virtual-h745` entry under another id, for a child run on a variant of it: other
 * OpenOCD configs (absolute paths; default the entry's own), or any other fields overridden. The
 * entry's own paths (configs, a procedure's tool and folder) are made absolute: the derived
 * boards file lives elsewhere.
 */
export function derivedVirtualBoard(
  id: string,
  description: string,
  changes: { configs?: readonly string[]; [field: string]: unknown } = {},
): Record<string, unknown> {
  const inventory = JSON.parse(readFileSync(join(REPO_ROOT, 'boards.json'), 'utf8')) as { boards: Record<string, unknown>[] };
  const base = inventory.boards.find((b) => b.id === 'virtual-h745');
  if (!base) throw new Error('boards.json has no virtual-h745 entry to derive a board from');
  const openocd = base.openocd as { configs: string[] };
  const { configs, ...fields } = changes;
  const procedures = ((base.procedures ?? []) as { argv?: string[]; cwd?: string; shell?: boolean }[]).map((p) => ({
    ...p,
    ...(p.argv && !p.shell && p.argv[0]!.includes('/') ? { argv: [join(REPO_ROOT, p.argv[0]!), ...p.argv.slice(1)] } : {}),
    cwd: join(REPO_ROOT, p.cwd ?? '.'),
  }));
  return {
    ...base,
    id,
    description,
    openocd: { ...openocd, configs: configs ?? openocd.configs.map((c) => join(REPO_ROOT, c)) },
    procedures,
    ...fields,
  };
}
