/**
 * The sector map: for every 4 KiB sector of a flash range, what it holds compared with what
 * the run was supposed to leave there. This is the evidence reviewers read first when a board
 * boots into a half-written image, so each state answers one question:
 *
 * - `match`     equals what was expected (the new image, or blank where blank was expected);
 * - `erased`    all 0xFF where data was expected (never written);
 * - `stale`     equals the *previous* image: the erase never reached it;
 * - `partial`   every byte is either the expected byte or 0xFF, with some of each: a write that
 *               stopped part way (or a program that had not finished);
 * - `half-erased` every 1-bit of the previous contents is still 1 and more bits are 1, but not all:
 *               an erase cut short (NOR erase drives cells towards 1);
 * - `corrupt`   anything else (wrong data that is neither old, new nor blank).
 *
 * The classification is pure: callers fetch the bytes (cheaply: CRCs first, read back only
 * sectors whose CRC disagrees) and pass them in.
 */

export const SECTOR_SIZE = 4096;
export const BLOCK_SIZE = 65536;

export type SectorState = 'match' | 'erased' | 'stale' | 'partial' | 'half-erased' | 'corrupt';

export const SECTOR_STATES: readonly SectorState[] = ['match', 'erased', 'stale', 'partial', 'half-erased', 'corrupt'];

/** What a sector should hold: bytes, or blank (0xFF) where the run erased without writing. */
export type Expected = Uint8Array | 'blank';

export interface SectorEvidence {
  /** Flash offset of the sector (from the start of the bank). */
  readonly offset: number;
  readonly actual: Uint8Array;
  readonly expected: Expected;
  /** The previous image's bytes for this sector, when known: tells `stale` and `half-erased` apart. */
  readonly previous?: Uint8Array;
}

export interface SectorEntry {
  readonly offset: number;
  readonly state: SectorState;
  /** Bytes that differ from what was expected (0 for `match`). */
  readonly differingBytes: number;
  /** Offset of the first differing byte, when any. */
  readonly firstDifference?: number;
}

/** All 0xFF: what an erased NOR cell reads. */
export function isBlank(bytes: Uint8Array): boolean {
  for (let i = 0; i < bytes.length; i++) if (bytes[i] !== 0xff) return false;
  return true;
}

export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

export function classifySector(evidence: SectorEvidence): SectorEntry {
  const { actual, offset } = evidence;
  const expected = evidence.expected === 'blank' ? new Uint8Array(actual.length).fill(0xff) : evidence.expected;
  if (expected.length !== actual.length) {
    throw new RangeError(`sector 0x${offset.toString(16)}: expected ${expected.length} bytes, got ${actual.length}`);
  }
  let differingBytes = 0;
  let firstDifference: number | undefined;
  // Only-expected-or-blank: a partial write; track while counting differences.
  let writeSubset = true;
  let sawExpectedData = false;
  for (let i = 0; i < actual.length; i++) {
    const a = actual[i]!;
    const e = expected[i]!;
    if (a !== e) {
      differingBytes++;
      firstDifference ??= offset + i;
      if (a !== 0xff) writeSubset = false;
    } else if (e !== 0xff) {
      sawExpectedData = true;
    }
  }
  const entry = (state: SectorState): SectorEntry =>
    firstDifference === undefined ? { offset, state, differingBytes } : { offset, state, differingBytes, firstDifference };
  if (differingBytes === 0) return entry('match');
  if (isBlank(actual)) return entry('erased');
  const previous = evidence.previous;
  if (previous && bytesEqual(actual, previous)) return entry('stale');
  if (writeSubset && sawExpectedData) return entry('partial');
  if (previous && isErasedBeyond(actual, previous)) return entry('half-erased');
  return entry('corrupt');
}

/** Every bit that was 1 in `previous` is still 1 in `actual`, and some 0-bits became 1. */
function isErasedBeyond(actual: Uint8Array, previous: Uint8Array): boolean {
  let moreOnes = false;
  for (let i = 0; i < actual.length; i++) {
    const a = actual[i]!;
    const p = previous[i]!;
    if ((a & p) !== p) return false;
    if (a !== p) moreOnes = true;
  }
  return moreOnes;
}

export interface BlockSummary {
  readonly offset: number;
  /** The states of the block's sectors, counted. */
  readonly counts: Readonly<Record<SectorState, number>>;
  /** `match` only when all sectors match; otherwise the most alarming state present. */
  readonly state: SectorState;
}

/** Severity order for summaries: what a reviewer must see first wins. */
const SEVERITY: Record<SectorState, number> = { match: 0, erased: 1, partial: 2, 'half-erased': 3, stale: 4, corrupt: 5 };

export class SectorMap {
  constructor(
    /** Flash offset of the first sector. */
    readonly start: number,
    readonly sectors: readonly SectorEntry[],
  ) {}

  static classify(evidence: readonly SectorEvidence[]): SectorMap {
    const sectors = evidence.map(classifySector).sort((a, b) => a.offset - b.offset);
    return new SectorMap(sectors[0]?.offset ?? 0, sectors);
  }

  /** True when every sector holds exactly what was expected. */
  get clean(): boolean {
    return this.sectors.every((s) => s.state === 'match');
  }

  count(state: SectorState): number {
    return this.sectors.filter((s) => s.state === state).length;
  }

  /** Sectors not in `match`, for assertion messages. */
  problems(): SectorEntry[] {
    return this.sectors.filter((s) => s.state !== 'match');
  }

  /** The 64 KiB view, matching the erase unit OpenOCD 0.12's stmqspi uses on this chip. */
  blocks(): BlockSummary[] {
    const byBlock = new Map<number, SectorEntry[]>();
    for (const sector of this.sectors) {
      const block = Math.floor(sector.offset / BLOCK_SIZE) * BLOCK_SIZE;
      const list = byBlock.get(block) ?? [];
      list.push(sector);
      byBlock.set(block, list);
    }
    return [...byBlock.entries()]
      .sort(([a], [b]) => a - b)
      .map(([offset, list]) => {
        const counts = Object.fromEntries(SECTOR_STATES.map((s) => [s, 0])) as Record<SectorState, number>;
        let state: SectorState = 'match';
        for (const sector of list) {
          counts[sector.state]++;
          if (SEVERITY[sector.state] > SEVERITY[state]) state = sector.state;
        }
        return { offset, counts, state };
      });
  }

  /** One line a state, e.g. `match 254, stale 2 (0x00010000, 0x00011000)`, for messages and logs. */
  summary(): string {
    return SECTOR_STATES.filter((s) => this.count(s) > 0)
      .map((state) => {
        const list = this.sectors.filter((s) => s.state === state);
        const shown =
          state === 'match'
            ? ''
            : ` (${list
                .slice(0, 8)
                .map((s) => hex(s.offset))
                .join(', ')}${list.length > 8 ? ', ...' : ''})`;
        return `${state} ${list.length}${shown}`;
      })
      .join(', ');
  }
}

export function hex(value: number): string {
  return `0x${value.toString(16).padStart(8, '0')}`;
}
