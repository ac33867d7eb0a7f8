/**
 * W25Q512JV status registers as read through `stmqspi cmd` (05h/35h/15h), decoded, and the
 * block-protection rule that turns BP3..0/TB/CMP into protected address ranges.
 *
 * Bits (W25Q512JV datasheet 7.1, Status Registers): SR1 = SRP TB BP3 BP2 BP1 BP0 WEL BUSY; SR2 = SUS CMP LB3 LB2 LB1 (R) QE
 * SRL; SR3 = (R) DRV1 DRV0 (R) (R) WPS ADP ADS.
 * Protection (datasheet 7.1.3-7.1.8 and its memory protection table, WPS=0): BP=0 nothing; BP=n (1..10) protects 64 KiB x 2^(n-1) at
 * the top (TB=0) or bottom (TB=1); BP >= 11 the whole array; CMP=1 protects the complement.
 * The exact datasheet table was not reachable; this is the rule Linux spi-nor applies to the part.
 */

export const SR1_BUSY = 1 << 0;
export const SR1_WEL = 1 << 1;
export const SR1_BP_SHIFT = 2;
export const SR1_BP_MASK = 0xf << SR1_BP_SHIFT;
export const SR1_TB = 1 << 6;
export const SR1_SRP = 1 << 7;
export const SR2_SRL = 1 << 0;
export const SR2_QE = 1 << 1;
export const SR2_CMP = 1 << 6;
export const SR2_SUS = 1 << 7;
export const SR3_ADS = 1 << 0;
export const SR3_ADP = 1 << 1;
export const SR3_WPS = 1 << 2;

const BLOCK_64K = 0x10000;

export interface StatusRegisters {
  readonly sr1: number;
  readonly sr2: number;
  readonly sr3: number;
}

export interface DecodedStatus extends StatusRegisters {
  readonly busy: boolean;
  readonly writeEnabled: boolean;
  readonly blockProtect: number;
  readonly topBottom: 'top' | 'bottom';
  readonly complement: boolean;
  readonly suspended: boolean;
  readonly fourByteMode: boolean;
  /** WPS=1: individual block locks instead of BP bits. */
  readonly individualLocks: boolean;
  readonly statusRegisterProtect: boolean;
}

export function decodeStatus(regs: StatusRegisters): DecodedStatus {
  return {
    ...regs,
    busy: (regs.sr1 & SR1_BUSY) !== 0,
    writeEnabled: (regs.sr1 & SR1_WEL) !== 0,
    blockProtect: (regs.sr1 & SR1_BP_MASK) >>> SR1_BP_SHIFT,
    topBottom: (regs.sr1 & SR1_TB) !== 0 ? 'bottom' : 'top',
    complement: (regs.sr2 & SR2_CMP) !== 0,
    suspended: (regs.sr2 & SR2_SUS) !== 0,
    fourByteMode: (regs.sr3 & SR3_ADS) !== 0,
    individualLocks: (regs.sr3 & SR3_WPS) !== 0,
    statusRegisterProtect: (regs.sr1 & SR1_SRP) !== 0,
  };
}

export interface ProtectedRange {
  /** Offset from the start of the flash. */
  readonly start: number;
  /** Exclusive end. */
  readonly end: number;
}

/** The ranges BP/TB/CMP protect on a `size`-byte array (WPS=0); empty when nothing is. */
export function protectedRanges(regs: Pick<StatusRegisters, 'sr1' | 'sr2'>, size: number): ProtectedRange[] {
  const bp = (regs.sr1 & SR1_BP_MASK) >>> SR1_BP_SHIFT;
  const bottom = (regs.sr1 & SR1_TB) !== 0;
  const complement = (regs.sr2 & SR2_CMP) !== 0;
  const length = bp === 0 ? 0 : bp >= 11 ? size : Math.min(size, BLOCK_64K * 2 ** (bp - 1));
  const main: ProtectedRange = bottom ? { start: 0, end: length } : { start: size - length, end: size };
  if (!complement) return length === 0 ? [] : [main];
  const rest: ProtectedRange = bottom ? { start: length, end: size } : { start: 0, end: size - length };
  return rest.start === rest.end ? [] : [rest];
}

/** The parts of [start, end) that fall in a protected range. */
export function overlapWithProtected(ranges: readonly ProtectedRange[], start: number, end: number): ProtectedRange[] {
  const hits: ProtectedRange[] = [];
  for (const r of ranges) {
    const s = Math.max(r.start, start);
    const e = Math.min(r.end, end);
    if (s < e) hits.push({ start: s, end: e });
  }
  return hits;
}

export function hexByte(value: number): string {
  return `0x${value.toString(16).padStart(2, '0')}`;
}

/** "SR1=0x3c SR2=0x02 SR3=0x01" for messages. */
export function formatStatus(regs: StatusRegisters): string {
  return `SR1=${hexByte(regs.sr1)} SR2=${hexByte(regs.sr2)} SR3=${hexByte(regs.sr3)}`;
}
