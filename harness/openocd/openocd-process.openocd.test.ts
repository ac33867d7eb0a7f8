/**
 * OpenOcdProcess with the real OpenOCD 0.12 binary and no target.
 */
import { expect } from 'chai';
import { createServer, type Server, type Socket } from 'node:net';
import { OpenOcdNotFoundError, OpenOcdStartError } from './errors.js';
import { freePort } from '../../lib/free-port.js';
import { OpenOcdProcess } from './openocd-process.js';
import { startOpenOcdWithoutTarget } from './test-support.js';

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('OpenOcdProcess with real OpenOCD 0.12 (no target)', function () {
  this.timeout(60_000);
  const started: OpenOcdProcess[] = [];
  let blocker: Server | undefined;
  const blockerSockets: Socket[] = [];

  /** A stranger on a port: accepts connections, never answers. */
  async function occupyPort(): Promise<number> {
    blocker = createServer((s) => {
      blockerSockets.push(s);
      s.on('error', () => undefined);
      s.resume();
    });
    await new Promise<void>((resolve) => blocker!.listen(0, '127.0.0.1', resolve));
    return (blocker.address() as { port: number }).port;
  }

  afterEach(async () => {
    for (const p of started.splice(0)) await p.stop();
    for (const s of blockerSockets.splice(0)) s.destroy();
    await new Promise<void>((resolve) => (blocker ? blocker.close(() => resolve()) : resolve()));
    blocker = undefined;
  });

  it('starts with -c noinit, answers Tcl, logs with timestamps, and stops via Tcl `shutdown`', async () => {
    const p = await startOpenOcdWithoutTarget();
    started.push(p);
    expect(await p.tcl.call('version')).to.match(/0\.12/);
    const listening = p.log.lines().find((l) => l.text.includes(`Listening on port ${p.tclPort} for tcl connections`));
    expect(listening, p.log.toString()).to.not.equal(undefined);
    expect(listening?.at).to.be.within(Date.now() - 60_000, Date.now());
    expect(p.args.slice(0, 10)).to.include.members(['bindto 127.0.0.1', `tcl_port ${p.tclPort}`, 'gdb_port disabled', 'telnet_port disabled']);
    const pid = p.pid as number;
    const info = await p.stop();
    expect(info).to.deep.equal({ code: 0, signal: null, how: 'shutdown' });
    expect(isAlive(pid)).to.equal(false);
    expect(p.log.toString()).to.match(/shutdown command invoked/);
  });

  it('a second Tcl connection works alongside the first', async () => {
    const p = await startOpenOcdWithoutTarget();
    started.push(p);
    const second = await p.connect();
    const [a, b] = await Promise.all([p.tcl.call('return one'), second.call('return two')]);
    expect([a, b]).to.deep.equal(['one', 'two']);
  });

  it('the Tcl port already taken: OpenOCD cannot bind, the launcher retries on a new port', async () => {
    const taken = await occupyPort();
    let calls = 0;
    const t0 = performance.now();
    const p = await startOpenOcdWithoutTarget({ freePort: async () => (calls++ === 0 ? taken : freePort()) });
    started.push(p);
    expect(calls).to.equal(2);
    expect(performance.now() - t0, 'no wait for the stranger to answer').to.be.below(3000);
    expect(p.tclPort).to.not.equal(taken);
    expect(await p.tcl.call('return ok')).to.equal('ok');
  });

  it('the Tcl port taken with no retries left: OpenOcdStartError quoting "couldn\'t bind tcl"', async () => {
    const taken = await occupyPort();
    const err = await startOpenOcdWithoutTarget({ freePort: async () => taken, portRetries: 0 }).catch((e: unknown) => e);
    expect(err).to.be.instanceOf(OpenOcdStartError);
    expect((err as OpenOcdStartError).exitCode).to.equal(1);
    expect((err as OpenOcdStartError).lastLogLines.join('\n')).to.match(new RegExp(`couldn't bind tcl to socket on port ${taken}`));
  });

  it("a config error is OpenOcdStartError with the exit code and OpenOCD's error line", async () => {
    const err = await OpenOcdProcess.start({ commands: ['no_such_config_command 1'] }).catch((e: unknown) => e);
    expect(err).to.be.instanceOf(OpenOcdStartError);
    expect((err as OpenOcdStartError).exitCode).to.equal(1);
    expect((err as OpenOcdStartError).lastLogLines.join('\n')).to.match(/invalid command name "no_such_config_command"/);
  });

  it('notifications asked for with `noinit` (tcl_notifications needs init): OpenOcdStartError at once, not after the timeout', async () => {
    const t0 = performance.now();
    const err = await startOpenOcdWithoutTarget({ tcl: { notifications: true } }).catch((e: unknown) => e);
    expect(err).to.be.instanceOf(OpenOcdStartError);
    expect((err as Error).message).to.match(/Tcl handshake failed[\s\S]*tcl_notifications' command must be used after 'init'/);
    expect(performance.now() - t0).to.be.below(10_000);
  });

  it('a missing binary is OpenOcdNotFoundError (explicit path and empty PATH)', async () => {
    const explicit = await OpenOcdProcess.start({ binary: '/nonexistent/bin/openocd' }).catch((e: unknown) => e);
    expect(explicit).to.be.instanceOf(OpenOcdNotFoundError);
    expect((explicit as Error).message).to.match(/\/nonexistent\/bin\/openocd.*board entry/);
    const onPath = await OpenOcdProcess.start({ env: { PATH: '/nonexistent/bin' } }).catch((e: unknown) => e);
    expect(onPath).to.be.instanceOf(OpenOcdNotFoundError);
    expect((onPath as Error).message).to.match(/apt-get install openocd/);
  });

  it('kill(SIGKILL) on purpose (fault injection) ends it without an unexpected-exit report', async () => {
    const p = await startOpenOcdWithoutTarget();
    started.push(p);
    let unexpected = false;
    p.on('unexpected-exit', () => (unexpected = true));
    const info = await p.kill('SIGKILL');
    expect(info).to.deep.equal({ code: null, signal: 'SIGKILL', how: 'killed' });
    expect(unexpected).to.equal(false);
    expect(isAlive(p.pid as number)).to.equal(false);
  });
});
