/**
 * Where an interruption fires during a programming run, and how to interrupt. Fault points are
 * stated in the terms a firmware lead uses ("during the erase of the last sector", "at 50 % of
 * the write", "right after the header") and resolved against a concrete programming plan.
 */

export type FaultInjectorKind = 'kill-openocd' | 'tcl-shutdown' | 'srst' | 'power-cut';

export const FAULT_INJECTORS: readonly FaultInjectorKind[] = ['kill-openocd', 'tcl-shutdown', 'srst', 'power-cut'];

/** Which erase unit of the plan: by index, or the first / middle / last one. */
export type EraseUnitRef = number | 'first' | 'middle' | 'last';

/**
 * When, inside a chip operation, the fault fires: at a fraction of the operation's own duration
 * (aimed by the chip trigger on a virtual board, by the chip's timings on silicon), or a fixed
 * wall time after the command was sent.
 */
export type InFlightMoment = { readonly fraction: number } | { readonly delayMs: number };

export type FaultPoint =
  /** Before the erase of a unit starts, or after it completed. */
  | { readonly kind: 'erase'; readonly when: 'before' | 'after'; readonly unit: EraseUnitRef }
  /** While the erase of a unit is in flight. */
  | { readonly kind: 'erase-in-flight'; readonly unit: EraseUnitRef; readonly at: InFlightMoment }
  /** While a page program is in flight: the middle page of the image's bytes in a unit. */
  | { readonly kind: 'program-in-flight'; readonly unit: EraseUnitRef; readonly at: { readonly fraction: number } }
  /** After this many image bytes were written and acknowledged. */
  | { readonly kind: 'write-bytes'; readonly bytes: number }
  /** After this share of the image was written (0 < percent < 100). */
  | { readonly kind: 'write-percent'; readonly percent: number }
  /** Every erase done, nothing written yet. */
  | { readonly kind: 'between-erase-and-write' }
  /** Only the image header written. */
  | { readonly kind: 'after-header' }
  /** This long after the run started, wherever it is. */
  | { readonly kind: 'time'; readonly afterMs: number };

export class FaultPointSyntaxError extends Error {
  constructor(
    readonly text: string,
    reason: string,
  ) {
    super(
      `bad fault point ${JSON.stringify(text)}: ${reason}. Examples: erase:before:first, erase:after:3, erase-in-flight:last:50%, erase-in-flight:last:20ms, program-in-flight:middle:50%, write:50%, write:4096, between-erase-and-write, after-header, time:1500ms`,
    );
    this.name = 'FaultPointSyntaxError';
  }
}

function parseUnit(text: string, raw: string): EraseUnitRef {
  if (text === 'first' || text === 'middle' || text === 'last') return text;
  if (/^\d+$/.test(text)) return Number(text);
  throw new FaultPointSyntaxError(raw, `erase unit must be first, middle, last or an index, got ${JSON.stringify(text)}`);
}

function parseMs(text: string, raw: string): number {
  const match = /^(\d+(?:\.\d+)?)(ms|s)$/.exec(text);
  if (!match) throw new FaultPointSyntaxError(raw, `time must look like 250ms or 1.5s, got ${JSON.stringify(text)}`);
  return Number(match[1]) * (match[2] === 's' ? 1000 : 1);
}

function parseFraction(text: string, raw: string): number {
  const match = /^(\d+(?:\.\d+)?)%$/.exec(text);
  const percent = match ? Number(match[1]) : NaN;
  if (!(percent > 0 && percent < 100))
    throw new FaultPointSyntaxError(raw, `the moment inside the operation must be a percent strictly between 0 and 100, got ${JSON.stringify(text)}`);
  return percent / 100;
}

function parseMoment(text: string, raw: string): InFlightMoment {
  return text.endsWith('%') ? { fraction: parseFraction(text, raw) } : { delayMs: parseMs(text, raw) };
}

/** "50%" for a fraction, "20ms" for a delay. */
export function formatMoment(moment: InFlightMoment): string {
  return 'fraction' in moment ? `${Math.round(moment.fraction * 1e6) / 1e4}%` : `${moment.delayMs}ms`;
}

/** Parses the CLI / report spelling of a fault point. */
export function parseFaultPoint(text: string): FaultPoint {
  const parts = text.trim().split(':');
  switch (parts[0]) {
    case 'erase': {
      if (parts.length !== 3 || (parts[1] !== 'before' && parts[1] !== 'after'))
        throw new FaultPointSyntaxError(text, 'use erase:before:<unit> or erase:after:<unit>');
      return { kind: 'erase', when: parts[1], unit: parseUnit(parts[2]!, text) };
    }
    case 'erase-in-flight':
      if (parts.length !== 3) throw new FaultPointSyntaxError(text, 'use erase-in-flight:<unit>:<percent>% or erase-in-flight:<unit>:<delay>');
      return { kind: 'erase-in-flight', unit: parseUnit(parts[1]!, text), at: parseMoment(parts[2]!, text) };
    case 'program-in-flight':
      if (parts.length !== 2 && parts.length !== 3)
        throw new FaultPointSyntaxError(text, 'use program-in-flight:<unit> or program-in-flight:<unit>:<percent>%');
      return { kind: 'program-in-flight', unit: parseUnit(parts[1]!, text), at: { fraction: parts[2] === undefined ? 0.5 : parseFraction(parts[2], text) } };
    case 'write': {
      if (parts.length !== 2) throw new FaultPointSyntaxError(text, 'use write:<percent>% or write:<bytes>');
      const value = parts[1]!;
      if (value.endsWith('%')) {
        const percent = Number(value.slice(0, -1));
        if (!(percent > 0 && percent < 100)) throw new FaultPointSyntaxError(text, 'percent must be strictly between 0 and 100');
        return { kind: 'write-percent', percent };
      }
      if (!/^\d+$/.test(value)) throw new FaultPointSyntaxError(text, 'bytes must be a whole number');
      return { kind: 'write-bytes', bytes: Number(value) };
    }
    case 'between-erase-and-write':
      return { kind: 'between-erase-and-write' };
    case 'after-header':
      return { kind: 'after-header' };
    case 'time':
      if (parts.length !== 2) throw new FaultPointSyntaxError(text, 'use time:<delay>');
      return { kind: 'time', afterMs: parseMs(parts[1]!, text) };
    default:
      throw new FaultPointSyntaxError(text, `unknown kind ${JSON.stringify(parts[0])}`);
  }
}

/** The spelling `parseFaultPoint` reads back, used in reports and parameters. */
export function formatFaultPoint(point: FaultPoint): string {
  switch (point.kind) {
    case 'erase':
      return `erase:${point.when}:${point.unit}`;
    case 'erase-in-flight':
      return `erase-in-flight:${point.unit}:${formatMoment(point.at)}`;
    case 'program-in-flight':
      return `program-in-flight:${point.unit}:${formatMoment(point.at)}`;
    case 'write-bytes':
      return `write:${point.bytes}`;
    case 'write-percent':
      return `write:${point.percent}%`;
    case 'between-erase-and-write':
      return 'between-erase-and-write';
    case 'after-header':
      return 'after-header';
    case 'time':
      return `time:${point.afterMs}ms`;
  }
}
