/**
 * Failures of the flash layer. Each names the board, the command as sent and what came back.
 *
 * A flash operation OpenOCD reports failed or refused (an erase the chip did not accept,
 * protection, a program or verify that failed), or a chip recovery could not bring back, is the
 * procedure under test failing: a verdict in "procedure failed" (VerdictError). The same error
 * caused by the rig (OpenOCD died, the Tcl connection was lost, the session refused) is no
 * verdict: `rigFailureIn` finds that in the cause chain and the error classifies as broken.
 */
import { classifyFailure, NoVerdictError, passesOnCause, VerdictCategory, VerdictError, type CauseCarrier } from '../exit-codes.js';
import { ImageVerifyError, TclCommandError } from '../openocd/index.js';
import { formatStatus, type ProtectedRange, type StatusRegisters } from './status-registers.js';

function hex(value: number): string {
  return `0x${value.toString(16).padStart(8, '0')}`;
}

function isTclCommandError(error: unknown): error is TclCommandError {
  return error instanceof TclCommandError || error instanceof ImageVerifyError;
}

/**
 * The rig's failure behind `cause`, or undefined when the failure is the procedure's. Only two
 * things are the procedure's: OpenOCD's own report of a failed command (a TclCommandError: it
 * ran the command and the target or the chip said no) and the harness's own reading of the chip
 * (no cause at all). Anything else found first (OpenOCD exited, the Tcl connection lost or
 * silent, the session refusing because it is broken or interrupted, a bug) is the rig. A Tcl
 * "invalid command name" is a config that lacks a proc or driver: the rig as well.
 */
export function rigFailureIn(cause: unknown): Error | undefined {
  let link = cause;
  for (let depth = 0; link !== undefined && depth < 16; depth++) {
    if (isTclCommandError(link)) return /^invalid command name/.test(link.tclMessage) ? link : undefined;
    if (classifyFailure(link) === 'verdict') return undefined;
    if (!(link instanceof Error)) return new Error(String(link));
    if (!passesOnCause(link) || link.cause === undefined) return link;
    link = link.cause;
  }
  return undefined;
}

/** An OpenOCD flash command failed (verdict), or could not run because the rig failed (broken). */
export class FlashOperationError extends VerdictError implements CauseCarrier {
  readonly passesOnCause: boolean = true;
  constructor(
    readonly boardId: string,
    readonly operation: string,
    readonly command: string,
    readonly response: string,
    options?: { cause?: unknown },
  ) {
    const brokenBy = rigFailureIn(options?.cause);
    super(VerdictCategory.procedureFailed, `board ${boardId}: ${operation} failed\n  command: ${command}\n  came back: ${response || '(nothing)'}`, {
      cause: options?.cause,
      ...(brokenBy ? { brokenBy } : {}),
    });
  }
}

/**
 * BP/TB/CMP (or WPS individual locks) protect part of the flash. The harness never clears
 * protection on its own: someone set it on purpose, or the board config or the procedure left it
 * set; either way a person decides, and the run cannot program the range: "procedure failed".
 * Names the protected ranges and the raw status registers.
 */
export class FlashProtectedError extends VerdictError {
  constructor(
    readonly boardId: string,
    readonly status: StatusRegisters,
    /** Protected parts of the flash (offsets from the bank start). */
    readonly protectedRanges: readonly ProtectedRange[],
    /** The part of the requested range that is protected, when a range was asked for. */
    readonly blocking: readonly ProtectedRange[],
    readonly explanation: string,
  ) {
    super(
      VerdictCategory.procedureFailed,
      `board ${boardId}: W25Q512JV write protection is set (${formatStatus(status)}): ${explanation}. ` +
        `Protected: ${protectedRanges.map((r) => `${hex(r.start)}..${hex(r.end - 1)} (4 KiB sectors ${r.start / 4096}..${r.end / 4096 - 1})`).join(', ') || 'individual block locks'}` +
        (blocking.length > 0 ? `; the requested range overlaps ${blocking.map((r) => `${hex(r.start)}..${hex(r.end - 1)}`).join(', ')}` : '') +
        '. The harness does not clear protection by itself: clear BP/TB/CMP with `stmqspi cmd <bank> 0 0x06` then `stmqspi cmd <bank> 0 0x01 0x00` (and 0x31 for SR2) if that is intended.',
    );
  }
}

/** The chip stays in a state recovery could not leave (busy forever, no JEDEC id): the procedure cannot bring it back. */
export class FlashRecoveryError extends VerdictError {
  constructor(
    readonly boardId: string,
    readonly found: string,
    readonly tried: readonly string[],
  ) {
    super(VerdictCategory.procedureFailed, `board ${boardId}: could not recover the QSPI flash: ${found}; tried: ${tried.join('; ') || 'nothing'}`);
  }
}

/** A verify after programming found the flash differs from the image (verdict; broken when the rig failed). */
export class FlashVerifyError extends VerdictError implements CauseCarrier {
  readonly passesOnCause: boolean = true;
  constructor(
    readonly boardId: string,
    readonly offset: number,
    readonly length: number,
    readonly differences: readonly { address: number; actual: number; expected: number }[],
    options?: { cause?: unknown },
  ) {
    const brokenBy = rigFailureIn(options?.cause);
    super(
      VerdictCategory.procedureFailed,
      `board ${boardId}: verify of ${length} bytes at flash offset ${hex(offset)} failed` +
        (differences.length > 0
          ? `; first differences: ${differences
              .slice(0, 4)
              .map((d) => `${hex(d.address)} was 0x${d.actual.toString(16)} expected 0x${d.expected.toString(16)}`)
              .join(', ')}`
          : ''),
      { cause: options?.cause, ...(brokenBy ? { brokenBy } : {}) },
    );
  }
}

/** A mass erase on a board whose entry does not allow it. */
export class MassEraseNotAllowedError extends NoVerdictError {
  constructor(readonly boardId: string) {
    super(`board ${boardId} does not allow a mass erase (boards.json allows.massErase is false); erase the sectors you need instead`);
  }
}
