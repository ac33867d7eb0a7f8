import { expect } from 'chai';
import { parseTclList, TclListParseError } from './tcl-list.js';
import { tclQuote } from './tcl-quote.js';

describe('parseTclList: Tcl list string form', () => {
  it('recorded `flash list` of OpenOCD 0.12.0: one braced dict element', () => {
    const text = '{name tt.qspi driver stmqspi base 2415919104 size 0 bus_width 0 chip_width 0 target tt.cpu}';
    const [bank] = parseTclList(text);
    expect(parseTclList(bank as string)).to.deep.equal([
      'name',
      'tt.qspi',
      'driver',
      'stmqspi',
      'base',
      '2415919104',
      'size',
      '0',
      'bus_width',
      '0',
      'chip_width',
      '0',
      'target',
      'tt.cpu',
    ]);
  });

  it('bare words, nested braces kept literally, quoted words with escapes', () => {
    expect(parseTclList(' a  {b {c d}} "e f\\n" g\\ h {} ')).to.deep.equal(['a', 'b {c d}', 'e f\n', 'g h', '']);
  });

  it('reads back what tclQuote writes', () => {
    const values = ['plain', 'a b', '{x', '}', '$[;]', 'tab\there', 'q"uote', 'end\\', 'é😀', ''];
    expect(parseTclList(values.map(tclQuote).join(' '))).to.deep.equal(values);
  });

  it('unbalanced braces and quotes are TclListParseError', () => {
    expect(() => parseTclList('{a b')).to.throw(TclListParseError, /unmatched open brace/);
    expect(() => parseTclList('"a b')).to.throw(TclListParseError, /unmatched open quote/);
    expect(() => parseTclList('{a}b')).to.throw(TclListParseError, /followed by "b"/);
  });
});
