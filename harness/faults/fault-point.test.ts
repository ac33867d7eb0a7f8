import { expect } from 'chai';
import { FaultPointSyntaxError, formatFaultPoint, parseFaultPoint, type FaultPoint } from './fault-point.js';

describe('harness/faults fault points', function () {
  const cases: Array<[string, FaultPoint]> = [
    ['erase:before:first', { kind: 'erase', when: 'before', unit: 'first' }],
    ['erase:after:3', { kind: 'erase', when: 'after', unit: 3 }],
    ['erase-in-flight:last:20ms', { kind: 'erase-in-flight', unit: 'last', delayMs: 20 }],
    ['write:50%', { kind: 'write-percent', percent: 50 }],
    ['write:4096', { kind: 'write-bytes', bytes: 4096 }],
    ['between-erase-and-write', { kind: 'between-erase-and-write' }],
    ['after-header', { kind: 'after-header' }],
    ['time:1500ms', { kind: 'time', afterMs: 1500 }],
  ];
  for (const [text, point] of cases) {
    it(`parses ${text} and formats it back`, function () {
      expect(parseFaultPoint(text)).to.deep.equal(point);
      expect(formatFaultPoint(point)).to.equal(text);
    });
  }

  it('reads seconds as milliseconds', function () {
    expect(parseFaultPoint('time:1.5s')).to.deep.equal({ kind: 'time', afterMs: 1500 });
  });

  for (const bad of ['erase:during:1', 'erase:before:penultimate', 'write:0%', 'write:100%', 'write:abc', 'time:soon', 'explode']) {
    it(`rejects ${bad} with examples of what works`, function () {
      expect(() => parseFaultPoint(bad)).to.throw(FaultPointSyntaxError, /Examples: erase:before:first/);
    });
  }
});
