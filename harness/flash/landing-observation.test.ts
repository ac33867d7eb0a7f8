import { expect } from 'chai';
import { mulberry32 } from '../../lib/prng.js';
import { classifySectorLanding, classifyUnit, fingerprintOf, summarize, unitStateOf, type LandingImages } from './landing-observation.js';

const SECTOR = 4096;
const UNIT = 65536;

function random(length: number, seed: number): Uint8Array {
  const next = mulberry32(seed);
  const out = new Uint8Array(length);
  for (let i = 0; i < length; i++) out[i] = next() & 0xff;
  return out;
}

/** What a cut erase leaves: each 0 bit of `old` set with probability `p`. */
function halfErased(old: Uint8Array, p: number, seed: number): Uint8Array {
  const next = mulberry32(seed);
  return old.map((b) => {
    let mask = 0;
    for (let bit = 0; bit < 8; bit++) if ((next() >>> 0) / 2 ** 32 < p) mask |= 1 << bit;
    return b | mask;
  });
}

/** What a cut page program leaves: each bit the data clears, cleared with probability `p`. */
function halfProgrammed(data: Uint8Array, p: number, seed: number): Uint8Array {
  const next = mulberry32(seed);
  return data.map((d) => {
    let cleared = 0;
    for (let bit = 0; bit < 8; bit++) if (!(d & (1 << bit)) && (next() >>> 0) / 2 ** 32 < p) cleared |= 1 << bit;
    return 0xff & ~cleared;
  });
}

describe('harness/flash landing observation', function () {
  const previous = random(3 * UNIT, 1);
  const next = random(2 * UNIT + 1000, 2);
  const images: LandingImages = { previous, next, offset: 0 };
  const blank = () => new Uint8Array(UNIT).fill(0xff);

  it('tells old, blank and new sectors apart, and a cut erase (E) from a cut page program (P)', function () {
    const old = previous.subarray(0, SECTOR);
    const neu = next.subarray(0, SECTOR);
    expect(classifySectorLanding(old, old, neu).letter).to.equal('O');
    expect(classifySectorLanding(neu, old, neu).letter).to.equal('N');
    expect(classifySectorLanding(new Uint8Array(SECTOR).fill(0xff), old, neu).letter).to.equal('B');
    expect(classifySectorLanding(halfErased(old, 0.5, 7), old, neu).letter).to.equal('E');
    const partial = new Uint8Array(SECTOR).fill(0xff);
    partial.set(neu.subarray(0, 1024), 0);
    partial.set(halfProgrammed(neu.subarray(1024, 1280), 0.5, 9), 1024);
    const p = classifySectorLanding(partial, old, neu);
    expect(p.letter).to.equal('P');
    expect(p.pages).to.equal('NNNNP' + 'B'.repeat(11));
    const stopped = new Uint8Array(SECTOR).fill(0xff);
    stopped.set(neu.subarray(0, 2048), 0);
    expect(classifySectorLanding(stopped, old, neu).letter).to.equal('W');
    expect(classifySectorLanding(random(SECTOR, 5), old, neu).letter).to.equal('X');
  });

  it('pages both images hold alike (the app code) follow the rest of their sector', function () {
    const old = previous.slice(0, SECTOR);
    const neu = next.slice(0, SECTOR);
    neu.set(old.subarray(256, 1024), 256); // pages 1-3 identical in both images
    const cut = halfErased(old, 0.5, 11);
    const sector = classifySectorLanding(cut, old, neu);
    expect(sector.pages!.slice(1, 4)).to.equal('AAA');
    expect(sector.letter).to.equal('E');
    const programmed = new Uint8Array(SECTOR).fill(0xff);
    programmed.set(neu.subarray(0, 2048), 0);
    programmed.set(halfProgrammed(neu.subarray(2048, 2304), 0.5, 12), 2048);
    expect(classifySectorLanding(programmed, old, neu).letter).to.equal('P');
    expect(classifySectorLanding(programmed, old, neu).pages!.slice(0, 4)).to.equal('N===');
  });

  it('classifies a unit and sums a range up: erase-partial at the unit the cut hit', function () {
    const units = [
      classifyUnit(0, 0, blank(), images),
      classifyUnit(1, UNIT, halfErased(previous.subarray(UNIT, 2 * UNIT), 0.3, 3), images),
      classifyUnit(2, 2 * UNIT, previous.subarray(2 * UNIT, 3 * UNIT), images),
    ];
    expect(units.map((u) => u.state)).to.deep.equal(['blank', 'erase-partial', 'old']);
    expect(summarize(units, () => false)).to.deep.equal({ observed: 'erase-partial', unit: 1 });
  });

  it('a write that stopped mid-unit is "written" at that unit; the image tail past its end is blank, still "new"', function () {
    const lastUnit = blank();
    lastUnit.set(next.subarray(2 * UNIT), 0);
    const midUnit = blank();
    midUnit.set(next.subarray(UNIT, UNIT + 5000), 0);
    expect(classifyUnit(2, 2 * UNIT, lastUnit, images).state).to.equal('new');
    const units = [classifyUnit(0, 0, next.subarray(0, UNIT), images), classifyUnit(1, UNIT, midUnit, images), classifyUnit(2, 2 * UNIT, blank(), images)];
    expect(units.map((u) => u.state)).to.deep.equal(['new', 'writing', 'blank']);
    expect(summarize(units, () => false)).to.deep.equal({ observed: 'written', unit: 1 });
  });

  it('erased, none, and unexplained (a unit erased only in its first 4 KiB)', function () {
    expect(
      summarize(
        [
          { index: 0, state: 'blank' },
          { index: 1, state: 'blank' },
          { index: 2, state: 'old' },
        ],
        () => false,
      ),
    ).to.deep.equal({
      observed: 'erased',
      unit: 1,
    });
    expect(summarize([{ index: 0, state: 'old' }], () => false)).to.deep.equal({ observed: 'none', unit: undefined });
    const firstSectorOnly = previous.slice(0, UNIT);
    firstSectorOnly.fill(0xff, 0, SECTOR);
    const unit = classifyUnit(0, 0, firstSectorOnly, images);
    expect(unit.sectors).to.equal('B' + 'O'.repeat(15));
    expect(unit.state).to.equal('mixed');
    expect(summarize([unit], () => false).observed).to.equal('unexplained');
  });

  it('unit states follow the sector letters', function () {
    const no = Array(4).fill(false) as boolean[];
    expect(unitStateOf('NNPB', no, no)).to.equal('program-partial');
    expect(unitStateOf('NNWB', no, no)).to.equal('writing');
    expect(unitStateOf('OOEE', no, no)).to.equal('erase-partial');
    expect(unitStateOf('OOBB', no, [false, false, true, true])).to.equal('mixed');
    expect(unitStateOf('OOBB', [false, false, true, true], no)).to.equal('old');
  });

  it('the fingerprint is stable and changes with any sector letter', function () {
    const a = fingerprintOf(0, [{ sectors: 'OOOO' }, { sectors: 'BBBB' }]);
    expect(a).to.match(/^[0-9a-f]{16}$/);
    expect(fingerprintOf(0, [{ sectors: 'OOOO' }, { sectors: 'BBBB' }])).to.equal(a);
    expect(fingerprintOf(0, [{ sectors: 'OOOO' }, { sectors: 'BBBW' }])).to.not.equal(a);
    expect(fingerprintOf(UNIT, [{ sectors: 'OOOO' }, { sectors: 'BBBB' }])).to.not.equal(a);
  });
});
