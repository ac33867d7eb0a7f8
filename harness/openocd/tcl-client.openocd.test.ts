/**
 * TclRpcClient against the real OpenOCD 0.12 binary (no target needed: `noinit`, or the
 * `testee` target on the `dummy` adapter for notifications).
 */
import { expect } from 'chai';
import { OpenOcdExitedError, TclCommandError, TclConnectionLostError, TclTimeoutError } from './errors.js';
import type { OpenOcdNotification } from './notifications.js';
import type { OpenOcdProcess } from './openocd-process.js';
import { tclQuote, TclQuoteError } from './tcl-quote.js';
import { seededRandom, startOpenOcdWithoutTarget, startOpenOcdWithTesteeTarget } from './test-support.js';

describe('TclRpcClient against real OpenOCD 0.12 (Tcl server, no target)', function () {
  this.timeout(60_000);
  let openocd: OpenOcdProcess;

  before(async () => {
    openocd = await startOpenOcdWithoutTarget();
  });

  after(async () => {
    await openocd?.stop();
  });

  it('round trip: `version` returns the banner', async () => {
    expect(await openocd.tcl.call('version')).to.match(/^Open On-Chip Debugger 0\.12\.\d/);
  });

  it('a reply over 1 MiB arrives whole (string repeat)', async () => {
    const text = await openocd.tcl.call('string repeat "ab\\u00e9" 400000');
    expect(Buffer.byteLength(text)).to.equal(400000 * 4);
    expect(text).to.equal('abé'.repeat(400000));
  });

  it('a 1 MiB request (one quoted argument) reaches OpenOCD whole', async () => {
    const value = 'x{'.repeat(256 * 1024) + '}\\';
    const length = await openocd.tcl.call(`string length ${tclQuote(value)}`);
    expect(Number(length)).to.equal(value.length);
  });

  it('1000 queued calls resolve in order, each with its own result', async () => {
    const results = await Promise.all(Array.from({ length: 1000 }, (_, i) => openocd.tcl.call(`return ${tclQuote(`n${i} {x}`)}`)));
    expect(results).to.deep.equal(Array.from({ length: 1000 }, (_, i) => `n${i} {x}`));
  });

  it('`error boom` rejects with TclCommandError code 1 and message "boom"', async () => {
    const err = await openocd.tcl.call('error boom').catch((e: unknown) => e);
    expect(err).to.be.instanceOf(TclCommandError);
    expect(err).to.include({ command: 'error boom', tclMessage: 'boom', returnCode: 1 });
  });

  it('an unknown command rejects with OpenOCD\'s "invalid command name" message', async () => {
    const err = await openocd.tcl.call('no_such_command 1 2').catch((e: unknown) => e);
    expect(err).to.be.instanceOf(TclCommandError);
    expect((err as TclCommandError).tclMessage).to.equal('invalid command name "no_such_command"');
  });

  it('unbalanced braces in a command fail inside the wrapper; the next call is still paired', async () => {
    const err = await openocd.tcl.call('puts {').catch((e: unknown) => e);
    expect(err).to.be.instanceOf(TclCommandError);
    expect((err as TclCommandError).tclMessage).to.match(/missing close-brace/);
    expect(await openocd.tcl.call('return after')).to.equal('after');
  });

  it('results with 0x1a, NUL, braces and newlines come back literally', async () => {
    const value = 'a\x1ab\x00c}{\n\r\t\x1b"$[x]\\';
    expect(await openocd.tcl.call(`return ${tclQuote(value)}`)).to.equal(value);
  });

  it('OpenOCD 0.12.0 knows `tcl_notifications` only; `tcl notifications` (newer releases) is unknown', async () => {
    expect(await openocd.tcl.call('info commands tcl_notifications')).to.equal('tcl_notifications');
    expect(await openocd.tcl.call('info commands tcl')).to.equal('');
  });

  it('a command with a lone UTF-16 surrogate rejects with TclQuoteError (it has no UTF-8 form)', async () => {
    const err = await openocd.tcl.call('return \ud800').catch((e: unknown) => e);
    expect(err).to.be.instanceOf(TclQuoteError);
    expect(await openocd.tcl.call('return fine')).to.equal('fine');
  });

  it('`sleep 2000` with a 200 ms timeout rejects with TclTimeoutError; the late reply is discarded', async () => {
    const started = performance.now();
    const err = await openocd.tcl.call('sleep 2000', { timeoutMs: 200 }).catch((e: unknown) => e);
    expect(err).to.be.instanceOf(TclTimeoutError);
    expect(err).to.include({ command: 'sleep 2000', timeoutMs: 200 });
    expect(performance.now() - started).to.be.below(1000);
    // OpenOCD still finishes the sleep and replies; that reply must not reach this call.
    expect(await openocd.tcl.call('return mine', { timeoutMs: 5000 })).to.equal('mine');
  });

  it('quoting fuzz: 10,000 hostile strings round-trip literally through `return` and `set x`', async () => {
    const random = seededRandom(0x5eed);
    const hostile = [
      '{',
      '}',
      '[',
      ']',
      '$',
      ';',
      '"',
      '\\',
      ' ',
      '\t',
      '\n',
      '\r',
      '#',
      '\x00',
      '\x1a',
      '\x1b',
      '\x7f',
      '\x01',
      'é',
      '中',
      '😀',
      '\u2028',
      '\uffff',
      'x',
      '0',
      'u',
      '\\u',
      '\\x41',
      '{*}',
    ];
    const strings: string[] = [];
    for (let i = 0; i < 10_000; i++) {
      const length = Math.floor(random() * 24);
      let s = '';
      for (let j = 0; j < length; j++) {
        s += random() < 0.8 ? hostile[Math.floor(random() * hostile.length)] : String.fromCodePoint(0x20 + Math.floor(random() * 0x2ff));
      }
      if (random() < 0.2) s += '\\'; // trailing backslash: fatal for a braced word
      strings.push(s);
    }
    const returned = await Promise.all(strings.map((s) => openocd.tcl.call(`return ${tclQuote(s)}`)));
    const viaSet = await Promise.all(strings.map((s) => openocd.tcl.call(`set __fuzz ${tclQuote(s)}; set __fuzz`)));
    for (let i = 0; i < strings.length; i++) {
      if (returned[i] !== strings[i] || viaSet[i] !== strings[i]) {
        expect.fail(`string #${i} ${JSON.stringify(strings[i])} came back as ${JSON.stringify(returned[i])} / ${JSON.stringify(viaSet[i])}`);
      }
    }
  });
});

describe('TclRpcClient against real OpenOCD 0.12: notifications (testee target, dummy adapter)', function () {
  this.timeout(60_000);
  let openocd: OpenOcdProcess;

  before(async () => {
    openocd = await startOpenOcdWithTesteeTarget({ tcl: { notifications: true } });
  });

  after(async () => {
    await openocd?.stop();
  });

  it('`reset halt`/`reset run`/`reset init` send "type target_reset mode …" frames between pipelined replies', async () => {
    const seen: OpenOcdNotification[] = [];
    openocd.tcl.on('notification', (n) => seen.push(n));
    const results = await Promise.all([
      openocd.tcl.call('reset halt'),
      openocd.tcl.call('return a'),
      openocd.tcl.call('reset run'),
      openocd.tcl.call('return b'),
      openocd.tcl.call('reset init'),
      openocd.tcl.call('return c'),
    ]);
    expect(results).to.deep.equal(['', 'a', '', 'b', '', 'c']);
    const resets = seen.filter((n) => n.type === 'target_reset');
    expect(resets.map((n) => (n.type === 'target_reset' ? n.mode : ''))).to.deep.equal(['halt', 'run', 'init']);
  });

  it('waitForNotification resolves on the matching frame', async () => {
    const waiting = openocd.tcl.waitForNotification((n) => n.type === 'target_reset' && n.mode === 'init', 10_000);
    await openocd.tcl.call('reset init');
    expect(await waiting).to.include({ type: 'target_reset', mode: 'init' });
  });
});

describe('TclRpcClient against real OpenOCD 0.12: OpenOCD killed mid-call', function () {
  this.timeout(30_000);
  let openocd: OpenOcdProcess | undefined;

  after(async () => {
    await openocd?.stop();
  });

  it('SIGKILL during `sleep 5000` rejects the call with TclConnectionLostError naming it, caused by OpenOcdExitedError', async () => {
    openocd = await startOpenOcdWithoutTarget();
    const unexpected = new Promise<OpenOcdExitedError>((resolve) => openocd!.once('unexpected-exit', resolve));
    const pending = openocd.tcl.call('sleep 5000').catch((e: unknown) => e);
    const queued = openocd.tcl.call('return queued').catch((e: unknown) => e);
    // Give OpenOCD time to start sleeping, so the kill lands mid-call (not a readiness wait).
    await new Promise((r) => setTimeout(r, 200));
    process.kill(openocd.pid as number, 'SIGKILL');
    const err = await pending;
    expect(err).to.be.instanceOf(TclConnectionLostError);
    expect((err as TclConnectionLostError).command).to.equal('sleep 5000');
    expect((err as TclConnectionLostError).cause).to.be.instanceOf(OpenOcdExitedError);
    expect(await queued)
      .to.be.instanceOf(TclConnectionLostError)
      .and.include({ command: 'return queued' });
    const later = await openocd.tcl.call('version').catch((e: unknown) => e);
    expect(later).to.be.instanceOf(TclConnectionLostError);
    expect((later as TclConnectionLostError).cause).to.be.instanceOf(OpenOcdExitedError);
    const exitError = await unexpected;
    expect(exitError.signal).to.equal('SIGKILL');
    expect(exitError.lastLogLines.join('\n')).to.match(/Listening on port \d+ for tcl connections/);
    expect(openocd.running).to.equal(false);
  });
});
