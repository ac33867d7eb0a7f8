/**
 * Chip descriptions the harness plans and judges against: geometry, identification and the
 * operation times the part itself states. W25Q512JV first.
 *
 * Times: the W25Q512JV's own SFDP Basic Flash Parameter Table (dwords 10-11, JESD216 encoding:
 * typical times plus a max multiplier), which every part returns and OpenOCD reads. Decoded:
 * page program 704 us typ (max x6), 4 KiB erase 64 ms, 32 KiB 128 ms, 64 KiB 160 ms typ (max x14),
 * chip erase 192 s typ (max not encoded; 400 s is the limit OpenOCD's stmqspi waits).
 */

export interface OperationTime {
  /** Typical duration in milliseconds. */
  readonly typicalMs: number;
  /** Maximum duration in milliseconds (the part's own bound). */
  readonly maxMs: number;
}

export interface ChipDescription {
  readonly name: string;
  /** JEDEC id bytes as read by 9Fh. */
  readonly jedecId: readonly [number, number, number];
  readonly sizeBytes: number;
  readonly pageSize: number;
  /** Erase granularities the part offers, smallest first. */
  readonly eraseUnits: readonly { readonly size: number; readonly opcode3Byte: number; readonly opcode4Byte: number; readonly time: OperationTime }[];
  readonly chipErase: { readonly opcode: number; readonly time: OperationTime };
  readonly pageProgram: OperationTime;
}

export const W25Q512JV: ChipDescription = {
  name: 'W25Q512JV',
  jedecId: [0xef, 0x40, 0x20],
  sizeBytes: 64 * 1024 * 1024,
  pageSize: 256,
  eraseUnits: [
    { size: 4 * 1024, opcode3Byte: 0x20, opcode4Byte: 0x21, time: { typicalMs: 64, maxMs: 64 * 14 } },
    { size: 32 * 1024, opcode3Byte: 0x52, opcode4Byte: 0x52, time: { typicalMs: 128, maxMs: 128 * 14 } },
    { size: 64 * 1024, opcode3Byte: 0xd8, opcode4Byte: 0xdc, time: { typicalMs: 160, maxMs: 160 * 14 } },
  ],
  chipErase: { opcode: 0xc7, time: { typicalMs: 192_000, maxMs: 400_000 } },
  pageProgram: { typicalMs: 0.704, maxMs: 0.704 * 6 },
};

export function eraseUnitOf(chip: ChipDescription, size: number): ChipDescription['eraseUnits'][number] {
  const unit = chip.eraseUnits.find((u) => u.size === size);
  if (!unit) throw new RangeError(`${chip.name} has no ${size}-byte erase (it has ${chip.eraseUnits.map((u) => u.size).join(', ')})`);
  return unit;
}

export function jedecIdHex(chip: ChipDescription): string {
  return chip.jedecId.map((b) => b.toString(16).padStart(2, '0')).join('');
}
