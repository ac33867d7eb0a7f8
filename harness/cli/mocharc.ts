/**
 * Read the mocha options the runner honours from `.mocharc.json`, so `hil test` and a plain
 * `mocha --config .mocharc.json` agree on timeout and reporters. Options that only make sense
 * to mocha's own CLI (node-option, extension, exit, spec) are ignored: the runner already runs
 * under tsx, expands its own globs and exits by itself.
 */
import { readFileSync } from 'node:fs';
import { NoVerdictError } from '../exit-codes.js';

export interface RunnerMochaOptions {
  readonly timeout?: number;
  readonly slow?: number;
  readonly retries?: number;
  readonly bail?: boolean;
  readonly reporter: string;
  readonly reporterOptions: Readonly<Record<string, string>>;
}

export class MochaConfigError extends NoVerdictError {
  constructor(
    readonly file: string,
    detail: string,
    options?: { cause?: unknown },
  ) {
    super(`mocha config ${file}: ${detail}`, options);
  }
}

/** `["resultsDir=x", "extraReporters=spec"]` (or a single string) -> `{ resultsDir: 'x', ... }`. */
export function parseReporterOptions(value: unknown, file: string): Record<string, string> {
  const items = value === undefined ? [] : Array.isArray(value) ? value : [value];
  const out: Record<string, string> = {};
  for (const item of items) {
    if (typeof item !== 'string' || !item.includes('=')) throw new MochaConfigError(file, `reporter-option ${JSON.stringify(item)} is not "key=value"`);
    for (const pair of item.split(',')) {
      const eq = pair.indexOf('=');
      out[pair.slice(0, eq)] = pair.slice(eq + 1);
    }
  }
  return out;
}

export function readMochaRc(file: string): RunnerMochaOptions {
  let raw: Record<string, unknown>;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
  } catch (error) {
    throw new MochaConfigError(file, (error as Error).message, { cause: error });
  }
  const number = (key: string): number | undefined => {
    const v = raw[key];
    if (v === undefined) return undefined;
    if (typeof v !== 'number') throw new MochaConfigError(file, `${key} must be a number, got ${JSON.stringify(v)}`);
    return v;
  };
  const reporter = raw.reporter ?? 'spec';
  if (typeof reporter !== 'string') throw new MochaConfigError(file, `reporter must be a string, got ${JSON.stringify(reporter)}`);
  return {
    ...(number('timeout') !== undefined ? { timeout: number('timeout') } : {}),
    ...(number('slow') !== undefined ? { slow: number('slow') } : {}),
    ...(number('retries') !== undefined ? { retries: number('retries') } : {}),
    ...(raw.bail === true ? { bail: true } : {}),
    reporter,
    reporterOptions: parseReporterOptions(raw['reporter-option'] ?? raw.reporterOption ?? raw.reporterOptions, file),
  };
}
