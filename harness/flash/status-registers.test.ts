import { expect } from 'chai';
import { decodeStatus, formatStatus, overlapWithProtected, protectedRanges } from './status-registers.js';
import { diagnoseProtectionFrom } from './recovery.js';

const SIZE = 64 * 1024 * 1024;
const KIB = 1024;

describe('W25Q512JV status registers (datasheet 7.1) decoded', () => {
  it('SR1 bit 0 BUSY, bit 1 WEL, bits 5:2 BP, bit 6 TB; SR2 bit 6 CMP, bit 7 SUS; SR3 bit 0 ADS, bit 2 WPS', () => {
    const s = decodeStatus({ sr1: 0b0101_0111, sr2: 0b1100_0010, sr3: 0b0000_0101 });
    expect(s).to.include({
      busy: true,
      writeEnabled: true,
      blockProtect: 0b0101,
      topBottom: 'bottom',
      complement: true,
      suspended: true,
      fourByteMode: true,
      individualLocks: true,
      statusRegisterProtect: false,
    });
  });

  it('factory defaults (SR1=00, SR2=02 QE, SR3=00) decode as idle, unprotected, 3-byte mode', () => {
    const s = decodeStatus({ sr1: 0, sr2: 0x02, sr3: 0 });
    expect(s).to.include({ busy: false, writeEnabled: false, blockProtect: 0, complement: false, suspended: false, fourByteMode: false });
    expect(formatStatus(s)).to.equal('SR1=0x00 SR2=0x02 SR3=0x00');
  });
});

describe('W25Q512JV block protection (datasheet 7.1.3-7.1.8, WPS=0)', () => {
  it('BP=0 protects nothing', () => {
    expect(protectedRanges({ sr1: 0, sr2: 0 }, SIZE)).to.deep.equal([]);
  });

  it('BP=1, TB=0 protects the top 64 KiB', () => {
    expect(protectedRanges({ sr1: 1 << 2, sr2: 0 }, SIZE)).to.deep.equal([{ start: SIZE - 64 * KIB, end: SIZE }]);
  });

  it('BP=3, TB=1 protects the bottom 256 KiB (64 KiB x 2^(3-1))', () => {
    expect(protectedRanges({ sr1: (3 << 2) | 0x40, sr2: 0 }, SIZE)).to.deep.equal([{ start: 0, end: 256 * KIB }]);
  });

  it('BP >= 11 protects the whole 64 MiB array', () => {
    expect(protectedRanges({ sr1: 11 << 2, sr2: 0 }, SIZE)).to.deep.equal([{ start: 0, end: SIZE }]);
    expect(protectedRanges({ sr1: 15 << 2, sr2: 0 }, SIZE)).to.deep.equal([{ start: 0, end: SIZE }]);
  });

  it('CMP=1 protects the complement: BP=1 TB=0 CMP=1 leaves only the top 64 KiB writable', () => {
    expect(protectedRanges({ sr1: 1 << 2, sr2: 0x40 }, SIZE)).to.deep.equal([{ start: 0, end: SIZE - 64 * KIB }]);
  });

  it('CMP=1 with BP=0 protects everything (complement of nothing)', () => {
    expect(protectedRanges({ sr1: 0, sr2: 0x40 }, SIZE)).to.deep.equal([{ start: 0, end: SIZE }]);
  });

  it('overlapWithProtected: only the part of a range inside protection is reported', () => {
    const ranges = protectedRanges({ sr1: 1 << 2, sr2: 0 }, SIZE);
    expect(overlapWithProtected(ranges, SIZE - 128 * KIB, SIZE - 32 * KIB)).to.deep.equal([{ start: SIZE - 64 * KIB, end: SIZE - 32 * KIB }]);
    expect(overlapWithProtected(ranges, 0, 64 * KIB)).to.deep.equal([]);
  });

  it('diagnosis names the protected 4 KiB sectors: BP=1 top → sectors 16368..16383', () => {
    const d = diagnoseProtectionFrom({ sr1: 1 << 2, sr2: 0x02, sr3: 0 }, SIZE);
    expect(d.protected).to.equal(true);
    expect(d.sectors).to.deep.equal([{ first: 16368, last: 16383 }]);
    expect(d.explanation).to.match(/BP=1 TB=0 CMP=0 protect 0x3ff0000\.\.0x3ffffff \(64 KiB\)/);
  });

  it('diagnosis with WPS=1 reports individual locks instead of BP ranges', () => {
    const d = diagnoseProtectionFrom({ sr1: 0, sr2: 0x02, sr3: 0x04 }, SIZE);
    expect(d.protected).to.equal(true);
    expect(d.explanation).to.match(/WPS=1/);
  });
});
