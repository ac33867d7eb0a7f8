/**
 * Writing back the flash's non-volatile status bits a spec set on purpose (spec 6's block
 * protection). Those bits outlive power cycles: a restore that fails silently leaves a farm
 * board write-protected for every later run, which then fails for a reason nobody can see. So
 * the value is read back after the write, and anything but the value wanted is a
 * StatusNotRestoredError (no verdict) naming the board, the register and what it was left at.
 */
import { NoVerdictError } from '../../harness/exit-codes.js';
import { Op } from '../../harness/flash/index.js';

/** SR1's non-volatile bits: SRP, TB, BP3..BP0 (BUSY and WEL are volatile). */
export const SR1_NON_VOLATILE_BITS = 0xfc;

/** What the restore needs of a BoardSession (structural: the meta-test passes a stand-in). */
export interface StatusRestoreSession {
  readonly board: { readonly id: string; readonly qspi: { readonly bank: string | number } };
  readonly broken: unknown;
  readonly interrupted: unknown;
  reconnect(): Promise<unknown>;
  readonly openocd: { stmqspiCmd(bank: string | number, responseBytes: number, commandByte: number, ...bytes: number[]): Promise<Uint8Array> };
  readonly flash: { status(): Promise<{ readonly sr1: number; readonly busy: boolean }> };
}

const hex = (value: number): string => `0x${value.toString(16).padStart(2, '0')}`;

export class StatusNotRestoredError extends NoVerdictError {
  constructor(
    readonly boardId: string,
    readonly register: 'SR1',
    /** What the register reads now; undefined when it could not be read. */
    readonly left: number | undefined,
    readonly wanted: number,
    detail: string,
    bank: string | number,
    options?: { cause?: unknown },
  ) {
    super(
      `board ${boardId}: status register ${register} not restored: ${detail}; wanted ${hex(wanted)}. ` +
        `The board stays write-protected across power cycles until ${register} is written back, e.g. in OpenOCD: ` +
        `stmqspi cmd ${bank} 0 0x06; stmqspi cmd ${bank} 0 0x01 ${hex(wanted)}`,
      options,
    );
  }
}

/**
 * Writes SR1's non-volatile bits back to `wanted` (06h, 01h) after `after` (the case, for the
 * message), reconnecting first when the case left the session broken or interrupted, and checks
 * the value read back. `caseError`: how the case itself ended, kept in the message so a failed
 * restore does not hide it.
 */
export async function restoreSr1(session: StatusRestoreSession, wanted: number, after: string, caseError?: unknown): Promise<void> {
  const bank = session.board.qspi.bank;
  const also =
    caseError === undefined ? '' : ` (the case itself had ended with: ${caseError instanceof Error ? caseError.message.split('\n')[0] : String(caseError)})`;
  let left: number | undefined;
  try {
    if (session.broken !== undefined || session.interrupted !== undefined) await session.reconnect();
    await session.openocd.stmqspiCmd(bank, 0, Op.WRITE_ENABLE);
    await session.openocd.stmqspiCmd(bank, 0, Op.WRITE_SR1, wanted & SR1_NON_VOLATILE_BITS);
    // tW of a non-volatile status write: 15 ms at most; BUSY says when it is done.
    let status = await session.flash.status();
    for (const deadline = Date.now() + 1000; status.busy && Date.now() < deadline; status = await session.flash.status()) {
      await new Promise((r) => setTimeout(r, 5));
    }
    left = status.sr1;
  } catch (error) {
    throw new StatusNotRestoredError(
      session.board.id,
      'SR1',
      undefined,
      wanted,
      `after "${after}" the write-back failed (${error instanceof Error ? error.message.split('\n')[0] : String(error)}), so SR1 keeps what the case wrote${also}`,
      bank,
      { cause: error },
    );
  }
  if ((left & SR1_NON_VOLATILE_BITS) !== (wanted & SR1_NON_VOLATILE_BITS)) {
    throw new StatusNotRestoredError(session.board.id, 'SR1', left, wanted, `after "${after}" it reads ${hex(left)}${also}`, bank);
  }
}
