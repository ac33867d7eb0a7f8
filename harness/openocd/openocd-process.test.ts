/**
 * The launcher's logic with an injected spawn and Tcl connector (no real OpenOCD): argument
 * order, readiness polling, port-race retry, start failures, stop escalation, unexpected exit.
 * The same against the real binary is in openocd-process.openocd.test.ts.
 */
import { expect } from 'chai';
import { EventEmitter } from 'node:events';
import { PassThrough } from 'node:stream';
import { registeredChildCount } from './child-registry.js';
import { OpenOcdExitedError, OpenOcdNotFoundError, OpenOcdStartError, OpenOcdVersionError } from './errors.js';
import { compareVersions, findOpenOcd, parseOpenOcdVersion } from './find-openocd.js';
import { buildOpenOcdArgs, INSTANCE_TOKEN_VARIABLE } from './openocd-args.js';
import { OpenOcdProcess, type OpenOcdLaunchOptions } from './openocd-process.js';
import type { SpawnedProcess, SpawnFunction } from './spawn.js';
import type { TclRpcClient, TclRpcClientOptions } from './tcl-client.js';

class FakeChild extends EventEmitter {
  readonly stdout = new PassThrough();
  readonly stderr = new PassThrough();
  readonly signals: string[] = [];
  exited = false;
  constructor(
    readonly pid: number,
    /** Signals this fake dies of. */
    private readonly diesOf: readonly string[] = ['SIGTERM', 'SIGKILL'],
  ) {
    super();
  }
  kill(signal: NodeJS.Signals | number = 'SIGTERM'): boolean {
    this.signals.push(String(signal));
    if (this.diesOf.includes(String(signal))) this.exit(null, String(signal));
    return true;
  }
  exit(code: number | null, signal: string | null): void {
    if (this.exited) return;
    this.exited = true;
    this.stdout.end();
    this.stderr.end();
    setImmediate(() => {
      this.emit('exit', code, signal);
      this.emit('close', code, signal);
    });
  }
}

interface StubClient {
  calls: string[];
  client: TclRpcClient;
}

function stubClient(token: string, onCall: (command: string) => Promise<string> = async () => ''): StubClient {
  const calls: string[] = [];
  let closed = false;
  let markClosed: () => void = () => undefined;
  const whenClosed = new Promise<void>((r) => (markClosed = r));
  const client = {
    call: (command: string) => {
      calls.push(command);
      return command === `set ${INSTANCE_TOKEN_VARIABLE}` ? Promise.resolve(token) : onCall(command);
    },
    close: async () => {
      closed = true;
      markClosed();
    },
    get closed() {
      return closed;
    },
    whenClosed: () => whenClosed,
  };
  return { calls, client: client as unknown as TclRpcClient };
}

function tokenOf(args: readonly string[]): string {
  const line = args.find((a) => a.startsWith(`set ${INSTANCE_TOKEN_VARIABLE} `));
  return (line ?? '').split(' ')[2] ?? '';
}

const BINARY = { path: '/usr/bin/openocd', version: '0.12.0', banner: 'Open On-Chip Debugger 0.12.0' };

interface Harness {
  options: OpenOcdLaunchOptions;
  children: FakeChild[];
  spawned: { command: string; args: readonly string[] }[];
  clients: StubClient[];
}

/** Fake spawn + connector; `behave(child, attempt)` scripts each spawned child. */
function harness(behave: (child: FakeChild, attempt: number) => void, ports: number[] = [40001, 40002, 40003, 40004]): Harness {
  const h: Harness = { options: {}, children: [], spawned: [], clients: [] };
  const spawn: SpawnFunction = (command, args) => {
    const child = new FakeChild(1000 + h.children.length);
    h.children.push(child);
    h.spawned.push({ command, args });
    behave(child, h.children.length - 1);
    return child as unknown as SpawnedProcess;
  };
  const connectTcl = async (o: TclRpcClientOptions): Promise<TclRpcClient> => {
    const child = h.children[h.children.length - 1] as FakeChild;
    const spawnedArgs = h.spawned[h.spawned.length - 1]?.args ?? [];
    if (child.exited || !spawnedArgs.includes(`tcl_port ${o.port}`) || (child as unknown as { listening?: boolean }).listening !== true) {
      throw new Error('ECONNREFUSED');
    }
    const stub = stubClient(tokenOf(spawnedArgs), async (command) => {
      if (command === 'shutdown' && (child as unknown as { obeysShutdown?: boolean }).obeysShutdown !== false) child.exit(0, null);
      return '';
    });
    h.clients.push(stub);
    return stub.client;
  };
  let portIndex = 0;
  h.options = {
    resolvedBinary: BINARY,
    spawn,
    connectTcl,
    freePort: async () => ports[portIndex++] ?? 49999,
    startTimeoutMs: 2000,
  };
  return h;
}

function listenAfter(child: FakeChild, ms: number): void {
  setTimeout(() => {
    child.stdout.write('Info : Listening on port 40001 for tcl connections\n');
    (child as unknown as { listening: boolean }).listening = true;
  }, ms);
}

describe('OpenOcdProcess launcher logic (injected spawn)', () => {
  it('puts bindto and the port lines first, then -s, pre-config -c, -f, and the board -c lines last', () => {
    const args = buildOpenOcdArgs(
      4444,
      {
        searchDirs: ['fixtures/openocd'],
        preConfigCommands: ['set QUADSPI 1'],
        configFiles: ['board/a.cfg', 'b.cfg'],
        commands: ['init', 'reset halt'],
        extraArgs: ['-d2'],
      },
      'tok',
    );
    expect(args).to.deep.equal([
      '-d2',
      '-c',
      `set ${INSTANCE_TOKEN_VARIABLE} tok`,
      '-c',
      'bindto 127.0.0.1',
      '-c',
      'tcl_port 4444',
      '-c',
      'gdb_port disabled',
      '-c',
      'telnet_port disabled',
      '-s',
      'fixtures/openocd',
      '-c',
      'set QUADSPI 1',
      '-f',
      'board/a.cfg',
      '-f',
      'b.cfg',
      '-c',
      'init',
      '-c',
      'reset halt',
    ]);
  });

  it('is ready only after a Tcl round trip succeeds (polls with backoff until the port answers)', async () => {
    const h = harness((child) => listenAfter(child, 60));
    const started = performance.now();
    const p = await OpenOcdProcess.start(h.options);
    expect(performance.now() - started).to.be.at.least(55);
    expect(p.tclPort).to.equal(40001);
    expect(h.clients[0]?.calls).to.deep.equal([`set ${INSTANCE_TOKEN_VARIABLE}`]);
    expect(p.log.lines().map((l) => l.text)).to.deep.equal(['Info : Listening on port 40001 for tcl connections']);
    expect(registeredChildCount()).to.be.at.least(1);
    await p.stop({ shutdownTimeoutMs: 200 });
    expect(registeredChildCount()).to.equal(0);
  });

  it('OpenOCD failing to bind the picked port is retried with a new port', async () => {
    const h = harness((child, attempt) => {
      if (attempt === 0) {
        child.stderr.write("Error: couldn't bind tcl to socket on port 40001: Address already in use\n");
        setTimeout(() => child.exit(1, null), 5);
      } else {
        listenAfter(child, 5);
      }
    });
    const p = await OpenOcdProcess.start(h.options);
    expect(h.spawned).to.have.length(2);
    expect(p.tclPort).to.equal(40002);
    expect(h.spawned[1]?.args).to.include('tcl_port 40002');
    await p.stop({ shutdownTimeoutMs: 200 });
  });

  it('bind failures past the retry limit end in OpenOcdStartError with the log', async () => {
    const h = harness((child) => {
      child.stderr.write("Error: couldn't bind tcl to socket on port 1: Address already in use\n");
      setTimeout(() => child.exit(1, null), 5);
    });
    const err = await OpenOcdProcess.start({ ...h.options, portRetries: 1 }).catch((e: unknown) => e);
    expect(err).to.be.instanceOf(OpenOcdStartError);
    expect(h.spawned).to.have.length(2);
    expect((err as OpenOcdStartError).lastLogLines.join('\n')).to.match(/couldn't bind tcl/);
  });

  it('an exit before ready is OpenOcdStartError with exit code and last log lines, not retried', async () => {
    const h = harness((child) => {
      child.stderr.write('Error: Debug adapter has to be specified, see "adapter driver" command\n');
      setTimeout(() => child.exit(1, null), 5);
    });
    const err = await OpenOcdProcess.start(h.options).catch((e: unknown) => e);
    expect(err).to.be.instanceOf(OpenOcdStartError);
    expect(err).to.include({ exitCode: 1 });
    expect((err as OpenOcdStartError).lastLogLines).to.deep.equal(['Error: Debug adapter has to be specified, see "adapter driver" command']);
    expect((err as Error).message).to.match(/exited before its Tcl port answered/);
    expect(h.spawned).to.have.length(1);
  });

  it('a Tcl port that never answers is killed at the start timeout', async () => {
    const h = harness(() => undefined);
    const err = await OpenOcdProcess.start({ ...h.options, startTimeoutMs: 150 }).catch((e: unknown) => e);
    expect(err).to.be.instanceOf(OpenOcdStartError);
    expect((err as Error).message).to.match(/did not answer within 150 ms/);
    expect(h.children[0]?.signals).to.deep.equal(['SIGKILL']);
  });

  it('stop(): Tcl `shutdown` first; if that does not end it, SIGTERM', async () => {
    const h = harness((child) => {
      (child as unknown as { obeysShutdown: boolean }).obeysShutdown = false;
      listenAfter(child, 1);
    });
    const p = await OpenOcdProcess.start(h.options);
    const info = await p.stop({ shutdownTimeoutMs: 50, termTimeoutMs: 500 });
    expect(h.clients[0]?.calls).to.include('shutdown');
    expect(h.children[0]?.signals).to.deep.equal(['SIGTERM']);
    expect(info).to.deep.equal({ code: null, signal: 'SIGTERM', how: 'SIGTERM' });
  });

  it('stop(): a process that ignores SIGTERM gets SIGKILL', async () => {
    const h = harness((child) => {
      (child as unknown as { obeysShutdown: boolean }).obeysShutdown = false;
      listenAfter(child, 1);
    });
    const p = await OpenOcdProcess.start(h.options);
    (h.children[0] as unknown as { diesOf: string[] }).diesOf = ['SIGKILL'];
    const info = await p.stop({ shutdownTimeoutMs: 30, termTimeoutMs: 30, killTimeoutMs: 500 });
    expect(h.children[0]?.signals).to.deep.equal(['SIGTERM', 'SIGKILL']);
    expect(info.how).to.equal('SIGKILL');
  });

  it("an exit while in use emits 'unexpected-exit' with OpenOcdExitedError and the last log lines", async () => {
    const h = harness((child) => listenAfter(child, 1));
    const p = await OpenOcdProcess.start(h.options);
    const unexpected = new Promise<OpenOcdExitedError>((resolve) => p.once('unexpected-exit', resolve));
    h.children[0]?.stderr.write('Error: JTAG scan chain interrogation failed\n');
    h.children[0]?.exit(139, null);
    const err = await unexpected;
    expect(err).to.be.instanceOf(OpenOcdExitedError);
    expect(err.exitCode).to.equal(139);
    expect(err.lastLogLines).to.include('Error: JTAG scan chain interrogation failed');
    expect(p.exitError).to.equal(err);
    expect(p.running).to.equal(false);
    expect((await p.exited).how).to.equal('unexpected');
  });

  it('kill() on purpose is not reported as unexpected', async () => {
    const h = harness((child) => listenAfter(child, 1));
    const p = await OpenOcdProcess.start(h.options);
    let unexpected = false;
    p.on('unexpected-exit', () => (unexpected = true));
    const info = await p.kill('SIGKILL');
    expect(info).to.deep.equal({ code: null, signal: 'SIGKILL', how: 'killed' });
    expect(unexpected).to.equal(false);
  });
});

describe('findOpenOcd: explicit path > OPENOCD > PATH, version >= 0.12.0', () => {
  function versionSpawn(stderrText: string, seen: string[] = []): SpawnFunction {
    return (command) => {
      seen.push(command);
      const child = new FakeChild(77);
      setImmediate(() => {
        child.stderr.write(stderrText);
        child.exit(0, null);
      });
      return child as unknown as SpawnedProcess;
    };
  }
  const banner = 'Open On-Chip Debugger 0.12.0\nLicensed under GNU GPL v2\n';
  const executables = new Set(['/board/openocd', '/env/openocd', '/usr/local/bin/openocd']);
  const isExecutable = async (p: string): Promise<boolean> => executables.has(p);

  it('the board entry wins over OPENOCD and PATH', async () => {
    const seen: string[] = [];
    const found = await findOpenOcd({
      explicitPath: '/board/openocd',
      env: { OPENOCD: '/env/openocd', PATH: '/usr/local/bin' },
      spawn: versionSpawn(banner, seen),
      isExecutable,
    });
    expect(found).to.deep.equal({ path: '/board/openocd', version: '0.12.0', banner: 'Open On-Chip Debugger 0.12.0' });
    expect(seen).to.deep.equal(['/board/openocd']);
  });

  it('OPENOCD wins over PATH; PATH is searched in order', async () => {
    expect((await findOpenOcd({ env: { OPENOCD: '/env/openocd', PATH: '/usr/local/bin' }, spawn: versionSpawn(banner), isExecutable })).path).to.equal(
      '/env/openocd',
    );
    expect((await findOpenOcd({ env: { PATH: '/nope:/usr/local/bin' }, spawn: versionSpawn(banner), isExecutable })).path).to.equal('/usr/local/bin/openocd');
  });

  it('nothing found: OpenOcdNotFoundError that says how to install', async () => {
    const err = await findOpenOcd({ env: { PATH: '/nope' }, spawn: versionSpawn(banner), isExecutable }).catch((e: unknown) => e);
    expect(err).to.be.instanceOf(OpenOcdNotFoundError);
    expect((err as Error).message).to.match(/apt-get install openocd/);
  });

  it('0.11.0 is too old: OpenOcdVersionError with what it found', async () => {
    const err = await findOpenOcd({ env: { PATH: '/usr/local/bin' }, spawn: versionSpawn('Open On-Chip Debugger 0.11.0\n'), isExecutable }).catch(
      (e: unknown) => e,
    );
    expect(err).to.be.instanceOf(OpenOcdVersionError);
    expect(err).to.include({ found: '0.11.0', required: '0.12.0' });
  });

  it('parses dev builds and compares versions numerically', () => {
    expect(parseOpenOcdVersion('Open On-Chip Debugger 0.12.0+dev-01234-gabcdef (2024-01-01-10:00)')?.version).to.equal('0.12.0');
    expect(compareVersions('0.12.0', '0.9.9')).to.be.above(0);
    expect(compareVersions('0.12.0', '0.12.0')).to.equal(0);
  });
});
