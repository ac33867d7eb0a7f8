import { expect } from 'chai';
import { ProcessLog } from './process-log.js';

describe('ProcessLog: OpenOCD stdout + stderr as timestamped lines', () => {
  it('joins a line cut across chunks and a UTF-8 character cut across chunks', () => {
    const log = new ProcessLog();
    const bytes = Buffer.from('Info : réady\nError: x\n');
    const cut = bytes.indexOf(0xa9); // inside "é" (c3 a9)
    log.append('stderr', bytes.subarray(0, cut));
    log.append('stderr', bytes.subarray(cut));
    expect(log.lines().map((l) => l.text)).to.deep.equal(['Info : réady', 'Error: x']);
  });

  it('keeps stdout and stderr partial lines apart and flushes them at exit', () => {
    const log = new ProcessLog();
    log.append('stdout', Buffer.from('out-part'));
    log.append('stderr', Buffer.from('err line\r\n'));
    log.flush();
    expect(log.lines().map((l) => [l.stream, l.text])).to.deep.equal([
      ['stderr', 'err line'],
      ['stdout', 'out-part'],
    ]);
  });

  it('tail, since and toString give the recent lines with ISO times', () => {
    const log = new ProcessLog();
    log.append('stderr', Buffer.from('a\nb\nc\n'));
    expect(log.tail(2)).to.deep.equal(['b', 'c']);
    expect(log.since(Date.now() + 1000)).to.deep.equal([]);
    expect(log.since(0).map((l) => l.text)).to.deep.equal(['a', 'b', 'c']);
    expect(log.toString().split('\n')[0]).to.match(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z E a$/);
  });

  it('onLine listeners see each new line until they unsubscribe', () => {
    const log = new ProcessLog();
    const seen: string[] = [];
    const stop = log.onLine((l) => seen.push(l.text));
    log.append('stdout', Buffer.from('one\n'));
    stop();
    log.append('stdout', Buffer.from('two\n'));
    expect(seen).to.deep.equal(['one']);
  });
});
