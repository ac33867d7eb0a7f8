/**
 * How far a programming tool says it is, read from one line of its output with a regex the
 * board's procedure entry supplies: a named group `percent` ("[=====     ] 50%"), or `bytes`
 * with an optional `total` ("write: 512 of 1024 bytes"; without `total` the image size is the
 * denominator).
 */

export interface ProgressReading {
  /** 0..100. */
  readonly percent: number;
  /** Bytes done, when the pattern has a `bytes` group and it matched. */
  readonly bytes?: number;
}

/** The pattern cannot be used: names the pattern and the problem. */
export class ProgressPatternError extends Error {
  constructor(
    readonly pattern: string,
    readonly problem: string,
    options?: { cause?: unknown },
  ) {
    super(`progress pattern /${pattern}/: ${problem}`, options);
    this.name = new.target.name;
  }
}

/** A decimal number ("50", "12.5", ".5") or, where `hex` is allowed, "0x1F00". */
function parseNumber(text: string, hex: boolean): number | undefined {
  const t = text.trim();
  if (/^\d+(\.\d*)?$|^\.\d+$/.test(t)) return Number(t);
  if (hex && /^0x[0-9a-f]+$/i.test(t)) return parseInt(t.slice(2), 16);
  return undefined;
}

/** A regex (JavaScript syntax, no flags) with a named group `percent`, or `bytes` (+ optional `total`). */
export class ProgressPattern {
  private readonly regex: RegExp;
  private readonly groups: ReadonlySet<string>;

  /** Throws ProgressPatternError: does not compile, or no `percent`/`bytes` group. */
  constructor(readonly source: string) {
    try {
      this.regex = new RegExp(source);
    } catch (err) {
      throw new ProgressPatternError(source, `does not compile: ${(err as Error).message}`, { cause: err });
    }
    // Every named group of the pattern is a key of `groups` when an alternative that matches
    // the empty string wins (unmatched groups are undefined).
    this.groups = new Set(Object.keys(new RegExp(`(?:${source})|`).exec('')?.groups ?? {}));
    if (!this.groups.has('percent') && !this.groups.has('bytes'))
      throw new ProgressPatternError(source, 'has no named group "percent" or "bytes", e.g. (?<percent>\\d+)% or (?<bytes>\\d+) of (?<total>\\d+)');
    if (this.groups.has('total') && !this.groups.has('bytes')) throw new ProgressPatternError(source, 'has a "total" group but no "bytes" group');
  }

  /**
   * The progress `line` states, or undefined (no match, or a group that is not a number).
   * `percent` wins when it matched; otherwise percent = 100 * bytes / (total group ?? totalBytes),
   * undefined when that denominator is not a positive number. Numbers may be decimal ("12.5"),
   * or hex with 0x for bytes and total. Percent is clamped to [0, 100].
   */
  read(line: string, totalBytes: number): ProgressReading | undefined {
    const groups = this.regex.exec(line)?.groups;
    if (!groups) return undefined;
    const bytesText = groups.bytes;
    const bytes = bytesText !== undefined ? parseNumber(bytesText, true) : undefined;
    let percent: number | undefined;
    if (groups.percent !== undefined) {
      percent = parseNumber(groups.percent, false);
    } else if (bytes !== undefined) {
      const total = groups.total !== undefined ? parseNumber(groups.total, true) : totalBytes;
      if (total !== undefined && Number.isFinite(total) && total > 0) percent = (100 * bytes) / total;
    }
    if (percent === undefined || Number.isNaN(percent)) return undefined;
    percent = Math.min(100, Math.max(0, percent));
    return bytes !== undefined ? { percent, bytes } : { percent };
  }
}
