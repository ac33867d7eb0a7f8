import { expect } from 'chai';
import { ProgressPattern, ProgressPatternError } from './progress-pattern.js';

describe('ProgressPattern', () => {
  it('reads a percent group, decimal included', () => {
    const p = new ProgressPattern('(?<percent>\\d+(?:\\.\\d+)?)%');
    expect(p.read('[=====     ] 50%', 0)).to.deep.equal({ percent: 50 });
    expect(p.read('Erasing 12.5%', 0)).to.deep.equal({ percent: 12.5 });
    expect(p.read('no progress here', 0)).to.equal(undefined);
  });

  it('reads bytes of a total group', () => {
    const p = new ProgressPattern('write: (?<bytes>\\d+) of (?<total>\\d+) bytes');
    expect(p.read('write: 512 of 1024 bytes', 0)).to.deep.equal({ percent: 50, bytes: 512 });
    expect(p.read('write: 0 of 1024 bytes', 99)).to.deep.equal({ percent: 0, bytes: 0 });
  });

  it('reads bytes against totalBytes when there is no total group, hex included', () => {
    const p = new ProgressPattern('wrote (?<bytes>\\S+) bytes');
    expect(p.read('wrote 256 bytes', 1024)).to.deep.equal({ percent: 25, bytes: 256 });
    expect(p.read('wrote 0x200 bytes', 1024)).to.deep.equal({ percent: 50, bytes: 512 });
    expect(p.read('wrote 0X400 bytes', 1024)).to.deep.equal({ percent: 100, bytes: 1024 });
    expect(new ProgressPattern('(?<bytes>\\S+) of (?<total>\\S+)').read('0x80 of 0x100', 0)).to.deep.equal({ percent: 50, bytes: 128 });
  });

  it('has no reading when the denominator is unknown or a group is not a number', () => {
    const p = new ProgressPattern('wrote (?<bytes>\\S+) bytes');
    expect(p.read('wrote 256 bytes', 0)).to.equal(undefined);
    expect(p.read('wrote 256 bytes', Number.NaN)).to.equal(undefined);
    expect(p.read('wrote lots bytes', 1024)).to.equal(undefined);
    expect(new ProgressPattern('(?<percent>\\S+)%').read('0x20%', 0)).to.equal(undefined);
    expect(new ProgressPattern('(?<bytes>\\d+)/(?<total>\\d+)').read('5/0', 100)).to.equal(undefined);
  });

  it('clamps percent to 0..100', () => {
    expect(new ProgressPattern('(?<percent>\\d+)%').read('250%', 0)).to.deep.equal({ percent: 100 });
    expect(new ProgressPattern('(?<bytes>\\d+)/(?<total>\\d+)').read('3000/1000', 0)).to.deep.equal({ percent: 100, bytes: 3000 });
  });

  it('prefers the percent group when both match', () => {
    const p = new ProgressPattern('(?<bytes>\\d+) bytes \\((?<percent>\\d+)%\\)');
    expect(p.read('300 bytes (30%)', 10_000)).to.deep.equal({ percent: 30, bytes: 300 });
  });

  it('finds groups inside alternatives that did not match', () => {
    const p = new ProgressPattern('^(?:Erase|Program): (?<percent>\\d+)%$|^done$');
    expect(p.read('Program: 40%', 0)).to.deep.equal({ percent: 40 });
    expect(p.read('done', 0)).to.equal(undefined);
  });

  it('rejects a pattern that does not compile, naming it and the problem', () => {
    expect(() => new ProgressPattern('(?<percent>\\d+')).to.throw(ProgressPatternError, /progress pattern \/\(\?<percent>\\d\+\/: does not compile/);
  });

  it('rejects a pattern without a percent or bytes group', () => {
    expect(() => new ProgressPattern('(\\d+)%')).to.throw(ProgressPatternError, /has no named group "percent" or "bytes"/);
    expect(() => new ProgressPattern('(?<pct>\\d+)%')).to.throw(ProgressPatternError, /\/\(\?<pct>\\d\+\)%\/: has no named group/);
    expect(() => new ProgressPattern('\\(?<percent>')).to.throw(ProgressPatternError, /has no named group/);
    expect(() => new ProgressPattern('(?<percent>\\d+)% (?<total>\\d+)')).to.throw(ProgressPatternError, /"total" group but no "bytes"/);
  });
});
