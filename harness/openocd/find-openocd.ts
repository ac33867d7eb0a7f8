/**
 * Finds the openocd binary: an explicit path (the board entry) wins, then the OPENOCD
 * environment variable, then PATH. Checks `openocd --version` (OpenOCD prints it on stderr)
 * is at least 0.12.0, the release whose Tcl commands the harness uses.
 */
import { constants as fsConstants } from 'node:fs';
import { access } from 'node:fs/promises';
import { delimiter, isAbsolute, join, resolve } from 'node:path';
import { OpenOcdNotFoundError, OpenOcdVersionError } from './errors.js';
import { spawnProcess, type SpawnFunction } from './spawn.js';

export const MINIMUM_OPENOCD_VERSION = '0.12.0';

export interface OpenOcdBinary {
  readonly path: string;
  /** "major.minor.patch" as printed, e.g. "0.12.0". */
  readonly version: string;
  /** Whole first line of `--version`, e.g. "Open On-Chip Debugger 0.12.0". */
  readonly banner: string;
}

export interface FindOpenOcdOptions {
  /** From the board entry; used as given (relative paths resolve against cwd). */
  explicitPath?: string;
  env?: NodeJS.ProcessEnv;
  spawn?: SpawnFunction;
  /** How to test a candidate path; default: fs.access(X_OK). */
  isExecutable?: (path: string) => Promise<boolean>;
  /** Limit for `openocd --version`. Default 10 s. */
  versionTimeoutMs?: number;
}

async function defaultIsExecutable(path: string): Promise<boolean> {
  try {
    await access(path, fsConstants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** Parses "Open On-Chip Debugger 0.12.0[+dev-…]" into its version, or undefined. */
export function parseOpenOcdVersion(output: string): { version: string; banner: string } | undefined {
  const m = /^(Open On-Chip Debugger v?(\d+)\.(\d+)\.(\d+)\S*.*)$/m.exec(output);
  if (!m) return undefined;
  return { version: `${m[2]}.${m[3]}.${m[4]}`, banner: (m[1] as string).trim() };
}

export function compareVersions(a: string, b: string): number {
  const pa = a.split('.').map(Number);
  const pb = b.split('.').map(Number);
  for (let i = 0; i < 3; i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

/** Runs `<path> --version`; resolves with its whole output, or rejects if it cannot run. */
function runVersion(spawn: SpawnFunction, path: string, env: NodeJS.ProcessEnv, timeoutMs: number): Promise<string> {
  return new Promise((resolvePromise, reject) => {
    let output = '';
    let child;
    try {
      child = spawn(path, ['--version'], { env });
    } catch (err) {
      reject(err as Error);
      return;
    }
    const proc = child;
    const timer = setTimeout(() => {
      proc.kill('SIGKILL');
      reject(new Error(`\`${path} --version\` did not finish within ${timeoutMs} ms`));
    }, timeoutMs);
    proc.stdout?.on('data', (d: Buffer) => (output += d.toString('utf8')));
    proc.stderr?.on('data', (d: Buffer) => (output += d.toString('utf8')));
    proc.once('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    proc.once('close', (code: number | null, signal: NodeJS.Signals | null) => {
      clearTimeout(timer);
      if (code === 0 || parseOpenOcdVersion(output)) resolvePromise(output);
      else reject(new Error(`\`${path} --version\` exited with ${code ?? signal}: ${output.trim().slice(0, 300)}`));
    });
  });
}

/** Resolves the binary and its version, or throws OpenOcdNotFoundError / OpenOcdVersionError. */
export async function findOpenOcd(options: FindOpenOcdOptions = {}): Promise<OpenOcdBinary> {
  const env = options.env ?? process.env;
  const spawn = options.spawn ?? spawnProcess;
  const isExecutable = options.isExecutable ?? defaultIsExecutable;
  const tried: string[] = [];

  let candidate: string | undefined;
  if (options.explicitPath !== undefined && options.explicitPath !== '') {
    const p = isAbsolute(options.explicitPath) ? options.explicitPath : resolve(options.explicitPath);
    if (await isExecutable(p)) candidate = p;
    else tried.push(`${p} (board entry): not an executable file`);
  } else if (env.OPENOCD !== undefined && env.OPENOCD !== '') {
    const p = isAbsolute(env.OPENOCD) ? env.OPENOCD : resolve(env.OPENOCD);
    if (await isExecutable(p)) candidate = p;
    else tried.push(`${p} (OPENOCD environment variable): not an executable file`);
  } else {
    const dirs = (env.PATH ?? '').split(delimiter).filter((d) => d !== '');
    for (const dir of dirs) {
      const p = join(dir, 'openocd');
      if (await isExecutable(p)) {
        candidate = p;
        break;
      }
    }
    if (candidate === undefined) tried.push(`openocd on PATH (${dirs.length === 0 ? 'PATH is empty' : dirs.join(delimiter)}): not found`);
  }
  if (candidate === undefined) throw new OpenOcdNotFoundError(tried);

  let output: string;
  try {
    output = await runVersion(spawn, candidate, env, options.versionTimeoutMs ?? 10_000);
  } catch (err) {
    throw new OpenOcdNotFoundError([...tried, `${candidate}: cannot run \`--version\`: ${(err as Error).message}`]);
  }
  const parsed = parseOpenOcdVersion(output);
  if (!parsed) throw new OpenOcdVersionError(candidate, 'unknown', MINIMUM_OPENOCD_VERSION, output);
  if (compareVersions(parsed.version, MINIMUM_OPENOCD_VERSION) < 0) {
    throw new OpenOcdVersionError(candidate, parsed.version, MINIMUM_OPENOCD_VERSION, output);
  }
  return { path: candidate, version: parsed.version, banner: parsed.banner };
}
