/**
 * TclRpcClient against a fake Tcl server socket: the queue, notification routing, timeouts and
 * lost connections, with replies cut and merged at will. The same client against real OpenOCD
 * is in tcl-client.openocd.test.ts.
 */
import { expect } from 'chai';
import { createServer, type Server, type Socket } from 'node:net';
import { TclCommandError, TclConnectionLostError, TclProtocolError, TclRequestTooLargeError, TclTimeoutError } from './errors.js';
import { FrameReader } from './frame-reader.js';
import type { OpenOcdNotification } from './notifications.js';
import { TCL_SERVER_LINE_LIMIT } from './request-writer.js';
import { TclRpcClient } from './tcl-client.js';

const SUB = '\x1a';

function reply(code: number, text: string): string {
  const body = Buffer.from(text, 'utf8');
  return `\x02${code} ${body.length} ${text}${SUB}`;
}

/** A Tcl server that answers the wrapper setup and hands every other request to `onRequest`. */
class FakeTclServer {
  readonly server: Server;
  readonly sockets: Socket[] = [];
  readonly requests: string[] = [];
  onRequest: (request: string, socket: Socket) => void = () => undefined;

  constructor() {
    this.server = createServer((socket) => {
      this.sockets.push(socket);
      const reader = new FrameReader();
      socket.on('data', (chunk: Buffer) =>
        reader.push(chunk, (buffer, start, end) => {
          const text = buffer.toString('utf8', start, end);
          if (text.startsWith('proc __hil_rpc ')) {
            socket.write('__hil_rpc' + SUB);
            return;
          }
          this.requests.push(text);
          this.onRequest(text, socket);
        }),
      );
      socket.on('error', () => undefined);
    });
  }

  async listen(): Promise<number> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    const address = this.server.address();
    return typeof address === 'object' && address ? address.port : 0;
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

describe('TclRpcClient with a fake Tcl server (queue, notifications, timeouts)', () => {
  let fake: FakeTclServer;
  let client: TclRpcClient | undefined;
  let port: number;

  beforeEach(async () => {
    fake = new FakeTclServer();
    port = await fake.listen();
  });

  afterEach(async () => {
    await client?.close();
    client = undefined;
    await fake.close();
  });

  it('sends the wrapped command and resolves with the decoded result', async () => {
    fake.onRequest = (req, s) => s.write(reply(0, req === '__hil_rpc version' ? 'Open On-Chip Debugger 0.12.0' : '?'));
    client = await TclRpcClient.connect({ port });
    expect(await client.call('version')).to.equal('Open On-Chip Debugger 0.12.0');
    expect(fake.requests).to.deep.equal(['__hil_rpc version']);
  });

  it('a non-zero return code rejects with TclCommandError carrying command, message and code', async () => {
    fake.onRequest = (_req, s) => s.write(reply(1, 'invalid command name "nosuch"'));
    client = await TclRpcClient.connect({ port });
    const err = await client.call('nosuch 1').then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).to.be.instanceOf(TclCommandError);
    expect(err).to.include({ command: 'nosuch 1', tclMessage: 'invalid command name "nosuch"', returnCode: 1 });
  });

  it('notifications before, between and merged with replies go to the event stream, replies stay paired', async () => {
    let n = 0;
    let chain = Promise.resolve();
    fake.onRequest = (_req, s) => {
      const k = ++n;
      // Like OpenOCD, answer one request after the other. Notification and reply share a
      // write, and one notification is cut across two writes.
      chain = chain.then(async () => {
        s.write(`type target_event event reset-start\r\n${SUB}type target_state state ha`);
        await new Promise((r) => setTimeout(r, 5));
        s.write(`lted\r\n${SUB}${reply(0, `r${k}`)}type target_reset mode halt\r\n${SUB}`);
      });
    };
    client = await TclRpcClient.connect({ port });
    const seen: OpenOcdNotification[] = [];
    client.on('notification', (ev) => seen.push(ev));
    const results = await Promise.all([client.call('reset halt'), client.call('reset halt')]);
    expect(results).to.deep.equal(['r1', 'r2']);
    await new Promise((r) => setImmediate(r));
    expect(seen.map((e) => e.type)).to.deep.equal(['target_event', 'target_state', 'target_reset', 'target_event', 'target_state', 'target_reset']);
    expect(seen[1]).to.include({ state: 'halted' });
  });

  it('notifications() iterates events until its signal aborts', async () => {
    fake.onRequest = (_req, s) => s.write(`type target_event event halted\r\n${SUB}type target_event event resumed\r\n${SUB}${reply(0, '')}`);
    client = await TclRpcClient.connect({ port });
    const controller = new AbortController();
    const got: string[] = [];
    const iterating = (async () => {
      for await (const ev of client.notifications(controller.signal)) {
        if (ev.type === 'target_event') got.push(ev.event);
        if (got.length === 2) controller.abort();
      }
    })();
    await client.call('resume');
    await iterating;
    expect(got).to.deep.equal(['halted', 'resumed']);
  });

  it('1000 pipelined calls resolve in order with replies in random chunk sizes', async () => {
    let pendingOut = '';
    fake.onRequest = (req, s) => {
      pendingOut += reply(0, req.replace('__hil_rpc ', '').replace(/"/g, ''));
      // Flush in random-size pieces so replies are cut and merged.
      setImmediate(() => {
        while (pendingOut.length > 0) {
          const cut = 1 + Math.floor(Math.random() * 40);
          s.write(pendingOut.slice(0, cut));
          pendingOut = pendingOut.slice(cut);
        }
      });
    };
    client = await TclRpcClient.connect({ port });
    const calls = Array.from({ length: 1000 }, (_, i) => client!.call(`return ${i}`));
    const results = await Promise.all(calls);
    expect(results).to.deep.equal(Array.from({ length: 1000 }, (_, i) => `return ${i}`));
  });

  it("timeout with 'discard-late-reply': TclTimeoutError names command and time; the late reply is swallowed", async () => {
    let first = true;
    let lateSent: Promise<void> = Promise.resolve();
    fake.onRequest = (_req, s) => {
      if (first) {
        first = false;
        lateSent = new Promise((resolve) => setTimeout(() => resolve(void s.write(reply(0, 'late'))), 150));
      } else {
        // OpenOCD runs lines in order: the next reply comes only after the slow one.
        void lateSent.then(() => s.write(reply(0, 'second')));
      }
    };
    client = await TclRpcClient.connect({ port });
    const slow = client.call('sleep 2000', { timeoutMs: 50 }).then(
      () => undefined,
      (e: unknown) => e,
    );
    const err = await slow;
    expect(err).to.be.instanceOf(TclTimeoutError);
    expect(err).to.include({ command: 'sleep 2000', timeoutMs: 50, policy: 'discard-late-reply' });
    expect((err as TclTimeoutError).elapsedMs).to.be.within(45, 1000);
    // The next call must get its own reply, not the late one.
    expect(await client.call('next')).to.equal('second');
    expect(client.closed).to.equal(false);
  });

  it("timeout with 'close-connection': the other waiting calls fail with TclConnectionLostError", async () => {
    fake.onRequest = () => undefined; // never answers
    client = await TclRpcClient.connect({ port, timeoutPolicy: 'close-connection' });
    const a = client.call('sleep 2000', { timeoutMs: 50 }).catch((e: unknown) => e);
    const b = client.call('version', { timeoutMs: 10_000 }).catch((e: unknown) => e);
    expect(await a).to.be.instanceOf(TclTimeoutError);
    const errB = await b;
    expect(errB).to.be.instanceOf(TclConnectionLostError);
    expect((errB as TclConnectionLostError).command).to.equal('version');
    expect(client.closed).to.equal(true);
  });

  it('a lost connection rejects every waiting call with TclConnectionLostError naming it, with the explained cause', async () => {
    fake.onRequest = (req, s) => {
      if (req.includes('third')) s.destroy();
    };
    const cause = new Error('OpenOCD exited');
    client = await TclRpcClient.connect({ port, explainConnectionLoss: async () => cause });
    const calls = ['first', 'second', 'third'].map((c) => client!.call(c).catch((e: unknown) => e));
    const errors = await Promise.all(calls);
    for (const [i, e] of errors.entries()) {
      expect(e).to.be.instanceOf(TclConnectionLostError);
      expect((e as TclConnectionLostError).command).to.equal(['first', 'second', 'third'][i]);
      expect((e as TclConnectionLostError).cause).to.equal(cause);
    }
    const after = await client.call('later').catch((e: unknown) => e);
    expect(after).to.be.instanceOf(TclConnectionLostError);
  });

  it('a malformed reply fails that call with TclProtocolError; the next call is still paired', async () => {
    let n = 0;
    fake.onRequest = (_req, s) => s.write(n++ === 0 ? `garbage${SUB}` : reply(0, 'ok'));
    client = await TclRpcClient.connect({ port });
    const err = await client.call('first').catch((e: unknown) => e);
    expect(err).to.be.instanceOf(TclProtocolError);
    expect(err).to.include({ command: 'first', raw: 'garbage' });
    expect(await client.call('second')).to.equal('ok');
  });

  it('a reply with no call waiting closes the connection (order can no longer be trusted)', async () => {
    fake.onRequest = (_req, s) => s.write(reply(0, 'one') + reply(0, 'extra'));
    client = await TclRpcClient.connect({ port });
    const closed = new Promise<string>((resolve) => client!.once('close', resolve));
    expect(await client.call('x')).to.equal('one');
    expect(await closed).to.match(/reply with no call waiting/);
  });

  it('a request over the server line limit (4 MiB) is refused before sending', async () => {
    client = await TclRpcClient.connect({ port });
    const err = await client.call('x'.repeat(TCL_SERVER_LINE_LIMIT)).catch((e: unknown) => e);
    expect(err).to.be.instanceOf(TclRequestTooLargeError);
    expect(fake.requests).to.deep.equal([]);
  });

  it("emits a 'call' record per finished call for transcripts", async () => {
    fake.onRequest = (_req, s) => s.write(reply(0, 'r'));
    client = await TclRpcClient.connect({ port });
    const records: unknown[] = [];
    client.on('call', (r) => records.push(r));
    await client.call('version');
    expect(records).to.have.length(1);
    expect(records[0]).to.include({ command: 'version', returnCode: 0, result: 'r', error: undefined });
  });

  it('connect to a closed port rejects with TclConnectionLostError', async () => {
    await fake.close();
    const err = await TclRpcClient.connect({ port }).catch((e: unknown) => e);
    expect(err).to.be.instanceOf(TclConnectionLostError);
    fake = new FakeTclServer();
  });
});
