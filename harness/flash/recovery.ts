/**
 * Recovery of a W25Q512JV left in a bad state by an interrupted run, over `stmqspi cmd` only
 * (what works on silicon through any probe), and the protection diagnosis.
 *
 * Looks before it acts: it halts the core without a reset (`reset init` would send 66h/99h and
 * hide what was found), makes sure the QUADSPI controller is set up, then reads the JEDEC id and
 * the three status registers and fixes, in datasheet order: deep power-down (ABh release),
 * erase/program suspended (7Ah resume), busy (wait, then 66h+99h reset), WEL left set (04h),
 * 4-byte address mode (E9h: back to the power-up default the bootloader also assumes).
 * BP/TB/CMP protection is never cleared: it is diagnosed (FlashProtectedError names the ranges).
 */
import { setTimeout as delay } from 'node:timers/promises';
import { FlashProtectedError, FlashRecoveryError } from './errors.js';
import {
  decodeStatus,
  formatStatus,
  overlapWithProtected,
  protectedRanges,
  SR3_WPS,
  type DecodedStatus,
  type ProtectedRange,
  type StatusRegisters,
} from './status-registers.js';
import type { QspiTarget } from './qspi-target.js';

/** W25Q512JV instructions used here (datasheet section 8, Instructions). */
export const Op = {
  READ_SR1: 0x05,
  READ_SR2: 0x35,
  READ_SR3: 0x15,
  JEDEC_ID: 0x9f,
  WRITE_ENABLE: 0x06,
  WRITE_DISABLE: 0x04,
  WRITE_SR1: 0x01,
  RELEASE_POWER_DOWN: 0xab,
  POWER_DOWN: 0xb9,
  ENABLE_RESET: 0x66,
  RESET_DEVICE: 0x99,
  SUSPEND: 0x75,
  RESUME: 0x7a,
  ENTER_4BYTE: 0xb7,
  EXIT_4BYTE: 0xe9,
} as const;

/** QUADSPI_CR (RM0399): EN is bit 0. */
const QSPI_CR = 0x52005000;

/**
 * Controller-only set-up: the clock, pin and QUADSPI register part of the board's
 * qspi_init_w25q512jv (fixtures/openocd/procs/w25q512jv-qspi.tcl), without its 66h/99h chip
 * reset and B7h, so the chip's state survives until we have looked at it. Same register values,
 * decoded there.
 */
const CONTROLLER_INIT_TCL = [
  'mmw 0x580244E0 0x0000001A 0',
  'mmw 0x580244D4 0x00004000 0',
  'mmw 0x58020400 0x00002020 0x00003030',
  'mmw 0x58020408 0x00003030 0',
  'mmw 0x58020420 0x0A000900 0x0F000F00',
  'mmw 0x58020C00 0x0A800000 0x0FC00000',
  'mmw 0x58020C08 0x0FC00000 0',
  'mmw 0x58020C24 0x00999000 0x00FFF000',
  'mmw 0x58021000 0x00000020 0x00000030',
  'mmw 0x58021008 0x00000030 0',
  'mmw 0x58021020 0x00000900 0x00000F00',
  'mmw 0x52005000 0x00000002 0',
  'mww 0x52005000 0x01400011',
  'mww 0x52005004 0x00190100',
  'mww 0x52005014 0x0D003513',
].join('; ');

export async function readStatusRegisters(target: QspiTarget): Promise<StatusRegisters> {
  const read = async (op: number): Promise<number> => (await target.commands.stmqspiCmd(target.bank, 1, op))[0] ?? 0;
  return { sr1: await read(Op.READ_SR1), sr2: await read(Op.READ_SR2), sr3: await read(Op.READ_SR3) };
}

export async function readJedecId(target: QspiTarget): Promise<string> {
  const id = await target.commands.stmqspiCmd(target.bank, 3, Op.JEDEC_ID);
  return [...id].map((b) => b.toString(16).padStart(2, '0')).join('');
}

export interface ProtectionDiagnosis {
  readonly status: DecodedStatus;
  readonly protected: boolean;
  readonly ranges: readonly ProtectedRange[];
  /** 4 KiB sector index ranges (inclusive) that are protected. */
  readonly sectors: readonly { readonly first: number; readonly last: number }[];
  readonly explanation: string;
}

export function diagnoseProtectionFrom(regs: StatusRegisters, sizeBytes: number): ProtectionDiagnosis {
  const status = decodeStatus(regs);
  if ((regs.sr3 & SR3_WPS) !== 0) {
    return {
      status,
      protected: true,
      ranges: [],
      sectors: [],
      explanation: 'WPS=1: individual block/sector locks are in use (all locked after power-up); BP/TB/CMP are ignored',
    };
  }
  const ranges = protectedRanges(regs, sizeBytes);
  const sectors = ranges.map((r) => ({ first: r.start / 4096, last: r.end / 4096 - 1 }));
  const explanation =
    ranges.length === 0
      ? `no block protection (BP=${status.blockProtect}, ${status.complement ? 'CMP=1' : 'CMP=0'})`
      : `BP=${status.blockProtect} TB=${status.topBottom === 'bottom' ? 1 : 0} CMP=${status.complement ? 1 : 0} protect ${ranges
          .map((r) => `0x${r.start.toString(16)}..0x${(r.end - 1).toString(16)} (${(r.end - r.start) / 1024} KiB)`)
          .join(', ')}`;
  return { status, protected: ranges.length > 0, ranges, sectors, explanation };
}

export async function diagnoseProtection(target: QspiTarget): Promise<ProtectionDiagnosis> {
  return diagnoseProtectionFrom(await readStatusRegisters(target), target.chip.sizeBytes);
}

/** Throws FlashProtectedError when [offset, offset+length) touches a protected area. */
export async function assertRangeWritable(target: QspiTarget, offset: number, length: number): Promise<void> {
  const diagnosis = await diagnoseProtection(target);
  if (!diagnosis.protected) return;
  const blocking = diagnosis.status.individualLocks
    ? [{ start: offset, end: offset + length }]
    : overlapWithProtected(diagnosis.ranges, offset, offset + length);
  if (blocking.length > 0) throw new FlashProtectedError(target.boardId, diagnosis.status, diagnosis.ranges, blocking, diagnosis.explanation);
}

export interface RecoveryAction {
  readonly command: string;
  readonly why: string;
}

export interface RecoveryReport {
  readonly jedecIdBefore: string;
  readonly jedecIdAfter: string;
  readonly before: DecodedStatus;
  readonly after: DecodedStatus;
  /** What was wrong, in words. */
  readonly found: readonly string[];
  readonly actions: readonly RecoveryAction[];
  readonly protection: ProtectionDiagnosis;
  /** Nothing was wrong (no action needed). */
  readonly wasHealthy: boolean;
  readonly elapsedMs: number;
}

export interface RecoveryOptions {
  /** How long to let a busy chip finish before resetting it (default: the 64 KiB erase max, scaled, + 1 s). */
  readonly busyTimeoutMs?: number;
  /**
   * '3-byte' (default): leave the chip in the power-up address mode, sending E9h when ADS=1.
   * 'any': report the mode only. The boards' reset-init (qspi_init_w25q512jv) enters 4-byte
   * mode on purpose, so right after `reset init` the default always finds and undoes ADS=1.
   */
  readonly addressMode?: '3-byte' | 'any';
  /** Throw FlashProtectedError when protection is found (default false: reported only). */
  readonly failOnProtection?: boolean;
}

export async function recoverChip(target: QspiTarget, options: RecoveryOptions = {}): Promise<RecoveryReport> {
  const started = performance.now();
  const ocd = target.commands;
  const found: string[] = [];
  const actions: RecoveryAction[] = [];
  const send = async (why: string, op: number, ...data: number[]): Promise<void> => {
    await ocd.stmqspiCmd(target.bank, 0, op, ...data);
    actions.push({ command: `stmqspi cmd ${target.bank} 0 0x${op.toString(16)}${data.map((d) => ` 0x${d.toString(16)}`).join('')}`, why });
  };

  // Halt without reset: a reset would run reset-init's 66h/99h and erase the evidence.
  const state = (await ocd.targets()).find((t) => t.current)?.state;
  if (state !== 'halted') await ocd.halt(2000);
  const cr = (await ocd.readMemory(QSPI_CR, 32, 1))[0] ?? 0;
  if ((cr & 1) === 0) {
    await ocd.raw(CONTROLLER_INIT_TCL);
    actions.push({
      command: 'QUADSPI controller set-up (clocks, pins, CR/DCR/CCR as qspi_init, no chip commands)',
      why: 'QUADSPI_CR.EN was 0 (MCU reset since the last set-up)',
    });
  }
  // stmqspi cmd reuses the modes of the CCR it saved at probe time; a failed probe still saves it.
  if (!(target.isProbed?.() ?? false)) await ocd.flashProbe(target.bank).catch(() => undefined);

  const expectedId = target.chip.jedecId.map((b) => b.toString(16).padStart(2, '0')).join('');
  const jedecIdBefore = await readJedecId(target);
  let jedecId = jedecIdBefore;
  let regs = await readStatusRegisters(target);
  const before = decodeStatus(regs);
  // A busy chip answers only status reads (the id reads FFFFFF); a chip in deep power-down
  // answers nothing (all lines float high, status included).
  const answersStatus = regs.sr1 !== 0xff || regs.sr2 !== 0xff;
  if (jedecId !== expectedId && !(answersStatus && before.busy)) {
    found.push(`JEDEC id reads ${jedecId}, not ${expectedId}${answersStatus ? '' : ' and the status registers read FF'}: deep power-down (B9h)`);
    await send('release from deep power-down', Op.RELEASE_POWER_DOWN);
    await delay(1);
    jedecId = await readJedecId(target);
    regs = await readStatusRegisters(target);
  }
  if (decodeStatus(regs).suspended) {
    found.push(`erase/program suspended (SR2.SUS=1, ${formatStatus(regs)})`);
    await send('resume the suspended erase/program so it completes', Op.RESUME);
    regs = await readStatusRegisters(target);
  }
  if (decodeStatus(regs).busy) {
    found.push(`busy (SR1.BUSY=1, ${formatStatus(regs)})`);
    const unitMax = target.chip.eraseUnits[target.chip.eraseUnits.length - 1]!.time.maxMs;
    const limit = performance.now() + (options.busyTimeoutMs ?? unitMax * target.timeScale + 1000);
    while (decodeStatus(regs).busy && performance.now() < limit) {
      await delay(5);
      regs = await readStatusRegisters(target);
    }
    if (decodeStatus(regs).busy) {
      await send('enable reset (the chip stayed busy)', Op.ENABLE_RESET);
      await send('software reset: abandons the operation in progress', Op.RESET_DEVICE);
      await delay(1);
      regs = await readStatusRegisters(target);
    } else {
      actions.push({ command: `poll status until BUSY=0 (now ${formatStatus(regs)})`, why: 'let the operation in progress finish' });
    }
    jedecId = await readJedecId(target);
  }
  if (jedecId !== expectedId) {
    // Still no id: a software reset is the last thing short of power-cycling.
    await send('enable reset (no JEDEC id after release)', Op.ENABLE_RESET);
    await send('software reset', Op.RESET_DEVICE);
    await delay(1);
    jedecId = await readJedecId(target);
    if (jedecId !== expectedId)
      throw new FlashRecoveryError(
        target.boardId,
        `JEDEC id reads ${jedecId}, expected ${expectedId}`,
        actions.map((a) => a.command),
      );
    regs = await readStatusRegisters(target);
  }
  if (decodeStatus(regs).writeEnabled) {
    found.push(`write enable latch left set (SR1.WEL=1, ${formatStatus(regs)})`);
    await send('clear WEL so no stray write/erase can run', Op.WRITE_DISABLE);
    regs = await readStatusRegisters(target);
  }
  if (decodeStatus(regs).fourByteMode && (options.addressMode ?? '3-byte') === '3-byte') {
    found.push(`4-byte address mode (SR3.ADS=1, ${formatStatus(regs)})`);
    await send('back to 3-byte addressing, the power-up default the bootloader assumes', Op.EXIT_4BYTE);
    regs = await readStatusRegisters(target);
  }
  const after = decodeStatus(regs);
  if (after.busy || after.suspended || after.writeEnabled) {
    throw new FlashRecoveryError(
      target.boardId,
      `status still ${formatStatus(regs)} after recovery`,
      actions.map((a) => a.command),
    );
  }
  if (actions.length > 0) await ocd.flashProbe(target.bank).catch(() => undefined);
  const protection = diagnoseProtectionFrom(regs, target.chip.sizeBytes);
  if (protection.protected && options.failOnProtection) {
    throw new FlashProtectedError(target.boardId, protection.status, protection.ranges, [], protection.explanation);
  }
  return {
    jedecIdBefore,
    jedecIdAfter: jedecId,
    before,
    after,
    found,
    actions,
    protection,
    wasHealthy: found.length === 0,
    elapsedMs: performance.now() - started,
  };
}
