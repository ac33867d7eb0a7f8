import { expect } from 'chai';
import { classifySector, SectorMap, SECTOR_SIZE } from './sector-map.js';
import { renderSectorMapSvg, STATE_COLOURS } from './sector-map-svg.js';

/** Deterministic non-blank data with both 0- and 1-bits in most bytes. */
function pattern(seed: number, length = SECTOR_SIZE): Uint8Array {
  const bytes = new Uint8Array(length);
  let x = seed * 2654435761 + 1;
  for (let i = 0; i < length; i++) {
    x = (x ^ (x << 13)) >>> 0;
    x = (x ^ (x >>> 17)) >>> 0;
    x = (x ^ (x << 5)) >>> 0;
    bytes[i] = x & 0xfe; // never 0xFF, so "written" and "blank" are distinguishable per byte
  }
  return bytes;
}
const blank = () => new Uint8Array(SECTOR_SIZE).fill(0xff);

describe('harness/flash sector map classification', function () {
  const image = pattern(1);
  const previous = pattern(2);

  it('a sector equal to the image is match', function () {
    expect(classifySector({ offset: 0, actual: image.slice(), expected: image }).state).to.equal('match');
  });

  it('a blank sector where blank was expected is match; where data was expected it is erased', function () {
    expect(classifySector({ offset: 0, actual: blank(), expected: 'blank' }).state).to.equal('match');
    const entry = classifySector({ offset: 0x1000, actual: blank(), expected: image });
    expect(entry.state).to.equal('erased');
    expect(entry.differingBytes).to.equal(SECTOR_SIZE);
    expect(entry.firstDifference).to.equal(0x1000);
  });

  it('the previous image surviving where the new one was expected is stale', function () {
    expect(classifySector({ offset: 0, actual: previous.slice(), expected: image, previous }).state).to.equal('stale');
  });

  it('the previous image surviving where blank was expected is stale, not corrupt', function () {
    expect(classifySector({ offset: 0, actual: previous.slice(), expected: 'blank', previous }).state).to.equal('stale');
  });

  it('a write that stopped half way (image bytes then 0xFF) is partial', function () {
    const actual = blank();
    actual.set(image.subarray(0, 1000));
    const entry = classifySector({ offset: 0, actual, expected: image, previous });
    expect(entry.state).to.equal('partial');
    expect(entry.firstDifference).to.equal(1000);
    expect(entry.differingBytes).to.equal(SECTOR_SIZE - 1000);
  });

  it('an erase cut short (old bits partly driven to 1) is half-erased, not stale or partial', function () {
    const actual = previous.slice();
    for (let i = 0; i < actual.length; i += 3) actual[i] = 0xff;
    actual[1] = actual[1]! | 0x01; // a single bit erased inside a byte still counts
    expect(classifySector({ offset: 0, actual, expected: image, previous }).state).to.equal('half-erased');
  });

  it('stale-vs-partial edge: the old image with one new byte programmed over it is corrupt, not stale', function () {
    // Programming on top of un-erased data ANDs bits: neither old, new nor blank.
    const actual = previous.slice();
    actual[10] = actual[10]! & image[10]!;
    const entry = classifySector({ offset: 0, actual, expected: image, previous });
    expect(actual[10]).to.not.equal(previous[10]);
    expect(entry.state).to.equal('corrupt');
  });

  it('without the previous image, foreign data is corrupt', function () {
    expect(classifySector({ offset: 0, actual: previous.slice(), expected: image }).state).to.equal('corrupt');
  });

  it('a length mismatch is a programming error, not a state', function () {
    expect(() => classifySector({ offset: 0, actual: new Uint8Array(10), expected: image })).to.throw(RangeError);
  });

  it('the 64 KiB summary shows the worst state and counts, per erase block', function () {
    const evidence = [];
    for (let i = 0; i < 32; i++) {
      const offset = i * SECTOR_SIZE;
      evidence.push({ offset, actual: image.slice(), expected: image, previous });
    }
    evidence[20] = { offset: 20 * SECTOR_SIZE, actual: previous.slice(), expected: image, previous };
    const map = SectorMap.classify(evidence);
    const blocks = map.blocks();
    expect(blocks).to.have.length(2);
    expect(blocks[0]!.state).to.equal('match');
    expect(blocks[1]!.state).to.equal('stale');
    expect(blocks[1]!.counts.stale).to.equal(1);
    expect(blocks[1]!.counts.match).to.equal(15);
    expect(map.clean).to.equal(false);
    expect(map.summary()).to.equal('match 31, stale 1 (0x00014000)');
  });

  it('the SVG has one square a sector coloured by state, and a legend with counts', function () {
    const evidence = [
      { offset: 0, actual: image.slice(), expected: image },
      { offset: SECTOR_SIZE, actual: blank(), expected: image },
      { offset: 2 * SECTOR_SIZE, actual: previous.slice(), expected: image, previous },
    ];
    const svg = renderSectorMapSvg(SectorMap.classify(evidence), 'after re-run <board & image>');
    expect(svg.match(/<rect [^>]*data-state=/g)).to.have.length(3);
    expect(svg).to.contain(`data-offset="0x00002000" data-state="stale"`);
    expect(svg).to.contain(`fill="${STATE_COLOURS.stale}"`);
    expect(svg).to.contain('stale: 1');
    expect(svg).to.contain('after re-run &lt;board &amp; image&gt;');
  });
});
