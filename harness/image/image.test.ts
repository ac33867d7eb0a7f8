import { expect } from 'chai';
import * as zlib from 'node:zlib';
import {
  DEFAULT_FLASH_SIZE,
  HeaderField,
  IMAGE_HEADER_SIZE,
  IMAGE_MAGIC,
  ImageAbsentError,
  ImageBuildError,
  ImageRejectedError,
  QSPI_BASE,
  badHeaderCrc,
  badVectorTable,
  blank,
  buildImage,
  checkImage,
  crc32,
  flippedBit,
  lengthBeyondFlash,
  missingPage,
  missingRange,
  missingSector,
  parseImage,
  truncated,
  type BootVerdict,
  type ExpectedOutcome,
} from './index.js';
import { crc32Table } from './crc32.js';

/** A payload that passes the vector-table check: SP at the top of AXI SRAM, reset handler inside. */
function fakeApp(length: number, payloadOffset = 1024, seed = 1): Uint8Array {
  const bytes = new Uint8Array(length);
  let x = seed;
  for (let i = 0; i < length; i++) {
    x = (x * 1103515245 + 12345) >>> 0;
    bytes[i] = x >>> 24;
  }
  const view = new DataView(bytes.buffer);
  view.setUint32(0, 0x24080000, true);
  view.setUint32(4, (QSPI_BASE + payloadOffset + 0x2a0) | 1, true);
  return bytes;
}

function outcome(verdict: BootVerdict): ExpectedOutcome {
  return verdict.image === 'rejected' ? { image: 'rejected', reason: verdict.reason } : { image: verdict.image };
}

describe('harness/image: CRC-32 (zlib) of the container', () => {
  it('matches the CRC-32 check value of "123456789" (0xCBF43926)', () => {
    expect(crc32(new TextEncoder().encode('123456789'))).to.equal(0xcbf43926);
  });

  it('table fallback equals zlib.crc32 on random data of every length 0..300', () => {
    const data = fakeApp(300);
    for (let n = 0; n <= 300; n++) expect(crc32Table(data.subarray(0, n)), `n=${n}`).to.equal(zlib.crc32(data.subarray(0, n)) >>> 0);
  });

  it('continues from a previous CRC like zlib does', () => {
    const data = fakeApp(100);
    expect(crc32(data.subarray(40), crc32(data.subarray(0, 40)))).to.equal(crc32(data));
    expect(crc32Table(data.subarray(40), crc32Table(data.subarray(0, 40)))).to.equal(crc32(data));
  });
});

describe('harness/image: build and parse (IMAGE_FORMAT.md)', () => {
  it('round-trips header fields and payload', () => {
    const payload = fakeApp(5000);
    const image = buildImage({ payload, version: 0x01020003 });
    expect(image.length).to.equal(1024 + 5000);
    const parsed = parseImage(image);
    expect(parsed.header).to.include({
      magic: IMAGE_MAGIC,
      formatVersion: 1,
      headerSize: 64,
      payloadOffset: 1024,
      payloadLength: 5000,
      payloadCrc: zlib.crc32(payload) >>> 0,
      imageVersion: 0x01020003,
      flags: 0,
    });
    expect(Buffer.from(parsed.payload).equals(Buffer.from(payload))).to.equal(true);
  });

  it('stores magic "HILI" and a header CRC over bytes 0..59', () => {
    const image = buildImage({ payload: fakeApp(64), version: 1 });
    expect(Buffer.from(image.subarray(0, 4)).toString('latin1')).to.equal('HILI');
    const view = new DataView(image.buffer);
    expect(view.getUint32(HeaderField.headerCrc, true)).to.equal(zlib.crc32(image.subarray(0, 60)) >>> 0);
  });

  it('pads between header and payload with erased bytes and honours a 2 KiB payload offset', () => {
    const image = buildImage({ payload: fakeApp(1000, 2048), version: 7, payloadOffset: 2048 });
    expect(image.subarray(IMAGE_HEADER_SIZE, 2048).every((b) => b === 0xff)).to.equal(true);
    expect(parseImage(image).header.payloadOffset).to.equal(2048);
  });

  it('refuses payload offsets that are not 1 KiB multiples, payloads without a vector table, and images larger than the flash', () => {
    expect(() => buildImage({ payload: fakeApp(100), version: 1, payloadOffset: 512 })).to.throw(ImageBuildError, /multiple of 1024/);
    expect(() => buildImage({ payload: fakeApp(100), version: 1, payloadOffset: 0 })).to.throw(ImageBuildError);
    expect(() => buildImage({ payload: new Uint8Array(4), version: 1 })).to.throw(ImageBuildError, /vector table/);
    expect(() => buildImage({ payload: fakeApp(4096), version: 1, flashSize: 4096 })).to.throw(ImageBuildError, /does not fit/);
    expect(() => buildImage({ payload: fakeApp(100), version: -1 })).to.throw(ImageBuildError, /unsigned/);
  });

  it('parseImage throws typed errors that carry the bootloader verdict', () => {
    const image = buildImage({ payload: fakeApp(300), version: 1 });
    expect(() => parseImage(blank(4096).bytes)).to.throw(ImageAbsentError);
    const broken = flippedBit(image, (1024 + 100) * 8).bytes;
    try {
      parseImage(broken);
      expect.fail('parseImage accepted a damaged payload');
    } catch (error) {
      expect(error).to.be.instanceOf(ImageRejectedError);
      const rejected = error as ImageRejectedError;
      expect(rejected.reason).to.equal('crc-mismatch');
      expect(rejected.fields.expected).to.equal(zlib.crc32(image.subarray(1024)) >>> 0);
      expect(rejected.fields.actual).to.equal(zlib.crc32(broken.subarray(1024)) >>> 0);
      expect(rejected.message).to.match(/reason=crc-mismatch expected=0x[0-9a-f]+ actual=0x/);
    }
  });
});

describe('harness/image: partial and corrupted variants have the property they claim', () => {
  const payload = fakeApp(700);
  const image = buildImage({ payload, version: 3 });

  it('truncated at every byte: expected verdict equals what the checker finds', () => {
    for (let at = 0; at <= image.length; at++) {
      const v = truncated(image, at);
      expect(outcome(checkImage(v.bytes)), v.name).to.deep.equal(v.expected);
    }
  });

  it('truncated: nothing -> absent, inside magic -> bad-magic, inside header -> header-crc, inside payload -> crc-mismatch, complete -> ok', () => {
    expect(truncated(image, 0).expected).to.deep.equal({ image: 'absent' });
    expect(truncated(image, 3).expected).to.deep.equal({ image: 'rejected', reason: 'bad-magic' });
    expect(truncated(image, 40).expected).to.deep.equal({ image: 'rejected', reason: 'header-crc' });
    expect(truncated(image, 64).expected).to.deep.equal({ image: 'rejected', reason: 'crc-mismatch' });
    expect(truncated(image, 1024 + 512).expected).to.deep.equal({ image: 'rejected', reason: 'crc-mismatch' });
    expect(truncated(image, image.length).expected).to.deep.equal({ image: 'ok' });
  });

  it('a page missing in the payload is a CRC mismatch; sector 0 missing takes the header with it (absent)', () => {
    const page = missingPage(image, 5); // bytes 1280..1535, inside the payload
    expect(page.expected).to.deep.equal({ image: 'rejected', reason: 'crc-mismatch' });
    expect(outcome(checkImage(page.bytes))).to.deep.equal(page.expected);
    expect(page.bytes.subarray(1280, 1536).every((b) => b === 0xff)).to.equal(true);
    const sector = missingSector(image, 0);
    expect(sector.expected).to.deep.equal({ image: 'absent' });
    expect(outcome(checkImage(sector.bytes))).to.deep.equal(sector.expected);
  });

  it('a missing range inside a larger image (4 KiB sector in the middle) is a CRC mismatch', () => {
    const big = buildImage({ payload: fakeApp(20000), version: 1 });
    const v = missingSector(big, 2);
    expect(v.expected).to.deep.equal({ image: 'rejected', reason: 'crc-mismatch' });
    expect(outcome(checkImage(v.bytes))).to.deep.equal(v.expected);
    const r = missingRange(big, 10000, 300);
    expect(outcome(checkImage(r.bytes))).to.deep.equal({ image: 'rejected', reason: 'crc-mismatch' });
  });

  it('a flipped bit anywhere in the header or payload is caught; in the padding it is not (no CRC covers it)', () => {
    for (let bit = 0; bit < IMAGE_HEADER_SIZE * 8; bit++) {
      const v = flippedBit(image, bit);
      expect(v.expected.image, v.name).to.equal('rejected');
      expect(outcome(checkImage(v.bytes)), v.name).to.deep.equal(v.expected);
    }
    for (let bit = 1024 * 8; bit < image.length * 8; bit += 13) {
      const v = flippedBit(image, bit);
      expect(v.expected, v.name).to.deep.equal({ image: 'rejected', reason: 'crc-mismatch' });
      expect(outcome(checkImage(v.bytes)), v.name).to.deep.equal(v.expected);
    }
    const padding = flippedBit(image, 500 * 8);
    expect(padding.expected).to.deep.equal({ image: 'ok' });
    expect(outcome(checkImage(padding.bytes))).to.deep.equal({ image: 'ok' });
  });

  it('bad header CRC: the checker reports the stored and the computed CRC', () => {
    const v = badHeaderCrc(image);
    const verdict = checkImage(v.bytes);
    expect(outcome(verdict)).to.deep.equal({ image: 'rejected', reason: 'header-crc' });
    if (verdict.image !== 'rejected') throw new Error('unreachable');
    expect(verdict.fields.actual).to.equal(zlib.crc32(image.subarray(0, 60)) >>> 0);
    expect(verdict.fields.expected).to.equal((verdict.fields.actual! ^ 0xffffffff) >>> 0);
  });

  it('length beyond the flash is refused before any payload read, with a valid header CRC', () => {
    for (const flashSize of [DEFAULT_FLASH_SIZE, 1 << 20]) {
      const v = lengthBeyondFlash(image, flashSize);
      const verdict = checkImage(v.bytes, { flashSize });
      expect(outcome(verdict)).to.deep.equal(v.expected);
      if (verdict.image !== 'rejected') throw new Error('unreachable');
      expect(verdict.fields).to.deep.equal({ length: flashSize - 1024 + 1, offset: 1024, flash_size: flashSize });
    }
  });

  it('bad vector table with correct CRCs is refused by the vector-table check', () => {
    const v = badVectorTable(image);
    expect(outcome(checkImage(v.bytes))).to.deep.equal({ image: 'rejected', reason: 'bad-vector-table' });
  });

  it('a reset vector without the Thumb bit or outside the payload is a bad vector table', () => {
    for (const reset of [QSPI_BASE + 1024 + 0x2a0, 0x08000001, QSPI_BASE + 1024 + 700 + 1]) {
      const p = payload.slice();
      new DataView(p.buffer).setUint32(4, reset >>> 0, true);
      const verdict = checkImage(buildImage({ payload: p, version: 1 }));
      expect(outcome(verdict), `reset=0x${reset.toString(16)}`).to.deep.equal({ image: 'rejected', reason: 'bad-vector-table' });
    }
  });

  it('blank flash (or nothing at all) is absent', () => {
    for (const n of [0, 64, 4096]) {
      const v = blank(n);
      expect(v.expected).to.deep.equal({ image: 'absent' });
      expect(outcome(checkImage(v.bytes))).to.deep.equal({ image: 'absent' });
    }
  });

  it('the negative control (checkCrc=false) accepts a truncated image the checking bootloader refuses', () => {
    const v = truncated(image, 1024 + 300);
    expect(outcome(checkImage(v.bytes))).to.deep.equal({ image: 'rejected', reason: 'crc-mismatch' });
    expect(outcome(checkImage(v.bytes, { checkCrc: false }))).to.deep.equal({ image: 'ok' });
    expect(outcome(checkImage(blank(100).bytes, { checkCrc: false }))).to.deep.equal({ image: 'absent' });
  });
});
