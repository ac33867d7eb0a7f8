/**
 * OpenOcdProcess: the supervisor of one OpenOCD for one board. It finds the binary, starts
 * OpenOCD on a free Tcl port (openocd-args.ts) and waits until it is ready (tcl-readiness.ts),
 * keeps its whole log, hands out Tcl connections whose loss is explained by the process's exit,
 * reports an exit nobody asked for as 'unexpected-exit' (child-exit.ts), and stops it: Tcl
 * `shutdown`, then SIGTERM, then SIGKILL, each bounded, by its own pid. The port comes from
 * binding port 0 and releasing it, which races with other processes: if OpenOCD then fails to
 * bind it, we start again with a new port, a few times.
 */
import { randomBytes } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { freePort } from '../../lib/free-port.js';
import { ChildExit, settlesWithin, type ExitInfo } from './child-exit.js';
import { OpenOcdExitedError, OpenOcdStartError, OpenOcdStopError } from './errors.js';
import { findOpenOcd, type OpenOcdBinary } from './find-openocd.js';
import { buildOpenOcdArgs, type OpenOcdCommandLine } from './openocd-args.js';
import { ProcessLog } from './process-log.js';
import { spawnProcess, type SpawnedProcess, type SpawnFunction } from './spawn.js';
import { TclRpcClient, type TclRpcClientOptions } from './tcl-client.js';
import { waitForTclReady } from './tcl-readiness.js';

export interface OpenOcdLaunchOptions extends OpenOcdCommandLine {
  /** Explicit binary (board entry); otherwise OPENOCD, then PATH. */
  binary?: string;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** From spawn to first Tcl round trip. Default 30 s (init may scan a slow JTAG chain). */
  startTimeoutMs?: number;
  /** New attempts with a new port when OpenOCD cannot bind the one we picked. Default 3. */
  portRetries?: number;
  /** Options for the Tcl client the process hands out as `tcl`. */
  tcl?: Omit<TclRpcClientOptions, 'port' | 'host' | 'explainConnectionLoss' | 'commandErrorLog'>;
  /** Injected for unit tests. */
  spawn?: SpawnFunction;
  connectTcl?: (options: TclRpcClientOptions) => Promise<TclRpcClient>;
  freePort?: () => Promise<number>;
  /** Skip the binary lookup and version check (unit tests); `binary` must then be set. */
  resolvedBinary?: OpenOcdBinary;
}

export interface StopOptions {
  /** Wait after Tcl `shutdown`. Default 3 s. */
  shutdownTimeoutMs?: number;
  /** Wait after SIGTERM. Default 3 s. */
  termTimeoutMs?: number;
  /** Wait after SIGKILL. Default 3 s. */
  killTimeoutMs?: number;
}

/** Lines OpenOCD 0.12 logs when it cannot listen on a port (src/helper/… server.c add_service). */
const BIND_FAILURE = /couldn't bind \S+ to socket|Address already in use/i;

/**
 * OpenOCD's own log messages since a time: "Error: ", "Warn : ", "Info : ", "Debug: " lines.
 * The rest of its stdout is the echo of every Tcl result (command_run_line prints them), noise
 * for an error message.
 */
function logMessagesSince(log: ProcessLog, since: number): string[] {
  return log
    .since(since)
    .map((l) => l.text)
    .filter((t) => /^(Error|Warn |Info |Debug|User ): /.test(t));
}

export interface OpenOcdProcessEvents {
  /** OpenOCD exited while in use (not via stop() or kill()). */
  'unexpected-exit': [OpenOcdExitedError];
}

export class OpenOcdProcess extends EventEmitter<OpenOcdProcessEvents> {
  private intentional: ExitInfo['how'] | undefined;
  private unexpectedExit: OpenOcdExitedError | undefined;
  private readonly clients = new Set<TclRpcClient>();
  /** The Tcl connection made while starting; more via `connect()`. */
  tcl!: TclRpcClient;
  /** Resolves when the process has exited (never rejects). */
  readonly exited: Promise<ExitInfo>;

  private constructor(
    readonly binary: OpenOcdBinary,
    readonly args: readonly string[],
    readonly tclPort: number,
    readonly log: ProcessLog,
    private readonly child: SpawnedProcess,
    private readonly childExit: ChildExit,
    private readonly connectTcl: (options: TclRpcClientOptions) => Promise<TclRpcClient>,
    private readonly tclOptions: OpenOcdLaunchOptions['tcl'],
  ) {
    super();
    this.exited = childExit.exited;
    void this.exited.then((info) => {
      if (info.how === 'unexpected') {
        this.unexpectedExit = new OpenOcdExitedError(child.pid, info.code, info.signal, log.tail(30));
        if (this.listenerCount('unexpected-exit') > 0) this.emit('unexpected-exit', this.unexpectedExit);
      }
    });
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  get running(): boolean {
    return this.childExit.exitInfo === undefined;
  }

  /** Set once OpenOCD has exited on its own while in use. */
  get exitError(): OpenOcdExitedError | undefined {
    return this.unexpectedExit;
  }

  /** Starts OpenOCD and resolves once its Tcl port answered a round trip. */
  static async start(options: OpenOcdLaunchOptions = {}): Promise<OpenOcdProcess> {
    const spawn = options.spawn ?? spawnProcess;
    const binary =
      options.resolvedBinary ??
      (await findOpenOcd({ ...(options.binary !== undefined ? { explicitPath: options.binary } : {}), env: options.env ?? process.env, spawn }));
    const retries = options.portRetries ?? 3;
    for (let attempt = 0; ; attempt++) {
      const port = await (options.freePort ?? freePort)();
      try {
        return await OpenOcdProcess.startOnce(binary, port, options, spawn);
      } catch (err) {
        const bindFailed = err instanceof OpenOcdStartError && err.lastLogLines.some((l) => BIND_FAILURE.test(l));
        if (!bindFailed || attempt >= retries) throw err;
      }
    }
  }

  private static async startOnce(binary: OpenOcdBinary, port: number, options: OpenOcdLaunchOptions, spawn: SpawnFunction): Promise<OpenOcdProcess> {
    const token = randomBytes(8).toString('hex');
    const args = buildOpenOcdArgs(port, options, token);
    const log = new ProcessLog();
    const request: { env: NodeJS.ProcessEnv; cwd?: string } = { env: options.env ?? process.env };
    if (options.cwd !== undefined) request.cwd = options.cwd;
    let child: SpawnedProcess;
    try {
      child = spawn(binary.path, args, request);
    } catch (err) {
      throw new OpenOcdStartError(binary.path, args, null, null, [], `spawn failed: ${(err as Error).message}`, { cause: err });
    }
    // Exists once ready, but the exit watch and a lost connection may ask for it before then.
    let proc: OpenOcdProcess | undefined = undefined;
    const exit = new ChildExit(child, log, () => proc?.intentional ?? 'unexpected');
    child.stdout?.on('data', (d: Buffer) => log.append('stdout', d));
    child.stderr?.on('data', (d: Buffer) => log.append('stderr', d));

    const connectTcl = options.connectTcl ?? ((o: TclRpcClientOptions) => TclRpcClient.connect(o));
    const client = await waitForTclReady({
      binaryPath: binary.path,
      args,
      port,
      token,
      child,
      exit,
      log,
      timeoutMs: options.startTimeoutMs ?? 30_000,
      connect: (connectTimeoutMs) =>
        connectTcl({
          ...options.tcl,
          port,
          host: '127.0.0.1',
          connectTimeoutMs,
          explainConnectionLoss: () => proc?.explainLoss() ?? Promise.resolve(undefined),
          commandErrorLog: (since) => logMessagesSince(log, since),
        }),
    });
    proc = new OpenOcdProcess(binary, args, port, log, child, exit, connectTcl, options.tcl);
    proc.adopt(client);
    proc.tcl = client;
    return proc;
  }

  /** Opens another Tcl connection to this OpenOCD (e.g. a dedicated one for notifications). */
  async connect(options: OpenOcdLaunchOptions['tcl'] = {}): Promise<TclRpcClient> {
    const client = await this.connectTcl({
      ...this.tclOptions,
      ...options,
      port: this.tclPort,
      host: '127.0.0.1',
      explainConnectionLoss: () => this.explainLoss(),
      commandErrorLog: (since) => logMessagesSince(this.log, since),
    });
    this.adopt(client);
    return client;
  }

  /**
   * Sends a signal on purpose (fault injection: "kill the programmer"). The exit that follows
   * is not reported as unexpected; pending Tcl calls fail with TclConnectionLostError.
   */
  async kill(signal: NodeJS.Signals = 'SIGKILL'): Promise<ExitInfo> {
    if (this.childExit.exitInfo) return this.childExit.exitInfo;
    this.intentional = 'killed';
    this.child.kill(signal);
    return this.exited;
  }

  /**
   * Marks the coming exit as intended, e.g. before a fault injector sends Tcl `shutdown`
   * itself, so it is not reported as 'unexpected-exit'.
   */
  expectExit(): void {
    this.intentional ??= 'shutdown';
  }

  /** Stops OpenOCD: Tcl `shutdown`, then SIGTERM, then SIGKILL. Resolves with how it ended. */
  async stop(options: StopOptions = {}): Promise<ExitInfo> {
    if (this.childExit.exitInfo) return this.childExit.exitInfo;
    const waitExit = (ms: number): Promise<boolean> => settlesWithin(this.exited, ms);
    this.intentional = 'shutdown';
    const shutdownMs = options.shutdownTimeoutMs ?? 3000;
    const client = [...this.clients].find((c) => !c.closed);
    if (client) {
      // OpenOCD answers `shutdown` with code -600 (ERROR_COMMAND_CLOSE_CONNECTION), then exits.
      await client.call('shutdown', { timeoutMs: shutdownMs, acceptCodes: [-600] }).catch(() => undefined);
    }
    try {
      if (await waitExit(shutdownMs)) return await this.exited;
      this.intentional = 'SIGTERM';
      this.child.kill('SIGTERM');
      if (await waitExit(options.termTimeoutMs ?? 3000)) return await this.exited;
      this.intentional = 'SIGKILL';
      this.child.kill('SIGKILL');
      if (await waitExit(options.killTimeoutMs ?? 3000)) return await this.exited;
      throw new OpenOcdStopError(this.child.pid, this.log.tail(30));
    } finally {
      await Promise.all([...this.clients].map((c) => c.close()));
    }
  }

  private adopt(client: TclRpcClient): void {
    this.clients.add(client);
    void client.whenClosed().then(() => this.clients.delete(client));
  }

  /** For a Tcl connection that dropped: did OpenOCD die? Waits briefly for the exit to show. */
  private async explainLoss(): Promise<unknown> {
    await settlesWithin(this.exited, 1000);
    return this.unexpectedExit;
  }
}
