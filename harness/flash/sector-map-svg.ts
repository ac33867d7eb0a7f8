/**
 * The sector map as a picture for the Allure report: one square a 4 KiB sector, 16 to a row (a
 * row is one 64 KiB erase block, the unit OpenOCD's stmqspi erases on the W25Q512JV), a colour
 * per state and a legend with counts. Plain SVG text: no dependency, opens in any browser.
 */
import { SECTOR_STATES, SECTOR_SIZE, BLOCK_SIZE, hex, type SectorMap, type SectorState } from './sector-map.js';

export const STATE_COLOURS: Record<SectorState, string> = {
  match: '#2e7d32',
  erased: '#e0e0e0',
  stale: '#ef6c00',
  partial: '#fdd835',
  'half-erased': '#8e24aa',
  corrupt: '#c62828',
};

const CELL = 14;
const GAP = 2;
const LABEL_WIDTH = 90;
const PER_ROW = BLOCK_SIZE / SECTOR_SIZE;

function escapeXml(text: string): string {
  return text.replace(/[<>&"']/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&apos;' })[c]!);
}

export function renderSectorMapSvg(map: SectorMap, title: string): string {
  const rows = new Map<number, number>();
  for (const sector of map.sectors) {
    const block = Math.floor(sector.offset / BLOCK_SIZE) * BLOCK_SIZE;
    if (!rows.has(block)) rows.set(block, rows.size);
  }
  const top = 30;
  const gridHeight = rows.size * (CELL + GAP);
  const legendTop = top + gridHeight + 16;
  const width = LABEL_WIDTH + PER_ROW * (CELL + GAP) + 20;
  const height = legendTop + SECTOR_STATES.length * 18 + 10;
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${Math.max(width, 360)}" height="${height}" font-family="monospace" font-size="11">`,
    `<text x="4" y="16" font-size="13" font-weight="bold">${escapeXml(title)}</text>`,
  ];
  for (const [block, row] of rows) {
    parts.push(`<text x="4" y="${top + row * (CELL + GAP) + CELL - 3}">${hex(block)}</text>`);
  }
  for (const sector of map.sectors) {
    const block = Math.floor(sector.offset / BLOCK_SIZE) * BLOCK_SIZE;
    const row = rows.get(block)!;
    const column = (sector.offset - block) / SECTOR_SIZE;
    const x = LABEL_WIDTH + column * (CELL + GAP);
    const y = top + row * (CELL + GAP);
    const detail = sector.state === 'match' ? '' : `, ${sector.differingBytes} bytes differ`;
    parts.push(
      `<rect x="${x}" y="${y}" width="${CELL}" height="${CELL}" fill="${STATE_COLOURS[sector.state]}" data-offset="${hex(sector.offset)}" data-state="${sector.state}"><title>${hex(sector.offset)}: ${sector.state}${detail}</title></rect>`,
    );
  }
  SECTOR_STATES.forEach((state, i) => {
    const y = legendTop + i * 18;
    parts.push(`<rect x="4" y="${y}" width="${CELL}" height="${CELL}" fill="${STATE_COLOURS[state]}"/>`);
    parts.push(`<text x="${CELL + 10}" y="${y + CELL - 3}">${state}: ${map.count(state)}</text>`);
  });
  parts.push('</svg>');
  return parts.join('\n');
}
