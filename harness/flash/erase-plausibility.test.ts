import { expect } from 'chai';
import { W25Q512JV, jedecIdHex } from './chips.js';
import { checkEraseTime } from './erase-plausibility.js';

describe('harness/flash erase-time plausibility (W25Q512JV SFDP times)', function () {
  it('the field report: a 1.38 min "chip erase" is flagged, 4 min is not', function () {
    // 192 s typical: the floor is 96 s.
    const fast = checkEraseTime(W25Q512JV, { bytes: W25Q512JV.sizeBytes, units: 1, elapsedMs: 1.38 * 60_000 });
    expect(fast.plausible).to.equal(false);
    expect(fast.floorMs).to.equal(96_000);
    expect(fast.explanation).to.contain('1.38 min').and.contain('cannot erase that fast');
    expect(checkEraseTime(W25Q512JV, { bytes: W25Q512JV.sizeBytes, units: 1, elapsedMs: 240_000 }).plausible).to.equal(true);
  });

  it('four 64 KiB block erases in 30 ms did not happen; in 600 ms they did', function () {
    const bytes = 4 * 64 * 1024;
    const dropped = checkEraseTime(W25Q512JV, { bytes, units: 4, elapsedMs: 30 });
    expect(dropped.plausible).to.equal(false);
    expect(dropped.typicalMs).to.equal(640);
    expect(dropped.floorMs).to.equal(320);
    expect(checkEraseTime(W25Q512JV, { bytes, units: 4, elapsedMs: 600 }).plausible).to.equal(true);
  });

  it('the time scale of a virtual board scales the floor', function () {
    const scaled = checkEraseTime(W25Q512JV, { bytes: 64 * 1024, units: 1, elapsedMs: 1 }, { timeScale: 0.01 });
    expect(scaled.floorMs).to.be.closeTo(0.8, 1e-9);
    expect(scaled.plausible).to.equal(true);
    expect(checkEraseTime(W25Q512JV, { bytes: 64 * 1024, units: 1, elapsedMs: 0.1 }, { timeScale: 0.01 }).plausible).to.equal(false);
  });

  it('an erase size the chip does not have is an error', function () {
    expect(() => checkEraseTime(W25Q512JV, { bytes: 128 * 1024, units: 1, elapsedMs: 10 })).to.throw(RangeError, /no 131072-byte erase/);
  });

  it('identifies as EF 40 20', function () {
    expect(jedecIdHex(W25Q512JV)).to.equal('ef4020');
  });
});
