import { expect } from 'chai';
import { tclCommand, tclList, tclQuote, TclQuoteError } from './tcl-quote.js';

describe('tclQuote: one literal Tcl word for any string', () => {
  it('plain words stay bare (readable transcripts)', () => {
    expect(tclQuote('stm32h7x.qspi')).to.equal('stm32h7x.qspi');
    expect(tclQuote('0x90000000')).to.equal('0x90000000');
    expect(tclQuote('/tmp/image-1.bin')).to.equal('/tmp/image-1.bin');
  });

  it('the empty string is an empty quoted word', () => {
    expect(tclQuote('')).to.equal('""');
  });

  it('Tcl specials are backslash-escaped inside double quotes', () => {
    expect(tclQuote('a b')).to.equal('"a b"');
    expect(tclQuote('$x [cmd] {b} "q" \\')).to.equal('"\\$x \\[cmd\\] \\{b\\} \\"q\\" \\\\"');
    expect(tclQuote('a;b')).to.equal('"a;b"');
  });

  it('control characters become \\u00HH (four digits, so a following hex digit is safe)', () => {
    expect(tclQuote('\n')).to.equal('"\\u000a"');
    expect(tclQuote('\x00f')).to.equal('"\\u0000f"');
    expect(tclQuote('\x1a')).to.equal('"\\u001a"');
    expect(tclQuote('\x7f')).to.equal('"\\u007f"');
  });

  it('a quoted word never contains 0x1a, NUL or a raw newline (the server splits on 0x1a)', () => {
    let all = '';
    for (let c = 0; c < 0x80; c++) all += String.fromCharCode(c);
    const quoted = tclQuote(all);
    expect([...quoted].filter((ch) => ch.charCodeAt(0) < 0x20 || ch.charCodeAt(0) === 0x7f)).to.deep.equal([]);
  });

  it('non-ASCII and astral characters pass as themselves', () => {
    expect(tclQuote('é 😀')).to.equal('"é 😀"');
  });

  it('a lone surrogate has no UTF-8 form and throws TclQuoteError', () => {
    expect(() => tclQuote('a\ud800b')).to.throw(TclQuoteError, /index 1/);
    expect(() => tclQuote('\udc00')).to.throw(TclQuoteError);
    expect(tclQuote('\ud83d\ude00')).to.equal('"😀"');
  });

  it('tclCommand quotes each word; tclList makes one list word', () => {
    expect(tclCommand('flash', 'write_image', 'erase', '/tmp/my image.bin', '0x90000000', 'bin')).to.equal(
      'flash write_image erase "/tmp/my image.bin" 0x90000000 bin',
    );
    expect(tclList(['0x1', '0x2'])).to.equal('"0x1 0x2"');
    expect(() => tclCommand('halt', Number.NaN)).to.throw(RangeError);
  });
});
