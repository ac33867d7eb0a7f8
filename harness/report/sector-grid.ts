/**
 * The sector map for a terminal: one character a 4 KiB sector, 64 to a line (256 KiB), a space
 * between 64 KiB erase blocks (the unit OpenOCD 0.12's stmqspi erases on the W25Q512JV), the
 * line's flash offset in front, then a legend with counts. Pure: `hil map` prints it, tests read it.
 */
import { SECTOR_STATES, type SectorMap, type SectorState } from '../flash/sector-map.js';

function hex32(value: number): string {
  return `0x${value.toString(16).padStart(8, '0')}`;
}

const SECTOR = 4096;
const BLOCK = 65536;
const SECTORS_PER_BLOCK = BLOCK / SECTOR;
const BLOCKS_PER_LINE = 4;

/** One character per state; chosen to read without colour (CI logs). */
export const GRID_CHARS: Readonly<Record<SectorState, string>> = {
  match: '#',
  erased: '.',
  stale: 'S',
  partial: 'p',
  'half-erased': 'h',
  corrupt: 'X',
};

/** A sector inside a shown line but outside the mapped range. */
export const GRID_UNMAPPED = '_';

const MEANING: Readonly<Record<SectorState, string>> = {
  match: 'as expected',
  erased: 'blank where data was expected',
  stale: 'still the previous image',
  partial: 'write stopped part way',
  'half-erased': 'erase cut short',
  corrupt: 'neither old, new nor blank',
};

export function renderSectorGrid(map: SectorMap): string[] {
  if (map.sectors.length === 0) return ['(empty sector map)'];
  const byOffset = new Map<number, SectorState>();
  for (const s of map.sectors) byOffset.set(s.offset, s.state);
  const first = map.sectors[0]!.offset;
  const last = map.sectors[map.sectors.length - 1]!.offset;
  const lineBytes = BLOCK * BLOCKS_PER_LINE;
  const lines: string[] = [];
  for (let lineStart = Math.floor(first / lineBytes) * lineBytes; lineStart <= last; lineStart += lineBytes) {
    const blocks: string[] = [];
    for (let b = 0; b < BLOCKS_PER_LINE; b++) {
      const blockStart = lineStart + b * BLOCK;
      if (blockStart > last) break;
      let cells = '';
      for (let s = 0; s < SECTORS_PER_BLOCK; s++) {
        const state = byOffset.get(blockStart + s * SECTOR);
        cells += state === undefined ? GRID_UNMAPPED : GRID_CHARS[state];
      }
      blocks.push(cells);
    }
    lines.push(`${hex32(lineStart)}  ${blocks.join(' ')}`);
  }
  const legend = SECTOR_STATES.map((state) => `${GRID_CHARS[state]} ${state} ${map.count(state)}`).join('   ');
  lines.push('');
  lines.push(`legend: ${legend}   ${GRID_UNMAPPED} not mapped`);
  lines.push('one character = 4 KiB sector, 16 = one 64 KiB erase block, 64 = one line (256 KiB)');
  return lines;
}

/** What each present non-match state means, one line each, for people reading the grid. */
export function explainStates(map: SectorMap): string[] {
  return SECTOR_STATES.filter((s) => s !== 'match' && map.count(s) > 0).map(
    (s) => `  ${GRID_CHARS[s]} ${s}: ${MEANING[s]} (${map.count(s)} sector${map.count(s) === 1 ? '' : 's'})`,
  );
}
