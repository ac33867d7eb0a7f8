/**
 * Failures of the flash layer that keep the harness from a verdict: each names the board, the
 * command as sent and what came back.
 */
import { NoVerdictError } from '../exit-codes.js';
import { formatStatus, type ProtectedRange, type StatusRegisters } from './status-registers.js';

function hex(value: number): string {
  return `0x${value.toString(16).padStart(8, '0')}`;
}

/** An OpenOCD flash command failed or answered something we cannot use. */
export class FlashOperationError extends NoVerdictError {
  constructor(
    readonly boardId: string,
    readonly operation: string,
    readonly command: string,
    readonly response: string,
    options?: { cause?: unknown },
  ) {
    super(`board ${boardId}: ${operation} failed\n  command: ${command}\n  came back: ${response || '(nothing)'}`, options);
  }
}

/**
 * BP/TB/CMP (or WPS individual locks) protect part of the flash. The harness never clears
 * protection on its own: someone set it on purpose, or the part is misconfigured; either way a
 * person decides. Names the protected ranges and the raw status registers.
 */
export class FlashProtectedError extends NoVerdictError {
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
      `board ${boardId}: W25Q512JV write protection is set (${formatStatus(status)}): ${explanation}. ` +
        `Protected: ${protectedRanges.map((r) => `${hex(r.start)}..${hex(r.end - 1)} (4 KiB sectors ${r.start / 4096}..${r.end / 4096 - 1})`).join(', ') || 'individual block locks'}` +
        (blocking.length > 0 ? `; the requested range overlaps ${blocking.map((r) => `${hex(r.start)}..${hex(r.end - 1)}`).join(', ')}` : '') +
        '. The harness does not clear protection by itself: clear BP/TB/CMP with `stmqspi cmd <bank> 0 0x06` then `stmqspi cmd <bank> 0 0x01 0x00` (and 0x31 for SR2) if that is intended.',
    );
  }
}

/** The chip stays in a state recovery could not leave (busy forever, no JEDEC id). */
export class FlashRecoveryError extends NoVerdictError {
  constructor(
    readonly boardId: string,
    readonly found: string,
    readonly tried: readonly string[],
  ) {
    super(`board ${boardId}: could not recover the QSPI flash: ${found}; tried: ${tried.join('; ') || 'nothing'}`);
  }
}

/** A verify after programming found the flash differs from the image. */
export class FlashVerifyError extends NoVerdictError {
  constructor(
    readonly boardId: string,
    readonly offset: number,
    readonly length: number,
    readonly differences: readonly { address: number; actual: number; expected: number }[],
    options?: { cause?: unknown },
  ) {
    super(
      `board ${boardId}: verify of ${length} bytes at flash offset ${hex(offset)} failed` +
        (differences.length > 0
          ? `; first differences: ${differences
              .slice(0, 4)
              .map((d) => `${hex(d.address)} was 0x${d.actual.toString(16)} expected 0x${d.expected.toString(16)}`)
              .join(', ')}`
          : ''),
      options,
    );
  }
}

/** A mass erase on a board whose entry does not allow it. */
export class MassEraseNotAllowedError extends NoVerdictError {
  constructor(readonly boardId: string) {
    super(`board ${boardId} does not allow a mass erase (boards.json allows.massErase is false); erase the sectors you need instead`);
  }
}
