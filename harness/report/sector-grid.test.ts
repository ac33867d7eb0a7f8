import { expect } from 'chai';
import { SectorMap, type SectorEntry, type SectorState } from '../flash/sector-map.js';
import { explainStates, renderSectorGrid } from './sector-grid.js';

function map(states: readonly SectorState[], start = 0): SectorMap {
  const sectors: SectorEntry[] = states.map((state, i) => ({ offset: start + i * 4096, state, differingBytes: state === 'match' ? 0 : 1 }));
  return new SectorMap(start, sectors);
}

describe('terminal sector map (harness/report/sector-grid)', () => {
  it('one character a 4 KiB sector, a space between 64 KiB blocks, the line offset in front', () => {
    const states: SectorState[] = [
      ...Array<SectorState>(16).fill('match'),
      'stale',
      'partial',
      'half-erased',
      'corrupt',
      ...Array<SectorState>(12).fill('erased'),
    ];
    const lines = renderSectorGrid(map(states));
    expect(lines[0]).to.equal(`0x00000000  ${'#'.repeat(16)} SphX${'.'.repeat(12)}`);
    expect(lines).to.include('legend: # match 16   . erased 12   S stale 1   p partial 1   h half-erased 1   X corrupt 1   _ not mapped');
  });

  it('64 sectors (256 KiB) a line; a range that starts mid-line shows the sectors before it as not mapped', () => {
    const lines = renderSectorGrid(map(Array<SectorState>(80).fill('match'), 0x3c000));
    // 0x3c000 is sector 60 of the first 256 KiB line: 60 unmapped, then 4 mapped.
    expect(lines[0]).to.equal(`0x00000000  ${'_'.repeat(16)} ${'_'.repeat(16)} ${'_'.repeat(16)} ${'_'.repeat(12)}####`);
    expect(lines[1]).to.equal(`0x00040000  ${'#'.repeat(16)} ${'#'.repeat(16)} ${'#'.repeat(16)} ${'#'.repeat(16)}`);
    expect(lines[2]).to.equal(`0x00080000  ${'#'.repeat(12)}____`);
  });

  it('explains each non-match state present, with its count', () => {
    expect(explainStates(map(['match', 'stale', 'stale', 'erased']))).to.deep.equal([
      '  . erased: blank where data was expected (1 sector)',
      '  S stale: still the previous image (2 sectors)',
    ]);
    expect(explainStates(map(['match']))).to.deep.equal([]);
  });
});
