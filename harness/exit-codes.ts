/**
 * Exit codes of every `hil` command, and the line between a verdict and a broken run.
 *
 * A nightly job must tell "the board failed a check" (someone has to look at the firmware or
 * the flash) from "the harness could not reach a verdict" (someone has to look at the rig).
 * Anything that kept the harness from deciding is never a pass and never a plain failure.
 *
 * The rule (README "Verdict or broken"): a **verdict** is anything the board or the procedure
 * under test did on a board that passed its health check: a flash operation OpenOCD reports
 * failed or refused, a chip that no longer probes or answers after an interruption, a wrong or
 * missing boot verdict while the UART is proven alive, a HardFault. **Broken** is the rig:
 * OpenOCD not starting or dying outside an injected fault, a config error, the probe, a port,
 * the board lock, the inventory, the tty, a fault not confirmed or that did not land. Each error
 * class states which it is (VerdictError or NoVerdictError); `classifyFailure` is the one place
 * that reads it.
 */
import { AssertionError as NodeAssertionError } from 'node:assert';
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

/**
 * Base class of every infrastructure error: the harness could not reach a verdict. Later
 * modules (OpenOCD supervisor, serial, power, boards) extend it and add what a person needs to
 * act on the failure (which command, what came back).
 */
export class NoVerdictError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

export type FailureKind = 'verdict' | 'broken';

/**
 * An error that only passes a failure on (a session step, the health check, a flash operation
 * wrapping OpenOCD's answer): the reason is in its `cause`. Readers that look for the first real
 * failure in a cause chain skip these.
 */
export interface CauseCarrier {
  readonly passesOnCause: boolean;
}

export function passesOnCause(error: unknown): boolean {
  return error instanceof Error && (error as Partial<CauseCarrier>).passesOnCause === true;
}

/** Every entry point loads one copy of the harness (see module-identity tests): `instanceof` holds. */
export function isNoVerdictError(error: unknown): boolean {
  return error instanceof NoVerdictError || (error instanceof VerdictError && error.brokenBy !== undefined);
}

/**
 * The report's verdict categories (report/categories.json matches them at the start of a
 * failed test's message). Spec assertions and VerdictErrors start their messages with one.
 */
export const VerdictCategory = {
  flashNotCleared: 'flash not cleared',
  bootAcceptedBadImage: 'boot accepted a bad image',
  bootFault: 'boot fault',
  /** The programming procedure errored, refused, or could not recover the chip. */
  procedureFailed: 'procedure failed',
} as const;
export type VerdictCategory = (typeof VerdictCategory)[keyof typeof VerdictCategory];

export interface VerdictErrorOptions {
  readonly cause?: unknown;
  /**
   * The rig's failure found behind this one (OpenOCD died, the Tcl connection was lost): the
   * same failure is then no verdict. Its message has no category phrase and it classifies as
   * broken; the subclass decides from its cause (harness/flash/errors.ts).
   */
  readonly brokenBy?: Error;
}

/**
 * Base class of a failure the board or the procedure under test caused, on a board that passed
 * its health check: a verdict (exit 1), sorted into `category`. Its message starts with the
 * category phrase ("procedure failed: board X: ...") because the report sorts by message.
 */
export class VerdictError extends Error {
  /** Set when the rig caused it after all: then this instance is broken (see VerdictErrorOptions). */
  readonly brokenBy: Error | undefined;

  constructor(
    readonly category: VerdictCategory,
    detail: string,
    options: VerdictErrorOptions = {},
  ) {
    super(options.brokenBy ? detail : `${category}: ${detail}`, options.cause !== undefined ? { cause: options.cause } : undefined);
    this.name = new.target.name;
    this.brokenBy = options.brokenBy;
  }
}

export function isVerdictError(error: unknown): boolean {
  return error instanceof VerdictError && error.brokenBy === undefined;
}

/**
 * The one decision point. A NoVerdictError (a VerdictError the rig caused included) is broken;
 * a VerdictError, and a chai or node:assert `AssertionError`, is a statement
 * about the board: a verdict. Any other error (a TypeError in a spec included) kept the harness
 * from deciding: broken.
 */
export function classifyFailure(error: unknown): FailureKind {
  if (isNoVerdictError(error)) return 'broken';
  if (isVerdictError(error)) return 'verdict';
  if (error instanceof AssertionError || error instanceof NodeAssertionError) return 'verdict';
  return 'broken';
}

/**
 * The run's exit code. A reached verdict outranks breakage elsewhere: if the board failed a
 * check, that finding stands even when another spec could not run (the broken count is printed
 * separately). No tests at all is no verdict, and so is a run in which every test was skipped:
 * nothing was judged, and a board that allows nothing must not read as a green night.
 */
export function exitCodeFor(counts: { passed: number; failed: number; broken: number; skipped: number }): ExitCode {
  const verdictFailures = counts.failed - counts.broken;
  if (verdictFailures > 0) return ExitCode.VerdictFailed;
  if (counts.broken > 0) return ExitCode.NoVerdict;
  if (counts.passed === 0) return ExitCode.NoVerdict;
  return ExitCode.Passed;
}
