import { expect } from 'chai';
import { parseCommandArgs, parseDuration, parseRange, parseSectors, parseSize } from './cli-args.js';
import { UsageError } from './usage-error.js';

function usageErrorOf(body: () => unknown): UsageError {
  try {
    body();
  } catch (error) {
    expect(error).to.be.instanceOf(UsageError);
    return error as UsageError;
  }
  throw new Error('expected a UsageError');
}

describe('hil command-line syntax (harness/cli/cli-args)', () => {
  it('byte counts: decimal, 0x hex, K/KiB and M/MiB suffixes', () => {
    expect(parseSize('4096', '--offset', 'program')).to.equal(4096);
    expect(parseSize('0x10000', '--offset', 'program')).to.equal(0x10000);
    expect(parseSize('64K', '--offset', 'program')).to.equal(65536);
    expect(parseSize('64KiB', '--offset', 'program')).to.equal(65536);
    expect(parseSize('1M', '--offset', 'program')).to.equal(1024 * 1024);
    expect(usageErrorOf(() => parseSize('64 sectors', '--offset', 'program')).message).to.match(
      /--offset: "64 sectors" is not a byte count \(write 65536, 0x10000, 64K or 1M\)/,
    );
  });

  it('ranges: <offset>+<length> and <start>..<end> (end exclusive); empty or backwards ranges are refused', () => {
    expect(parseRange('0x100000+64K', '--range', 'blank-check')).to.deep.equal({ offset: 0x100000, length: 65536 });
    expect(parseRange('0..0x2000', '--range', 'blank-check')).to.deep.equal({ offset: 0, length: 0x2000 });
    expect(usageErrorOf(() => parseRange('0x2000..0x1000', '--range', 'blank-check')).message).to.match(/ends before it starts/);
    expect(usageErrorOf(() => parseRange('0+0', '--range', 'blank-check')).message).to.match(/length 0/);
    expect(usageErrorOf(() => parseRange('0x1000', '--range', 'blank-check')).message).to.match(/<offset>\+<length>/);
  });

  it('--sectors a-b: 4 KiB sector numbers, inclusive; one number is one sector', () => {
    expect(parseSectors('0-15', 'erase')).to.deep.equal({ first: 0, last: 15, offset: 0, length: 65536 });
    expect(parseSectors('16-31', 'erase')).to.include({ offset: 65536, length: 65536 });
    expect(parseSectors('7', 'erase')).to.include({ offset: 7 * 4096, length: 4096 });
    expect(usageErrorOf(() => parseSectors('9-3', 'erase')).message).to.match(/ends before it starts/);
    expect(usageErrorOf(() => parseSectors('0x1000-', 'erase')).message).to.match(/4 KiB sector numbers/);
  });

  it('durations: 10s, 500ms, 2m, bare seconds', () => {
    expect(parseDuration('10s', '--timeout', 'boot')).to.equal(10_000);
    expect(parseDuration('500ms', '--timeout', 'boot')).to.equal(500);
    expect(parseDuration('2m', '--timeout', 'boot')).to.equal(120_000);
    expect(parseDuration('3', '--timeout', 'boot')).to.equal(3000);
    expect(() => parseDuration('soon', '--timeout', 'boot')).to.throw(UsageError, /not a duration/);
  });

  it('common flags: --board, --boards, --json, --time-scale are parsed for every board command', () => {
    const parsed = parseCommandArgs(
      'map',
      ['app.img', '--board', 'b1', '--boards', 'x.json', '--json', '--time-scale', '0.01', '--svg', 'o.svg'],
      { svg: { type: 'string' } },
      1,
    );
    expect(parsed.common).to.deep.equal({ board: 'b1', boards: 'x.json', json: true, timeScale: 0.01, help: false });
    expect(parsed.values.svg).to.equal('o.svg');
    expect(parsed.positionals).to.deep.equal(['app.img']);
  });

  it('mistakes are UsageErrors (exit 2) naming the flag: unknown option, stray word, empty value, negative time scale', () => {
    expect(usageErrorOf(() => parseCommandArgs('erase', ['--sektors', '0-1'], {})).message).to.match(/sektors/);
    expect(usageErrorOf(() => parseCommandArgs('erase', ['extra'], {})).message).to.equal('unexpected argument "extra"');
    expect(usageErrorOf(() => parseCommandArgs('erase', ['--board', ' '], {})).message).to.equal('--board needs a value');
    expect(usageErrorOf(() => parseCommandArgs('erase', ['--time-scale=-1'], {})).message).to.match(/--time-scale must be a number >= 0/);
  });
});
