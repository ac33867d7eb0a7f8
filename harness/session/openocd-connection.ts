/**
 * The session's link to OpenOCD: a process it started with the board's configs, or a connection
 * to one served elsewhere (openocd.tclHost/tclPort). `reconnect()` replaces it; `generation`
 * changes with every replacement, so "has this OpenOCD probed the bank?" compares numbers.
 * Every call through `caller` goes into the Tcl transcript.
 */
import type { BoardRecord } from '../boards/types.js';
import { OpenOcdProcess, TclRpcClient, type CallOptions, type TclCaller } from '../openocd/index.js';
import type { SessionEvidence } from './evidence.js';

export interface OpenOcdConnectionOptions {
  readonly extraArgs: readonly string[];
  readonly startTimeoutMs: number;
  /** OpenOCD exited without being asked to. */
  readonly onUnexpectedExit: (error: Error) => void;
}

export class OpenOcdConnection {
  private proc: OpenOcdProcess | undefined;
  private attached: TclRpcClient | undefined;
  private replacements = 0;

  constructor(
    private readonly board: BoardRecord,
    private readonly evidence: SessionEvidence,
    private readonly options: OpenOcdConnectionOptions,
  ) {}

  /** Changes whenever the connection is made or dropped. */
  get generation(): number {
    return this.replacements;
  }

  /** The OpenOCD process the session started (undefined when attached). */
  get process(): OpenOcdProcess | undefined {
    return this.proc;
  }

  /**
   * Starts OpenOCD (`preConfigCommands`, the board's configs, `init`) or attaches to the served
   * one. A process still running is kept.
   */
  async connect(preConfigCommands: readonly string[]): Promise<void> {
    if (this.board.openocd.tclPort !== undefined) {
      await this.attached?.close();
      this.attached = await this.openAttached();
      this.replacements++;
      return;
    }
    if (this.proc?.running) return;
    const openocd = this.board.openocd;
    const proc = await this.evidence.time('start OpenOCD', () =>
      OpenOcdProcess.start({
        ...(openocd.binary !== undefined ? { binary: openocd.binary } : {}),
        preConfigCommands,
        configFiles: openocd.configs,
        searchDirs: openocd.searchDirs,
        commands: [...openocd.commands, 'init'],
        extraArgs: this.options.extraArgs,
        startTimeoutMs: this.options.startTimeoutMs,
      }),
    );
    this.proc = proc;
    this.replacements++;
    this.evidence.addOpenOcdLog(proc.pid, proc.log);
    proc.on('unexpected-exit', (error) => this.options.onUnexpectedExit(error));
  }

  /** Where the current OpenOCD serves Tcl RPC, for a tool that shares it; undefined while there is none. */
  get tclEndpoint(): { readonly host: string; readonly port: number } | undefined {
    if (this.proc?.running) return { host: '127.0.0.1', port: this.proc.tclPort };
    if (this.attached) return { host: this.board.openocd.tclHost ?? '127.0.0.1', port: this.board.openocd.tclPort! };
    return undefined;
  }

  /** A second Tcl connection (the main one may be busy with the command being interrupted). */
  openSideChannel(): Promise<TclRpcClient> {
    return this.proc ? this.proc.connect() : this.openAttached();
  }

  /** Stops the process the session started, or closes the attached connection. */
  async stop(): Promise<void> {
    const proc = this.proc;
    const attached = this.attached;
    this.proc = undefined;
    this.attached = undefined;
    if (proc || attached) this.replacements++;
    if (proc) await proc.stop();
    if (attached) await attached.close();
  }

  /** A Tcl caller on whatever connection is current; `missing` explains when there is none. */
  caller(missing: () => Error): TclCaller {
    return {
      call: async (command: string, options?: CallOptions): Promise<string> => {
        const client = this.proc?.tcl ?? this.attached;
        if (!client) throw missing();
        const startedAt = this.evidence.sinceOpenMs();
        try {
          const reply = await client.call(command, options);
          this.evidence.recordTcl(command, startedAt, true, reply);
          return reply;
        } catch (error) {
          this.evidence.recordTcl(command, startedAt, false, error instanceof Error ? error.message : String(error));
          throw error;
        }
      },
    };
  }

  private openAttached(): Promise<TclRpcClient> {
    return TclRpcClient.connect({ host: this.board.openocd.tclHost ?? '127.0.0.1', port: this.board.openocd.tclPort! });
  }
}
