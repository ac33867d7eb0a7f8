import { expect } from 'chai';
import { FrameReader } from './frame-reader.js';

const SUB = '\x1a';

function collect(reader: FrameReader, chunks: Buffer[]): string[] {
  const frames: string[] = [];
  for (const c of chunks) reader.push(c, (b, s, e) => frames.push(b.toString('utf8', s, e)));
  return frames;
}

describe('FrameReader: OpenOCD Tcl server framing (tcl_server.c, frames end with 0x1a)', () => {
  // Includes a 4-byte UTF-8 character so some cuts fall inside a multi-byte sequence.
  const messages = ['\x022 12 hello world!', '', 'type target_event event halted\r\n', '\x020 9 ö😀a'];
  const stream = Buffer.from(messages.map((m) => m + SUB).join(''), 'utf8');

  it('a message cut at every byte offset comes out whole and decodes as the same UTF-8 text', () => {
    for (let cut = 0; cut <= stream.length; cut++) {
      const frames = collect(new FrameReader(), [stream.subarray(0, cut), stream.subarray(cut)]);
      expect(frames, `cut at ${cut}`).to.deep.equal(messages);
    }
  });

  it('every pair of cut offsets (three chunks) still gives the same frames', () => {
    for (let a = 0; a <= stream.length; a++) {
      for (let b = a; b <= stream.length; b++) {
        const frames = collect(new FrameReader(), [stream.subarray(0, a), stream.subarray(a, b), stream.subarray(b)]);
        expect(frames, `cuts at ${a},${b}`).to.deep.equal(messages);
      }
    }
  });

  it('several messages in one chunk come out in order', () => {
    expect(collect(new FrameReader(), [stream])).to.deep.equal(messages);
  });

  it('one byte at a time gives the same frames', () => {
    const chunks = [...stream].map((b) => Buffer.from([b]));
    expect(collect(new FrameReader(), chunks)).to.deep.equal(messages);
  });

  it('keeps a partial frame until its terminator arrives, and counts its bytes', () => {
    const reader = new FrameReader();
    expect(collect(reader, [Buffer.from('abc')])).to.deep.equal([]);
    expect(reader.pendingBytes).to.equal(3);
    expect(collect(reader, [Buffer.from('def' + SUB + 'g')])).to.deep.equal(['abcdef']);
    expect(reader.pendingBytes).to.equal(1);
  });

  it('a 3 MiB frame in 64 KiB chunks comes out whole (buffer grows by doubling)', () => {
    const big = Buffer.alloc(3 * 1024 * 1024, 0x41);
    const all = Buffer.concat([big, Buffer.from(SUB + 'x' + SUB)]);
    const chunks: Buffer[] = [];
    for (let i = 0; i < all.length; i += 65536) chunks.push(all.subarray(i, i + 65536));
    const frames: Buffer[] = [];
    const reader = new FrameReader();
    for (const c of chunks) reader.push(c, (b, s, e) => frames.push(Buffer.from(b.subarray(s, e))));
    expect(frames).to.have.length(2);
    expect(frames[0]?.equals(big)).to.equal(true);
    expect(frames[1]?.toString()).to.equal('x');
  });

  it('frames handed out are not overwritten by later chunks', () => {
    const reader = new FrameReader();
    const frames: Buffer[] = [];
    const keep = (b: Buffer, s: number, e: number): number => frames.push(b.subarray(s, e));
    reader.push(Buffer.from('first-part'), keep);
    reader.push(Buffer.from('-end' + SUB + 'sec'), keep);
    reader.push(Buffer.from('ond' + SUB), keep);
    expect(frames.map((f) => f.toString())).to.deep.equal(['first-part-end', 'second']);
  });

  it('reset() drops a partial frame', () => {
    const reader = new FrameReader();
    collect(reader, [Buffer.from('stale')]);
    reader.reset();
    expect(collect(reader, [Buffer.from('new' + SUB)])).to.deep.equal(['new']);
  });
});
