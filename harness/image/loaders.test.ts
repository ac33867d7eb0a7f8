import { expect } from 'chai';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FirmwareFileError, flattenSegments, loadFirmwareFile, parseElf, parseIntelHex } from './index.js';

/** One Intel HEX record with its two's-complement checksum. */
function record(type: number, offset: number, data: number[]): string {
  const bytes = [data.length, (offset >> 8) & 0xff, offset & 0xff, type, ...data];
  const sum = (0x100 - (bytes.reduce((a, b) => a + b, 0) & 0xff)) & 0xff;
  return `:${[...bytes, sum].map((b) => b.toString(16).padStart(2, '0').toUpperCase()).join('')}`;
}

/** A minimal ELF32 LE with one PT_LOAD segment (`bytes` at `paddr`) and one empty one. */
function tinyElf(paddr: number, bytes: number[], entry: number): Uint8Array {
  const phoff = 52;
  const dataOff = phoff + 2 * 32;
  const out = new Uint8Array(dataOff + bytes.length);
  const v = new DataView(out.buffer);
  out.set([0x7f, 0x45, 0x4c, 0x46, 1, 1, 1], 0);
  v.setUint16(16, 2, true); // ET_EXEC
  v.setUint16(18, 40, true); // EM_ARM
  v.setUint32(24, entry, true);
  v.setUint32(28, phoff, true);
  v.setUint16(42, 32, true);
  v.setUint16(44, 2, true);
  v.setUint32(phoff, 1, true); // PT_LOAD
  v.setUint32(phoff + 4, dataOff, true);
  v.setUint32(phoff + 8, 0x24000000, true); // vaddr (RAM) differs from paddr (flash): .data style
  v.setUint32(phoff + 12, paddr, true);
  v.setUint32(phoff + 16, bytes.length, true);
  v.setUint32(phoff + 32, 1, true); // PT_LOAD, filesz 0 (.bss): skipped
  out.set(bytes, dataOff);
  return out;
}

describe('harness/image loaders: Intel HEX, ELF32, raw binary', () => {
  it('Intel HEX: extended linear address (04), data (00), start linear address (05), EOF (01)', () => {
    const text = [
      record(4, 0, [0x90, 0x00]),
      record(0, 0x0400, [1, 2, 3, 4]),
      record(0, 0x0404, [5, 6]),
      record(0, 0x0410, [7]),
      record(5, 0, [0x90, 0x00, 0x04, 0x99]),
      record(1, 0, []),
    ].join('\r\n');
    const fw = parseIntelHex(text);
    expect(fw.entry).to.equal(0x90000499);
    expect(fw.segments.map((s) => [s.address, [...s.bytes]])).to.deep.equal([
      [0x90000400, [1, 2, 3, 4, 5, 6]],
      [0x90000410, [7]],
    ]);
    const flat = flattenSegments(fw);
    expect(flat.base).to.equal(0x90000400);
    expect([...flat.bytes]).to.deep.equal([1, 2, 3, 4, 5, 6, ...new Array<number>(10).fill(0xff), 7]);
  });

  it('Intel HEX: a bad checksum, a missing EOF record and garbage lines are typed errors', () => {
    const good = record(0, 0, [1, 2]);
    const bad = good.slice(0, -2) + '00';
    expect(() => parseIntelHex(`${bad}\n${record(1, 0, [])}`, 'x.hex')).to.throw(FirmwareFileError, /x\.hex: line 1: checksum mismatch/);
    expect(() => parseIntelHex(good)).to.throw(FirmwareFileError, /no end-of-file record/);
    expect(() => parseIntelHex('hello\n')).to.throw(FirmwareFileError, /not an Intel HEX record/);
  });

  it('ELF: PT_LOAD file bytes at the physical (load) address; empty segments skipped', () => {
    const fw = parseElf(tinyElf(0x90000c00, [9, 8, 7], 0x90000401));
    expect(fw.entry).to.equal(0x90000401);
    expect(fw.segments).to.have.length(1);
    expect(fw.segments[0]!.address).to.equal(0x90000c00);
    expect([...fw.segments[0]!.bytes]).to.deep.equal([9, 8, 7]);
    expect(() => parseElf(new Uint8Array(64))).to.throw(FirmwareFileError, /not an ELF file/);
  });

  it('loadFirmwareFile picks the format by extension and places .bin at the given address', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'hil-image-'));
    try {
      writeFileSync(join(dir, 'a.bin'), Uint8Array.of(1, 2));
      writeFileSync(join(dir, 'a.hex'), `${record(0, 0x10, [3])}\n${record(1, 0, [])}\n`);
      writeFileSync(join(dir, 'a.txt'), 'x');
      const bin = await loadFirmwareFile(join(dir, 'a.bin'), 0x08000000);
      expect(bin.segments[0]!.address).to.equal(0x08000000);
      const hex = await loadFirmwareFile(join(dir, 'a.hex'));
      expect(hex.segments[0]!.address).to.equal(0x10);
      await loadFirmwareFile(join(dir, 'a.txt')).then(
        () => expect.fail('accepted a .txt'),
        (e: unknown) => expect(e).to.be.instanceOf(FirmwareFileError),
      );
      await loadFirmwareFile(join(dir, 'missing.bin')).then(
        () => expect.fail('accepted a missing file'),
        (e: unknown) => expect((e as Error).message).to.match(/cannot read the file/),
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
