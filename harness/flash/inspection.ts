/**
 * Looking at what the QSPI flash holds, through OpenOCD only (what works on silicon too):
 * on-target compare (verify_image: OpenOCD's CRC loader checks the region, reading back only
 * when the CRC disagrees), blank check, read back to a file, and the sector map, cheap on the
 * common path: one compare of the whole range, then per 64 KiB unit, and a read back of the
 * units that differ only.
 */
import { readFile } from 'node:fs/promises';
import { ImageVerifyError } from '../openocd/index.js';
import type { EraseCheckResult } from '../openocd/index.js';
import { SectorMap, classifySector, SECTOR_SIZE, BLOCK_SIZE, type SectorEntry } from './sector-map.js';
import { renderSectorMapSvg } from './sector-map-svg.js';
import { writeTempFile, type QspiTarget } from './qspi-target.js';

export interface RegionComparison {
  readonly offset: number;
  readonly length: number;
  readonly matches: boolean;
  /** First differences OpenOCD listed (it stops at 128). */
  readonly differences: readonly { address: number; actual: number; expected: number }[];
  readonly elapsedMs: number;
}

/** On-target compare of [offset, offset+expected.length) with `expected` (verify_image, CRC first). */
export async function compareRegion(target: QspiTarget, offset: number, expected: Uint8Array): Promise<RegionComparison> {
  const started = performance.now();
  const file = await writeTempFile(target, `expected-${offset.toString(16)}.bin`, expected);
  try {
    await target.commands.verifyImage(file, { offset: target.base + offset, type: 'bin' });
    return { offset, length: expected.length, matches: true, differences: [], elapsedMs: performance.now() - started };
  } catch (error) {
    if (!(error instanceof ImageVerifyError)) throw error;
    return { offset, length: expected.length, matches: false, differences: error.differences, elapsedMs: performance.now() - started };
  }
}

export interface BlankCheckResult {
  readonly blank: boolean;
  /** Offsets (from the bank start) of the erase units (64 KiB) that are not blank. */
  readonly notBlankUnits: readonly number[];
  /** OpenOCD's own erase_check answer, for a whole-bank check. */
  readonly eraseCheck?: EraseCheckResult;
  readonly elapsedMs: number;
}

/**
 * Blank check. With a range: compares each 64 KiB unit with 0xFF on target. Without: OpenOCD's
 * `flash erase_check` of the whole bank (its blank-check loader over 64 MiB: slow on the
 * virtual board).
 */
export async function blankCheck(target: QspiTarget, range?: { offset: number; length: number }): Promise<BlankCheckResult> {
  const started = performance.now();
  if (!range) {
    const eraseCheck = await target.commands.flashEraseCheck(target.bank);
    return {
      blank: eraseCheck.allErased,
      notBlankUnits: eraseCheck.notErased.map((s) => s.offset),
      eraseCheck,
      elapsedMs: performance.now() - started,
    };
  }
  const notBlankUnits: number[] = [];
  const whole = await compareRegion(target, range.offset, new Uint8Array(range.length).fill(0xff));
  if (!whole.matches) {
    for (const unit of unitsOf(range.offset, range.length)) {
      const r = await compareRegion(target, unit.offset, new Uint8Array(unit.length).fill(0xff));
      if (!r.matches) notBlankUnits.push(unit.offset);
    }
  }
  return { blank: notBlankUnits.length === 0, notBlankUnits, elapsedMs: performance.now() - started };
}

/** Reads [offset, offset+length) with `flash read_bank` into `file` (or a temp file) and returns the bytes. */
export async function readBack(target: QspiTarget, offset: number, length: number, file?: string): Promise<Uint8Array> {
  const path = file ?? (await writeTempFile(target, `readback-${offset.toString(16)}.bin`, new Uint8Array(0)));
  await target.commands.flashReadBank(target.bank, path, { offset, length, timeoutMs: 600_000 });
  return new Uint8Array(await readFile(path));
}

function unitsOf(offset: number, length: number, unit = BLOCK_SIZE): { offset: number; length: number }[] {
  const units: { offset: number; length: number }[] = [];
  const end = offset + length;
  for (let o = offset; o < end;) {
    const next = Math.min(end, (Math.floor(o / unit) + 1) * unit);
    units.push({ offset: o, length: next - o });
    o = next;
  }
  return units;
}

export interface SectorMapInput {
  /** The bytes that should be in the flash at `offset` (the new image). */
  readonly expected: Uint8Array;
  /** Flash offset of `expected` (bank start = 0). Default 0. */
  readonly offset?: number;
  /** The image that was there before (at `previousOffset`, default `offset`): tells stale from corrupt. */
  readonly previous?: Uint8Array;
  readonly previousOffset?: number;
  /**
   * The range to map (4 KiB aligned). Default: the 64 KiB units the image covers; bytes of the
   * range outside the image are expected blank (the erase cleared the whole unit).
   */
  readonly range?: { readonly offset: number; readonly length: number };
  /** Title of the SVG picture. */
  readonly title?: string;
}

export interface SectorMapResult {
  readonly map: SectorMap;
  readonly svg: string;
  /** 64 KiB units settled by an on-target compare alone. */
  readonly unitsMatchedOnTarget: number;
  /** Units read back (their compare failed). */
  readonly unitsReadBack: readonly number[];
  readonly bytesReadBack: number;
  readonly elapsedMs: number;
}

function expectedRange(rangeOffset: number, length: number, source: Uint8Array | undefined, sourceOffset: number): Uint8Array {
  const out = new Uint8Array(length).fill(0xff);
  if (!source) return out;
  const from = Math.max(rangeOffset, sourceOffset);
  const to = Math.min(rangeOffset + length, sourceOffset + source.length);
  if (from < to) out.set(source.subarray(from - sourceOffset, to - sourceOffset), from - rangeOffset);
  return out;
}

export async function collectSectorMap(target: QspiTarget, input: SectorMapInput): Promise<SectorMapResult> {
  const started = performance.now();
  const offset = input.offset ?? 0;
  const range = input.range ?? {
    offset: Math.floor(offset / BLOCK_SIZE) * BLOCK_SIZE,
    length: Math.ceil((offset + input.expected.length) / BLOCK_SIZE) * BLOCK_SIZE - Math.floor(offset / BLOCK_SIZE) * BLOCK_SIZE,
  };
  if (range.offset % SECTOR_SIZE !== 0 || range.length % SECTOR_SIZE !== 0)
    throw new RangeError(`sector map range 0x${range.offset.toString(16)}+0x${range.length.toString(16)} is not 4 KiB aligned`);
  const expected = expectedRange(range.offset, range.length, input.expected, offset);
  const previous = input.previous ? expectedRange(range.offset, range.length, input.previous, input.previousOffset ?? offset) : undefined;

  const entries: SectorEntry[] = [];
  const matchUnit = (unitOffset: number, length: number): void => {
    for (let o = unitOffset; o < unitOffset + length; o += SECTOR_SIZE) entries.push({ offset: o, state: 'match', differingBytes: 0 });
  };
  let unitsMatchedOnTarget = 0;
  const unitsReadBack: number[] = [];
  let bytesReadBack = 0;
  const units = unitsOf(range.offset, range.length);
  const whole = await compareRegion(target, range.offset, expected);
  if (whole.matches) {
    for (const unit of units) matchUnit(unit.offset, unit.length);
    unitsMatchedOnTarget = units.length;
  } else {
    for (const unit of units) {
      const rel = unit.offset - range.offset;
      const want = expected.subarray(rel, rel + unit.length);
      if (units.length > 1 && (await compareRegion(target, unit.offset, want)).matches) {
        matchUnit(unit.offset, unit.length);
        unitsMatchedOnTarget++;
        continue;
      }
      const actual = await readBack(target, unit.offset, unit.length);
      unitsReadBack.push(unit.offset);
      bytesReadBack += actual.length;
      for (let s = 0; s < unit.length; s += SECTOR_SIZE) {
        const at = rel + s;
        entries.push(
          classifySector({
            offset: unit.offset + s,
            actual: actual.subarray(s, s + SECTOR_SIZE),
            expected: expected.subarray(at, at + SECTOR_SIZE),
            ...(previous ? { previous: previous.subarray(at, at + SECTOR_SIZE) } : {}),
          }),
        );
      }
    }
  }
  entries.sort((a, b) => a.offset - b.offset);
  const map = new SectorMap(range.offset, entries);
  const svg = renderSectorMapSvg(
    map,
    input.title ?? `Sector map 0x${range.offset.toString(16)}..0x${(range.offset + range.length - 1).toString(16)}: ${map.summary()}`,
  );
  return { map, svg, unitsMatchedOnTarget, unitsReadBack, bytesReadBack, elapsedMs: performance.now() - started };
}
