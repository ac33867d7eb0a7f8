/**
 * Where a fault fires during a procedure that is not the harness's plan (a team's tool, OpenOCD's
 * `program`): the harness cannot stop it between its steps, so it fires from what it sees:
 *
 *   progress:<p>%        the tool's output states p % (the procedure's progress pattern)
 *   line:<regex>         a line of the tool's output matches (JavaScript regex)
 *   time:<ms>            this long after the tool started
 *   erase-in-flight:<unit>:<p>%, program-in-flight:<unit>[:<p>%]
 *                        inside that chip operation, held by the virtual board's chip trigger
 *                        (whatever tool runs it); units are the image's 64 KiB units
 */
import { FaultPointSyntaxError, formatFaultPoint, parseFaultPoint, type EraseUnitRef } from '../faults/fault-point.js';

export type ProcedurePoint =
  | { readonly kind: 'progress'; readonly percent: number }
  | { readonly kind: 'line'; readonly pattern: string }
  | { readonly kind: 'time'; readonly afterMs: number }
  | { readonly kind: 'erase-in-flight'; readonly unit: EraseUnitRef; readonly fraction: number }
  | { readonly kind: 'program-in-flight'; readonly unit: EraseUnitRef; readonly fraction: number };

export function parseProcedurePoint(text: string): ProcedurePoint {
  // A line pattern keeps its spaces: only leading ones go.
  const trimmed = text.trimStart().startsWith('line:') ? text.trimStart() : text.trim();
  if (trimmed.startsWith('progress:')) {
    const match = /^(\d+(?:\.\d+)?)%$/.exec(trimmed.slice('progress:'.length));
    const percent = match ? Number(match[1]) : NaN;
    if (!(percent > 0 && percent < 100))
      throw new FaultPointSyntaxError(text, 'use progress:<p>% with 0 < p < 100 (the tool must state its progress: the procedure needs a progress pattern)');
    return { kind: 'progress', percent };
  }
  if (trimmed.startsWith('line:')) {
    const pattern = trimmed.slice('line:'.length);
    if (pattern === '') throw new FaultPointSyntaxError(text, 'use line:<regex> with a pattern for a line of the tool output');
    try {
      RegExp(pattern);
    } catch (error) {
      throw new FaultPointSyntaxError(text, `the line pattern is not a regex: ${error instanceof Error ? error.message : String(error)}`);
    }
    return { kind: 'line', pattern };
  }
  const point = parseFaultPoint(trimmed);
  switch (point.kind) {
    case 'time':
      return { kind: 'time', afterMs: point.afterMs };
    case 'erase-in-flight':
      if (!('fraction' in point.at)) throw new FaultPointSyntaxError(text, 'inside a tool run, an erase is aimed at a fraction (erase-in-flight:<unit>:<p>%)');
      return { kind: 'erase-in-flight', unit: point.unit, fraction: point.at.fraction };
    case 'program-in-flight':
      return { kind: 'program-in-flight', unit: point.unit, fraction: point.at.fraction };
    default:
      throw new FaultPointSyntaxError(
        text,
        `${formatFaultPoint(point)} is a step of the harness's plan: a tool's run is interrupted at progress:<p>%, line:<regex>, time:<ms>, erase-in-flight or program-in-flight`,
      );
  }
}

export function formatProcedurePoint(point: ProcedurePoint): string {
  switch (point.kind) {
    case 'progress':
      return `progress:${point.percent}%`;
    case 'line':
      return `line:${point.pattern}`;
    case 'time':
      return `time:${point.afterMs}ms`;
    case 'erase-in-flight':
    case 'program-in-flight':
      return `${point.kind}:${point.unit}:${Math.round(point.fraction * 1e6) / 1e4}%`;
  }
}

/** Points the virtual board's chip trigger aims (inside one chip operation). */
export function isChipOperationPoint(point: ProcedurePoint): point is Extract<ProcedurePoint, { kind: 'erase-in-flight' | 'program-in-flight' }> {
  return point.kind === 'erase-in-flight' || point.kind === 'program-in-flight';
}
