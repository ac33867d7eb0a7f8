/**
 * Argument parsing shared by the board commands (program, erase, blank-check, map, recover,
 * boot): the common flags (--board, --boards, --json, --time-scale, --help) on top of node's
 * parseArgs, and the number / range syntax people type (hex, decimal, K/M suffixes, sector
 * ranges). Pure: every mistake is a UsageError naming the flag and the accepted spelling.
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { UsageError, usageErrorFrom } from './usage-error.js';

export const SECTOR_BYTES = 4096;

/** The flags every board command takes. */
export interface CommonFlags {
  readonly board?: string;
  readonly boards?: string;
  readonly json: boolean;
  readonly timeScale?: number;
  readonly help: boolean;
}

export const COMMON_USAGE = `common options:
  --board <id>          board to use (default: HIL_BOARD, else virtual-h745)
  --boards <file>       board inventory (default: HIL_BOARDS, else boards.json at the repo root)
  --json                one JSON document on stdout instead of text (errors too)
  --time-scale <x>      virtual boards: factor on datasheet flash timings (default: the board entry's)
  -h, --help            this text`;

type OptionSpec = NonNullable<ParseArgsConfig['options']>;

const COMMON_OPTIONS: OptionSpec = {
  board: { type: 'string' },
  boards: { type: 'string' },
  json: { type: 'boolean' },
  'time-scale': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
};

export interface ParsedCommand {
  readonly common: CommonFlags;
  /** The command's own options (strings and booleans as parseArgs gives them). */
  readonly values: Readonly<Record<string, string | boolean | undefined>>;
  readonly positionals: readonly string[];
}

/** Parses `args` with the common flags plus `options`; `maxPositionals` guards stray words. */
export function parseCommandArgs(command: string, args: readonly string[], options: OptionSpec, maxPositionals = 0): ParsedCommand {
  let parsed: { values: Record<string, string | boolean | (string | boolean)[] | undefined>; positionals: string[] };
  try {
    parsed = parseArgs({ args: [...args], options: { ...COMMON_OPTIONS, ...options }, allowPositionals: true, strict: true });
  } catch (error) {
    throw usageErrorFrom(error, command);
  }
  const v = parsed.values;
  for (const [key, value] of Object.entries(v)) {
    if (typeof value === 'string' && value.trim() === '') throw new UsageError(`--${key} needs a value`, command);
  }
  if (parsed.positionals.length > maxPositionals) {
    throw new UsageError(`unexpected argument "${parsed.positionals[maxPositionals]}"`, command);
  }
  const timeScaleText = v['time-scale'] as string | undefined;
  let timeScale: number | undefined;
  if (timeScaleText !== undefined) {
    timeScale = Number(timeScaleText);
    if (!Number.isFinite(timeScale) || timeScale < 0)
      throw new UsageError(`--time-scale must be a number >= 0 (1 = datasheet timings), got "${timeScaleText}"`, command);
  }
  const common: CommonFlags = {
    ...(v.board !== undefined ? { board: v.board as string } : {}),
    ...(v.boards !== undefined ? { boards: v.boards as string } : {}),
    json: v.json === true,
    ...(timeScale !== undefined ? { timeScale } : {}),
    help: v.help === true,
  };
  const values: Record<string, string | boolean | undefined> = {};
  for (const key of Object.keys(options)) values[key] = v[key] as string | boolean | undefined;
  return { common, values, positionals: parsed.positionals };
}

/** "4096", "0x1000", "4K", "4KiB", "1M": bytes. */
export function parseSize(text: string, flag: string, command: string): number {
  const m = /^(0x[0-9a-f]+|\d+)\s*(k|kib|m|mib)?$/i.exec(text.trim());
  if (!m) throw new UsageError(`${flag}: "${text}" is not a byte count (write 65536, 0x10000, 64K or 1M)`, command);
  const base = m[1]!.toLowerCase().startsWith('0x') ? parseInt(m[1]!.slice(2), 16) : parseInt(m[1]!, 10);
  const unit = (m[2] ?? '').toLowerCase();
  const factor = unit.startsWith('k') ? 1024 : unit.startsWith('m') ? 1024 * 1024 : 1;
  return base * factor;
}

export interface ByteRange {
  readonly offset: number;
  readonly length: number;
}

/**
 * `--range`: `<offset>+<length>` (e.g. `0x100000+64K`) or `<start>..<end>` (end exclusive),
 * sizes as parseSize reads them.
 */
export function parseRange(text: string, flag: string, command: string): ByteRange {
  const plus = text.split('+');
  if (plus.length === 2) {
    const offset = parseSize(plus[0]!, flag, command);
    const length = parseSize(plus[1]!, flag, command);
    if (length === 0) throw new UsageError(`${flag}: "${text}" has length 0`, command);
    return { offset, length };
  }
  const dots = text.split('..');
  if (dots.length === 2) {
    const offset = parseSize(dots[0]!, flag, command);
    const end = parseSize(dots[1]!, flag, command);
    if (end <= offset) throw new UsageError(`${flag}: "${text}" ends before it starts`, command);
    return { offset, length: end - offset };
  }
  throw new UsageError(`${flag}: "${text}" is not a range (write <offset>+<length> like 0x100000+64K, or <start>..<end>)`, command);
}

/** `--sectors a-b`: 4 KiB sector numbers, inclusive (`16-31` = the second 64 KiB block); `7` alone is one sector. */
export function parseSectors(text: string, command: string): ByteRange & { readonly first: number; readonly last: number } {
  const m = /^(\d+|0x[0-9a-f]+)(?:-(\d+|0x[0-9a-f]+))?$/i.exec(text.trim());
  if (!m) throw new UsageError(`--sectors: "${text}" is not a sector range (write a-b with 4 KiB sector numbers, e.g. 0-15 for the first 64 KiB)`, command);
  const num = (s: string): number => (s.toLowerCase().startsWith('0x') ? parseInt(s.slice(2), 16) : parseInt(s, 10));
  const first = num(m[1]!);
  const last = m[2] !== undefined ? num(m[2]) : first;
  if (last < first) throw new UsageError(`--sectors: "${text}" ends before it starts`, command);
  return { first, last, offset: first * SECTOR_BYTES, length: (last - first + 1) * SECTOR_BYTES };
}

/** Milliseconds from "10s", "500ms", "2m" or a bare number of seconds. */
export function parseDuration(text: string, flag: string, command: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*(ms|s|m)?$/.exec(text.trim());
  if (!m) throw new UsageError(`${flag}: "${text}" is not a duration (write 10s, 500ms or 2m)`, command);
  const n = Number(m[1]);
  const unit = m[2] ?? 's';
  return unit === 'ms' ? n : unit === 'm' ? n * 60_000 : n * 1000;
}

export function hex32(value: number): string {
  return `0x${value.toString(16).padStart(8, '0')}`;
}
