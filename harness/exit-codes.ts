/**
 * Exit codes of every `hil` command, and the line between a verdict and a broken run.
 *
 * A nightly job must tell "the board failed a check" (someone has to look at the firmware or
 * the flash) from "the harness could not reach a verdict" (someone has to look at the rig).
 * Anything that kept the harness from deciding is never a pass and never a plain failure.
 */
import { AssertionError } from 'chai';

export const ExitCode = {
  /** Every check ran and passed. */
  Passed: 0,
  /** The board failed at least one check: a verdict. */
  VerdictFailed: 1,
  /** No verdict: bad input, missing tool, OpenOCD died, board busy, no tests found. */
  NoVerdict: 2,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

/** Brand that survives two copies of this module being loaded (different import paths). */
const NO_VERDICT = Symbol.for('hil.noVerdict');

/**
 * Base class of every infrastructure error: the harness could not reach a verdict. Later
 * modules (OpenOCD supervisor, serial, power, boards) extend it and add what a person needs to
 * act on the failure (which command, what came back).
 */
export class NoVerdictError extends Error {
  readonly [NO_VERDICT] = true;

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

export type FailureKind = 'verdict' | 'broken';

export function isNoVerdictError(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as Record<symbol, unknown>)[NO_VERDICT] === true;
}

/**
 * A chai `AssertionError` (or node:assert's, same name) is a statement about the board: a
 * verdict. A NoVerdictError, and any other error (a TypeError in a spec included), kept the
 * harness from deciding: broken.
 */
export function classifyFailure(error: unknown): FailureKind {
  if (isNoVerdictError(error)) return 'broken';
  if (error instanceof AssertionError) return 'verdict';
  if (error instanceof Error && error.name === 'AssertionError') return 'verdict';
  return 'broken';
}

/**
 * The run's exit code. A reached verdict outranks breakage elsewhere: if the board failed a
 * check, that finding stands even when another spec could not run (the broken count is printed
 * separately). No tests at all is no verdict.
 */
export function exitCodeFor(counts: { passed: number; failed: number; broken: number; skipped: number }): ExitCode {
  const verdictFailures = counts.failed - counts.broken;
  if (verdictFailures > 0) return ExitCode.VerdictFailed;
  if (counts.broken > 0) return ExitCode.NoVerdict;
  if (counts.passed + counts.skipped === 0) return ExitCode.NoVerdict;
  return ExitCode.Passed;
}
