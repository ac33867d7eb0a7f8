import { expect } from 'chai';
import { FaultPointSyntaxError, formatFaultPoint, parseFaultPoint, type FaultPoint } from './fault-point.js';

describe('harness/faults fault points', function () {
  const cases: Array<[string, FaultPoint]> = [
    ['erase:before:first', { kind: 'erase', when: 'before', unit: 'first' }],
    ['erase:after:3', { kind: 'erase', when: 'after', unit: 3 }],
    ['erase-in-flight:last:20ms', { kind: 'erase-in-flight', unit: 'last', at: { delayMs: 20 } }],
    ['erase-in-flight:middle:50%', { kind: 'erase-in-flight', unit: 'middle', at: { fraction: 0.5 } }],
    ['erase-in-flight:2:12.5%', { kind: 'erase-in-flight', unit: 2, at: { fraction: 0.125 } }],
    ['program-in-flight:first:90%', { kind: 'program-in-flight', unit: 'first', at: { fraction: 0.9 } }],
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

  it('a page program in flight defaults to half its duration', function () {
    expect(parseFaultPoint('program-in-flight:last')).to.deep.equal({ kind: 'program-in-flight', unit: 'last', at: { fraction: 0.5 } });
  });

  for (const bad of [
    'erase-in-flight:1:0%',
    'erase-in-flight:1:100%',
    'program-in-flight:1:20ms',
    'program-in-flight',
    'erase:during:1',
    'erase:before:penultimate',
    'write:0%',
    'write:100%',
    'write:abc',
    'time:soon',
    'explode',
  ]) {
    it(`rejects ${bad} with examples of what works`, function () {
      expect(() => parseFaultPoint(bad)).to.throw(FaultPointSyntaxError, /Examples: erase:before:first/);
    });
  }
});
