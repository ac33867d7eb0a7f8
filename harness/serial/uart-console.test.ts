import { expect } from 'chai';
import { openSync, writeSync, closeSync, readSync } from 'node:fs';
import { pbkdf2 } from 'node:crypto';
import { startPtyPair, type PtyPair } from './pty-pair.js';
import { UartConsole, UartDisconnectedError, UartExpectTimeoutError, UartNotFoundError } from './uart-console.js';
import { classifyFailure } from '../exit-codes.js';

describe('harness/serial UartConsole over a real pty (socat)', function () {
  let pair: PtyPair;
  let uart: UartConsole | undefined;
  let boardFd: number | undefined;

  beforeEach(async function () {
    pair = await startPtyPair();
    boardFd = openSync(pair.devicePath, 'r+');
  });

  afterEach(async function () {
    await uart?.close();
    uart = undefined;
    if (boardFd !== undefined) closeSync(boardFd);
    boardFd = undefined;
    await pair.stop();
  });

  const say = (text: string) => writeSync(boardFd!, text);

  it('reads boot-log lines in order, CRLF or LF, split across writes', async function () {
    uart = await UartConsole.open({ path: pair.hostPath });
    say('HIL-BOOT stage=start\r\nHIL-BOOT ima');
    await new Promise((r) => setTimeout(r, 50));
    say('ge=ok version=3\nHIL-APP version=1.0\n');
    const boot = await uart.expect(/^HIL-BOOT image=/, 2000);
    expect(boot.text).to.equal('HIL-BOOT image=ok version=3');
    const app = await uart.expect('HIL-APP', 2000);
    expect(app.text).to.equal('HIL-APP version=1.0');
    expect(uart.transcript.map((l) => l.text)).to.deep.equal(['HIL-BOOT stage=start', 'HIL-BOOT image=ok version=3', 'HIL-APP version=1.0']);
    expect(uart.transcriptText()).to.match(/^\[\+\d+\.\d{3}s\] HIL-BOOT stage=start$/m);
  });

  it('expect consumes lines: the same line never matches twice', async function () {
    uart = await UartConsole.open({ path: pair.hostPath });
    say('HIL-APP heartbeat n=1\n');
    await uart.expect('heartbeat', 2000);
    say('HIL-APP heartbeat n=2\n');
    const second = await uart.expect('heartbeat', 2000);
    expect(second.text).to.equal('HIL-APP heartbeat n=2');
  });

  it('a timeout is a verdict that shows the last lines the board printed', async function () {
    uart = await UartConsole.open({ path: pair.hostPath });
    say('HIL-BOOT image=rejected reason=crc-mismatch\nHIL-BOOT wai');
    const error = await uart.expect(/image=ok/, 300).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).to.be.instanceOf(UartExpectTimeoutError);
    expect(classifyFailure(error)).to.equal('verdict');
    const message = (error as Error).message;
    expect(message).to.contain('HIL-BOOT image=rejected reason=crc-mismatch');
    expect(message).to.contain('HIL-BOOT wai (no newline yet)');
  });

  it('writes reach the board side', async function () {
    uart = await UartConsole.open({ path: pair.hostPath });
    await uart.write('ping\n');
    const buffer = Buffer.alloc(16);
    const n = readSync(boardFd!, buffer, 0, 16, null);
    expect(buffer.subarray(0, n).toString()).to.equal('ping\n');
  });

  it('a tty that vanishes mid-expect rejects with UartDisconnectedError (no verdict)', async function () {
    uart = await UartConsole.open({ path: pair.hostPath });
    const pending = uart.expect('never', 5000).then(
      () => undefined,
      (e: unknown) => e,
    );
    closeSync(boardFd!);
    boardFd = undefined;
    await pair.stop();
    const error = await pending;
    expect(error).to.be.instanceOf(UartDisconnectedError);
    expect(classifyFailure(error)).to.equal('broken');
  });

  it('a tty hung up while a read waits its turn (the read gives end of file, not an error) still rejects with UartDisconnectedError', async function () {
    this.timeout(20_000);
    uart = await UartConsole.open({ path: pair.hostPath });
    const pending = uart.expect('never', 5000).then(
      () => undefined,
      (e: unknown) => e,
    );
    // With libuv's thread pool busy, the read the next line wakes up runs only after the
    // hangup, where a hung-up tty answers end of file.
    const poolSize = Number(process.env.UV_THREADPOOL_SIZE ?? 4);
    const busy = Array.from({ length: poolSize }, () => new Promise((r) => pbkdf2('hil', 'pool', 1_000_000, 32, 'sha512', r)));
    say('HIL-BOOT stage=start\n');
    await new Promise((r) => setTimeout(r, 50));
    closeSync(boardFd!);
    boardFd = undefined;
    await pair.stop();
    await Promise.all(busy);
    const error = await pending;
    expect(error).to.be.instanceOf(UartDisconnectedError);
    expect((error as Error).message)
      .to.contain(pair.hostPath)
      .and.to.contain('no longer exists');
  });
});

describe('harness/serial UartConsole.open errors', function () {
  it('a missing tty is UartNotFoundError naming the path and the board', async function () {
    const error = await UartConsole.open({ path: '/dev/serial/by-id/no-such-probe', boardId: 'nucleo-1' }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).to.be.instanceOf(UartNotFoundError);
    expect((error as Error).message)
      .to.contain('/dev/serial/by-id/no-such-probe')
      .and.to.contain('nucleo-1');
    expect(classifyFailure(error)).to.equal('broken');
  });
});

describe('harness/serial UartConsole.skipReceived', function () {
  it('drops an unfinished line too, so a boot cut short never prefixes the next boot', async function () {
    const pair = await startPtyPair();
    const fd = openSync(pair.devicePath, 'r+');
    const uart = await UartConsole.open({ path: pair.hostPath });
    try {
      writeSync(fd, 'HIL-BOOT stage=start\nHIL-BOOT image=re');
      await uart.expect('stage=start', 2000);
      await new Promise((r) => setTimeout(r, 50));
      uart.skipReceived();
      writeSync(fd, 'HIL-BOOT stage=start\nHIL-BOOT image=ok version=2\n');
      const first = await uart.expect(/^HIL-BOOT /, 2000);
      expect(first.text).to.equal('HIL-BOOT stage=start');
      expect(uart.transcript.map((l) => l.text)).to.include('HIL-BOOT image=re (cut)');
    } finally {
      await uart.close();
      closeSync(fd);
      await pair.stop();
    }
  });
});
