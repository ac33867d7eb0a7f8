/**
 * Where a fault really landed, read from the flash: every 4 KiB sector of the units a run could
 * touch compared with the previous image (what was there), the new image (what the run wrote)
 * and blank, then summed up per 64 KiB unit and in one word.
 *
 * Sector letters (the fingerprint is a hash of them):
 *   O old (the previous image)   B blank   N new (the image being written)
 *   E erase-partial: bits only went 0→1 from the old data, neither old nor blank
 *   P program-partial: a page with bits only cleared towards the new data, neither blank nor new
 *   W written-partial: bytes of the new image, the rest blank (a write that stopped at a byte)
 *   X anything else
 *
 * The classification is pure; `observeLanding` fetches the bytes cheaply through OpenOCD: one
 * on-target CRC compare per unit against the state the acknowledged progress predicts, and a
 * read back only of the units whose CRC disagrees.
 */
import { createHash } from 'node:crypto';
import type { LandingClass } from '../faults/reach.js';
import { compareRegion, readBack } from './inspection.js';
import { PAGE_SIZE } from './programming-plan.js';
import type { QspiTarget } from './qspi-target.js';
import { BLOCK_SIZE, bytesEqual, isBlank, SECTOR_SIZE } from './sector-map.js';

export type SectorLetter = 'O' | 'B' | 'N' | 'E' | 'P' | 'W' | 'X';
export type UnitState = 'old' | 'blank' | 'new' | 'erase-partial' | 'program-partial' | 'writing' | 'mixed';
/** The landing words, plus `unexplained` for flash states no landing produces (corruption, a partial erase of part of a unit). */
export type ObservedLanding = LandingClass | 'unexplained';

export interface UnitObservation {
  /** Index of the unit in the observed range (the plan's erase unit index when the range is the plan's). */
  readonly index: number;
  readonly offset: number;
  readonly state: UnitState;
  /** One letter per 4 KiB sector. */
  readonly sectors: string;
  /** Settled by an on-target CRC compare (true) or read back (false). */
  readonly byCrc: boolean;
  /** Per-page letters (B, N, O, E, P, X) of sectors that are neither whole state, by sector offset. */
  readonly pages?: Readonly<Record<string, string>>;
}

export interface LandingObservation {
  readonly observed: ObservedLanding;
  /** The unit where the flash state changes last (see `focusUnit`), undefined for `none`. */
  readonly unit: number | undefined;
  readonly units: readonly UnitObservation[];
  /** First 16 hex digits of SHA-256 over the range offset and every sector letter. */
  readonly fingerprint: string;
  readonly inspection: { readonly unitsByCrc: number; readonly unitsReadBack: number; readonly bytesReadBack: number; readonly elapsedMs: number };
}

/** What the flash held and what the run was writing, both at `offset` (bank start = 0). */
export interface LandingImages {
  readonly previous: Uint8Array;
  readonly next: Uint8Array;
  readonly offset: number;
}

/** The bytes `image` puts in [offset, offset+length): 0xFF outside it. */
export function imageSlice(images: LandingImages, which: 'previous' | 'next', offset: number, length: number): Uint8Array {
  const source = images[which];
  const out = new Uint8Array(length).fill(0xff);
  const from = Math.max(offset, images.offset);
  const to = Math.min(offset + length, images.offset + source.length);
  if (from < to) out.set(source.subarray(from - images.offset, to - images.offset), from - offset);
  return out;
}

/** Every 1 bit of `base` is still 1 in `actual` (NOR erase only sets bits). */
function onlySetFrom(actual: Uint8Array, base: Uint8Array): boolean {
  for (let i = 0; i < actual.length; i++) if ((actual[i]! & base[i]!) !== base[i]) return false;
  return true;
}

/** Every byte is the new one or still blank: a write that stopped inside the page, not a cut program. */
function bytesNewOrBlank(actual: Uint8Array, next: Uint8Array): boolean {
  for (let i = 0; i < actual.length; i++) if (actual[i] !== 0xff && actual[i] !== next[i]) return false;
  return true;
}

/**
 * Page letters: the sector letters, plus two for a page both images hold alike (the app's code at
 * the start of every image): `=` it still holds that, `A` a partial change either way.
 */
export type PageLetter = SectorLetter | '=' | 'A';

/** Page letter: B, N, O, W (new bytes then blank), P (bits only cleared towards new), E (bits only set from old), =, A, X. */
export function classifyPage(actual: Uint8Array, previous: Uint8Array, next: Uint8Array): PageLetter {
  if (isBlank(actual)) return 'B';
  if (bytesEqual(previous, next)) {
    if (bytesEqual(actual, next)) return '=';
    return onlySetFrom(actual, previous) || onlySetFrom(actual, next) ? 'A' : 'X';
  }
  if (bytesEqual(actual, next)) return 'N';
  if (bytesEqual(actual, previous)) return 'O';
  if (bytesNewOrBlank(actual, next)) return 'W';
  // A page program only clears bits the data has at 0; an erase only sets bits.
  if (onlySetFrom(actual, next)) return 'P';
  if (onlySetFrom(actual, previous)) return 'E';
  return 'X';
}

/** Sector letter, with the per-page letters when it is none of the whole states. */
export function classifySectorLanding(actual: Uint8Array, previous: Uint8Array, next: Uint8Array): { letter: SectorLetter; pages?: string } {
  if (!isBlank(next) && bytesEqual(actual, next)) return { letter: 'N' };
  if (!isBlank(previous) && bytesEqual(actual, previous)) return { letter: 'O' };
  if (isBlank(actual)) return { letter: 'B' };
  let pages = '';
  for (let p = 0; p < actual.length; p += PAGE_SIZE)
    pages += classifyPage(actual.subarray(p, p + PAGE_SIZE), previous.subarray(p, p + PAGE_SIZE), next.subarray(p, p + PAGE_SIZE));
  // Pages both images hold alike cannot tell a write from an erase: the other pages decide.
  const kinds = new Set([...pages].filter((k) => k !== '=' && k !== 'A'));
  const only = (allowed: string): boolean => [...kinds].every((k) => allowed.includes(k));
  if (kinds.size === 0 || kinds.has('X')) return { letter: 'X', pages };
  if (kinds.has('P') && only('PNBW')) return { letter: 'P', pages };
  if (only('NBW')) return { letter: 'W', pages };
  // A cut erase scatters set bits over the whole sector: pages may come out old, blank or partial.
  if (kinds.has('E') && only('EOB')) return { letter: 'E', pages };
  return { letter: 'X', pages };
}

/** The unit's state from its sector letters (`nextBlank[i]` / `previousBlank[i]`: that image is blank there). */
export function unitStateOf(sectors: string, previousBlank: readonly boolean[], nextBlank: readonly boolean[]): UnitState {
  const letters = [...sectors];
  if (letters.every((l) => l === 'B')) return 'blank';
  if (letters.every((l, i) => l === 'O' || (l === 'B' && previousBlank[i]))) return 'old';
  if (letters.every((l, i) => l === 'N' || (l === 'B' && nextBlank[i]))) return 'new';
  if (letters.includes('X')) return 'mixed';
  if (letters.includes('P') && letters.every((l) => 'PNBW'.includes(l))) return 'program-partial';
  if (letters.includes('E') && letters.every((l) => 'EOB'.includes(l))) return 'erase-partial';
  if (letters.every((l) => 'NBW'.includes(l))) return 'writing';
  return 'mixed';
}

/** The one word for the whole range, and the unit where the state changes last. */
export function summarize(
  units: readonly Pick<UnitObservation, 'index' | 'state'>[],
  previousBlankUnit: (index: number) => boolean,
): { observed: ObservedLanding; unit: number | undefined } {
  const find = (state: UnitState) => units.find((u) => u.state === state)?.index;
  const last = (pred: (u: Pick<UnitObservation, 'index' | 'state'>) => boolean) => units.filter(pred).at(-1)?.index;
  if (find('mixed') !== undefined) return { observed: 'unexplained', unit: find('mixed') };
  const programPartial = find('program-partial');
  if (programPartial !== undefined) return { observed: 'program-partial', unit: programPartial };
  const erasePartial = find('erase-partial');
  if (erasePartial !== undefined) return { observed: 'erase-partial', unit: erasePartial };
  const written = last((u) => u.state === 'new' || u.state === 'writing');
  if (written !== undefined) return { observed: 'written', unit: written };
  const erased = last((u) => u.state === 'blank' && !previousBlankUnit(u.index));
  if (erased !== undefined) return { observed: 'erased', unit: erased };
  return { observed: 'none', unit: undefined };
}

export function fingerprintOf(rangeOffset: number, units: readonly Pick<UnitObservation, 'sectors'>[]): string {
  const hash = createHash('sha256');
  hash.update(`${rangeOffset}:`);
  for (const unit of units) hash.update(unit.sectors);
  return hash.digest('hex').slice(0, 16);
}

/** Classifies one unit's bytes (read back) against both images. */
export function classifyUnit(index: number, offset: number, actual: Uint8Array, images: LandingImages): UnitObservation {
  let sectors = '';
  const pages: Record<string, string> = {};
  const previousBlank: boolean[] = [];
  const nextBlank: boolean[] = [];
  for (let s = 0; s < actual.length; s += SECTOR_SIZE) {
    const previous = imageSlice(images, 'previous', offset + s, SECTOR_SIZE);
    const next = imageSlice(images, 'next', offset + s, SECTOR_SIZE);
    previousBlank.push(isBlank(previous));
    nextBlank.push(isBlank(next));
    const sector = classifySectorLanding(actual.subarray(s, s + SECTOR_SIZE), previous, next);
    sectors += sector.letter;
    if (sector.pages) pages[`0x${(offset + s).toString(16)}`] = sector.pages;
  }
  const state = unitStateOf(sectors, previousBlank, nextBlank);
  return { index, offset, state, sectors, byCrc: false, ...(Object.keys(pages).length > 0 ? { pages } : {}) };
}

/** A unit whose CRC matched the predicted whole state: its sector letters without reading it. */
function wholeUnit(index: number, offset: number, length: number, state: 'old' | 'blank' | 'new', images: LandingImages): UnitObservation {
  let sectors = '';
  for (let s = 0; s < length; s += SECTOR_SIZE) {
    const which = state === 'old' ? 'previous' : 'next';
    const blankThere = state === 'blank' || isBlank(imageSlice(images, which, offset + s, SECTOR_SIZE));
    sectors += blankThere ? 'B' : state === 'old' ? 'O' : 'N';
  }
  return { index, offset, state, sectors, byCrc: true };
}

export interface ObserveInput {
  readonly images: LandingImages;
  /** Whole units to observe (the plan's erase units). */
  readonly range: { readonly offset: number; readonly length: number };
  /** The state the acknowledged progress predicts per unit index: the CRC compare tries it first. */
  readonly predict?: (index: number) => 'old' | 'blank' | 'new';
  readonly unitSize?: number;
}

/** Reads the landing through OpenOCD: CRC per unit against the prediction, read back where it disagrees. */
export async function observeLanding(target: QspiTarget, input: ObserveInput): Promise<LandingObservation> {
  const started = performance.now();
  const unitSize = input.unitSize ?? BLOCK_SIZE;
  const { images, range } = input;
  if (range.offset % unitSize !== 0 || range.length % unitSize !== 0)
    throw new RangeError(`landing range 0x${range.offset.toString(16)}+0x${range.length.toString(16)} is not made of whole ${unitSize}-byte units`);
  const units: UnitObservation[] = [];
  let bytesReadBack = 0;
  for (let index = 0; index * unitSize < range.length; index++) {
    const offset = range.offset + index * unitSize;
    const predicted = input.predict?.(index) ?? 'old';
    const expected =
      predicted === 'blank' ? new Uint8Array(unitSize).fill(0xff) : imageSlice(images, predicted === 'old' ? 'previous' : 'next', offset, unitSize);
    if ((await compareRegion(target, offset, expected)).matches) {
      units.push(wholeUnit(index, offset, unitSize, predicted, images));
      continue;
    }
    const actual = await readBack(target, offset, unitSize);
    bytesReadBack += actual.length;
    units.push(classifyUnit(index, offset, actual, images));
  }
  const previousBlankUnit = (i: number): boolean => isBlank(imageSlice(images, 'previous', range.offset + i * unitSize, unitSize));
  const { observed, unit } = summarize(units, previousBlankUnit);
  return {
    observed,
    unit,
    units,
    fingerprint: fingerprintOf(range.offset, units),
    inspection: {
      unitsByCrc: units.filter((u) => u.byCrc).length,
      unitsReadBack: units.filter((u) => !u.byCrc).length,
      bytesReadBack,
      elapsedMs: Math.round(performance.now() - started),
    },
  };
}
