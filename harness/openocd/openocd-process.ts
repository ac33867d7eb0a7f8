/**
 * OpenOcdProcess: starts OpenOCD for one board, proves it is ready, keeps its whole log, and
 * stops it (Tcl `shutdown`, then SIGTERM, then SIGKILL, each bounded, by its own pid).
 *
 * Command line: our `-c` lines (bindto 127.0.0.1, tcl_port N, gdb_port/telnet_port disabled)
 * come before the board's `-s` dirs and `-f` configs, so the configs can still override them;
 * the board's own `-c` lines follow the configs. OpenOCD 0.12.0 knows only the underscore forms
 * (`tcl_port`, `gdb_port`, `telnet_port`, `tcl_notifications`): the `tcl port` group came later.
 *
 * Ready = a Tcl round trip on the port succeeds (polled with backoff, no fixed sleep). The
 * port comes from binding port 0 and releasing it, which races with other processes: if
 * OpenOCD then fails to bind it, we start again with a new port, a few times.
 */
import { randomBytes } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { setTimeout as delay } from 'node:timers/promises';
import { registerChild, unregisterChild } from './child-registry.js';
import { OpenOcdExitedError, OpenOcdStartError, OpenOcdStopError, TclCommandError } from './errors.js';
import { findOpenOcd, type OpenOcdBinary } from './find-openocd.js';
import { findFreePort } from './free-port.js';
import { ProcessLog } from './process-log.js';
import { spawnProcess, type SpawnedProcess, type SpawnFunction } from './spawn.js';
import { TclRpcClient, type TclRpcClientOptions } from './tcl-client.js';

export interface OpenOcdLaunchOptions {
  /** Explicit binary (board entry); otherwise OPENOCD, then PATH. */
  binary?: string;
  /** `-c` commands run before the config files, e.g. `set VIRTUAL_BOARD_STLINK_PORT 40123` or knobs
   * like `set QUADSPI 1` that a config reads with `info exists`. */
  preConfigCommands?: readonly string[];
  /** `-f` config files, in order. */
  configFiles?: readonly string[];
  /** `-c` commands run after the config files (e.g. `init`, `reset halt`, or `noinit`). */
  commands?: readonly string[];
  /** `-s` script search directories. */
  searchDirs?: readonly string[];
  /** Default 'disabled'. A number opens the GDB server on that port (on 127.0.0.1). */
  gdbPort?: number | 'disabled';
  /** Default 'disabled'. */
  telnetPort?: number | 'disabled';
  /** Extra raw arguments placed first (e.g. `-d3`). */
  extraArgs?: readonly string[];
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

export interface ExitInfo {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  /** How it ended: asked by stop() (and which step worked), killed on purpose, or on its own. */
  readonly how: 'shutdown' | 'SIGTERM' | 'SIGKILL' | 'killed' | 'unexpected';
}

/** Lines OpenOCD 0.12 logs when it cannot listen on a port (src/helper/… server.c add_service). */
const BIND_FAILURE = /couldn't bind \S+ to socket|Address already in use/i;

/** True if `promise` settles within `ms`; the timer is cleared either way. */
async function settlesWithin(promise: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), ms)));
  try {
    return await Promise.race([promise.then(() => true as const), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

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

/** The Tcl variable holding the token that proves a Tcl port belongs to the process we started. */
export const INSTANCE_TOKEN_VARIABLE = '__hil_instance';

export function buildOpenOcdArgs(tclPort: number, options: OpenOcdLaunchOptions, instanceToken: string): string[] {
  const args: string[] = [...(options.extraArgs ?? [])];
  // A token we can ask for over Tcl: if another OpenOCD grabbed "our" free port first, the
  // readiness check connects to it and sees the wrong token instead of trusting it.
  args.push('-c', `set ${INSTANCE_TOKEN_VARIABLE} ${instanceToken}`);
  args.push('-c', 'bindto 127.0.0.1');
  args.push('-c', `tcl_port ${tclPort}`);
  args.push('-c', `gdb_port ${options.gdbPort ?? 'disabled'}`);
  args.push('-c', `telnet_port ${options.telnetPort ?? 'disabled'}`);
  for (const dir of options.searchDirs ?? []) args.push('-s', dir);
  for (const command of options.preConfigCommands ?? []) args.push('-c', command);
  for (const file of options.configFiles ?? []) args.push('-f', file);
  for (const command of options.commands ?? []) args.push('-c', command);
  return args;
}

export interface OpenOcdProcessEvents {
  /** OpenOCD exited while in use (not via stop() or kill()). */
  'unexpected-exit': [OpenOcdExitedError];
}

export class OpenOcdProcess extends EventEmitter<OpenOcdProcessEvents> {
  private exitInfo: ExitInfo | undefined;
  private intentional: ExitInfo['how'] | undefined;
  private unexpectedExit: OpenOcdExitedError | undefined;
  private readonly clients = new Set<TclRpcClient>();
  /** The Tcl connection made while starting; more via `connect()`. */
  tcl!: TclRpcClient;

  private constructor(
    readonly binary: OpenOcdBinary,
    readonly args: readonly string[],
    readonly tclPort: number,
    readonly log: ProcessLog,
    private readonly child: SpawnedProcess,
    /** Resolves when the process has exited (never rejects). */
    readonly exited: Promise<ExitInfo>,
    private readonly connectTcl: (options: TclRpcClientOptions) => Promise<TclRpcClient>,
    private readonly tclOptions: OpenOcdLaunchOptions['tcl'],
  ) {
    super();
    void exited.then((info) => {
      this.exitInfo = info;
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
    return this.exitInfo === undefined;
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
      const port = await (options.freePort ?? findFreePort)();
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
    registerChild(child);
    child.stdout?.on('data', (d: Buffer) => log.append('stdout', d));
    child.stderr?.on('data', (d: Buffer) => log.append('stderr', d));

    let proc: OpenOcdProcess | undefined;
    let spawnError: Error | undefined;
    const exited = new Promise<ExitInfo>((resolve) => {
      let done = false;
      const finish = (code: number | null, signal: NodeJS.Signals | null): void => {
        if (done) return;
        done = true;
        log.flush();
        unregisterChild(child);
        resolve({ code, signal, how: proc?.intentional ?? 'unexpected' });
      };
      // 'close' waits for stdout/stderr to end, so the log is complete when we report it; if
      // something else holds the pipes open, 'exit' plus a short grace period decides.
      child.once('close', (code: number | null, signal: NodeJS.Signals | null) => finish(code, signal));
      child.once('exit', (code: number | null, signal: NodeJS.Signals | null) => {
        setTimeout(() => finish(code, signal), 500).unref();
      });
      child.once('error', (err: Error) => {
        spawnError = err;
        // A spawn failure (ENOENT, EACCES) emits 'error' and maybe never 'close'.
        if (child.pid === undefined) finish(null, null);
      });
    });
    let exitedEarly: ExitInfo | undefined;
    void exited.then((info) => (exitedEarly = info));

    const connectTcl = options.connectTcl ?? ((o: TclRpcClientOptions) => TclRpcClient.connect(o));
    const deadline = performance.now() + (options.startTimeoutMs ?? 30_000);
    const connectOptions = (): TclRpcClientOptions => ({
      ...options.tcl,
      port,
      host: '127.0.0.1',
      connectTimeoutMs: Math.max(200, Math.min(5000, deadline - performance.now())),
      explainConnectionLoss: () => proc?.explainLoss() ?? Promise.resolve(undefined),
      commandErrorLog: (since) => logMessagesSince(log, since),
    });

    let backoffMs = 5;
    let lastError: unknown;
    for (;;) {
      if (exitedEarly) {
        const why = spawnError ? `spawn failed: ${spawnError.message}` : 'exited before its Tcl port answered';
        throw new OpenOcdStartError(binary.path, args, exitedEarly.code, exitedEarly.signal, log.tail(30), why, { cause: spawnError });
      }
      if (performance.now() > deadline) {
        child.kill('SIGKILL');
        await Promise.race([exited, delay(2000)]);
        throw new OpenOcdStartError(binary.path, args, null, 'SIGKILL', log.tail(30), `Tcl port ${port} did not answer within ${options.startTimeoutMs ?? 30_000} ms (killed)`, {
          cause: lastError,
        });
      }
      // Race each attempt against the exit: a stranger holding the port may accept the
      // connection and never answer, while our OpenOCD has already died of the bind failure.
      const attempt = connectTcl(connectOptions());
      const outcome = await Promise.race([
        attempt.then(
          (client) => ({ client }),
          (error: unknown) => ({ error }),
        ),
        exited.then(() => ({ exitedFirst: true as const })),
      ]);
      if ('exitedFirst' in outcome) {
        void attempt.then(
          (client) => client.close(),
          () => undefined,
        );
        continue;
      }
      if ('client' in outcome) {
        const client = outcome.client;
        const seen = await client.call(`set ${INSTANCE_TOKEN_VARIABLE}`, { timeoutMs: 5000 }).catch((err: unknown) => err);
        if (seen === token) {
          proc = new OpenOcdProcess(binary, args, port, log, child, exited, connectTcl, options.tcl);
          proc.adopt(client);
          proc.tcl = client;
          return proc;
        }
        // Answers, but not as the OpenOCD we started: keep polling until ours exits.
        await client.close();
        lastError = new Error(`Tcl port ${port} answers, but not as the OpenOCD we started (token ${String(seen)})`);
      } else if (outcome.error instanceof TclCommandError) {
        // Our OpenOCD answered but refused a handshake command (e.g. `tcl_notifications on`
        // before `init`): waiting will not help.
        child.kill('SIGKILL');
        await settlesWithin(exited, 2000);
        throw new OpenOcdStartError(binary.path, args, null, 'SIGKILL', log.tail(30), `Tcl handshake failed: ${outcome.error.message}`, { cause: outcome.error });
      } else {
        // Refused (not listening yet): keep polling until ready, exit, or the deadline.
        lastError = outcome.error;
      }
      await Promise.race([exited, delay(backoffMs)]);
      backoffMs = Math.min(backoffMs * 2, 100);
    }
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
    if (this.exitInfo) return this.exitInfo;
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
    if (this.exitInfo) return this.exitInfo;
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
