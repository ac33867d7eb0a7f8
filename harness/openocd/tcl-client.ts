/**
 * TclRpcClient: one TCP connection to OpenOCD's Tcl RPC server (tcl_port), many calls in
 * flight. It owns the connection's life: the handshake that defines the call wrapper
 * (rpc-wire.ts), sending requests (request-writer.ts), routing each frame (a reply to the oldest
 * waiting call, pending-calls.ts, mapped to a result or typed error, reply-outcome.ts; a
 * notification to the 'notification' event, notification-waits.ts), and what a timeout or a
 * lost socket does to the calls in flight. A lost socket rejects each with its own command.
 * After a timeout OpenOCD still runs the command and will still send exactly one reply for it,
 * so by default ('discard-late-reply') the timed-out call stays queued to swallow that reply and
 * the connection stays usable (later calls wait behind the slow one, each timeout running from
 * when its call was sent); 'close-connection' closes the socket instead, failing every waiting
 * call with TclConnectionLostError, for when a hang means OpenOCD is stuck.
 */
import { EventEmitter } from 'node:events';
import type { Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import { TclConnectionLostError, TclProtocolError, TclTimeoutError } from './errors.js';
import { FrameReader } from './frame-reader.js';
import { iterateNotifications, waitForNotification } from './notification-waits.js';
import { isNotificationFrame, parseNotification, type OpenOcdNotification } from './notifications.js';
import { PendingCalls, type PendingCall } from './pending-calls.js';
import { mapReply, type CallOutcome, type CommandErrorLog } from './reply-outcome.js';
import { oversizeRequest, RequestWriter } from './request-writer.js';
import { REPLY_MARKER, RPC_PROC_DEFINITION, RPC_PROC_NAME, wrapCommand } from './rpc-wire.js';
import { connectTcp } from './tcp-connect.js';

export type TimeoutPolicy = 'discard-late-reply' | 'close-connection';

export interface TclRpcClientOptions {
  port: number;
  /** Default 127.0.0.1: OpenOCD is told `bindto 127.0.0.1`. */
  host?: string;
  /** Per-call timeout unless a call gives its own. Default 60 s (flash operations are slow). */
  defaultTimeoutMs?: number;
  timeoutPolicy?: TimeoutPolicy;
  /** Limit for the TCP connect plus the first round trip. Default 5 s. */
  connectTimeoutMs?: number;
  /** Send `tcl_notifications on` while connecting (OpenOCD 0.12 has only the underscore form). */
  notifications?: boolean;
  /**
   * Called when the socket closes unexpectedly, before waiting calls are rejected; whatever it
   * resolves to becomes the `cause` of their TclConnectionLostError (the supervisor answers
   * with OpenOcdExitedError and the last log lines).
   */
  explainConnectionLoss?: () => Promise<unknown>;
  /**
   * OpenOCD log lines written since `sinceWallMs` (the supervisor passes its log). Many OpenOCD
   * commands fail with an empty Tcl result and say why only in the log ("Error: Target not
   * halted"), so a TclCommandError carries these lines.
   */
  commandErrorLog?: CommandErrorLog;
}

export interface CallOptions {
  timeoutMs?: number;
  /** Return codes to accept as success besides 0 and 2 (e.g. -600 from `shutdown`). */
  acceptCodes?: readonly number[];
}

/** One finished call, for transcripts (emitted as 'call' when someone listens). */
export interface TclCallRecord {
  readonly command: string;
  /** Wall-clock time the call was sent (ms since the epoch). */
  readonly sentAt: number;
  readonly elapsedMs: number;
  readonly returnCode: number | undefined;
  readonly result: string | undefined;
  readonly error: Error | undefined;
}

export interface TclRpcClientEvents {
  notification: [OpenOcdNotification];
  call: [TclCallRecord];
  close: [string];
}

export class TclRpcClient extends EventEmitter<TclRpcClientEvents> {
  private readonly reader = new FrameReader();
  private readonly pending = new PendingCalls(
    (call) => this.onTimeout(call),
    () => this.closedReason === undefined,
  );
  private readonly writer: RequestWriter;
  private closedReason: string | undefined;
  /** Why the connection was lost (e.g. OpenOcdExitedError), for calls made afterwards too. */
  private lossCause: unknown;
  private socketError: Error | undefined;
  private readonly defaultTimeoutMs: number;
  private readonly timeoutPolicy: TimeoutPolicy;
  private readonly closedPromise: Promise<void>;

  private constructor(
    private readonly socket: Socket,
    private readonly options: TclRpcClientOptions,
  ) {
    super();
    this.defaultTimeoutMs = options.defaultTimeoutMs ?? 60_000;
    this.timeoutPolicy = options.timeoutPolicy ?? 'discard-late-reply';
    this.writer = new RequestWriter(socket, () => this.closedReason === undefined);
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.reader.push(chunk, this.onFrame));
    socket.on('error', (err) => {
      this.socketError ??= err;
    });
    this.closedPromise = new Promise((resolve) => {
      socket.on('close', () => {
        void this.onSocketClosed().then(resolve);
      });
    });
  }

  /**
   * Connects, defines the call wrapper and (optionally) turns notifications on. Resolves after
   * that first round trip, so a resolved client has proven OpenOCD answers.
   */
  static async connect(options: TclRpcClientOptions): Promise<TclRpcClient> {
    const host = options.host ?? '127.0.0.1';
    const limitMs = options.connectTimeoutMs ?? 5000;
    const socket = await connectTcp(host, options.port, limitMs);
    const client = new TclRpcClient(socket, options);
    try {
      const answer = await client.send(RPC_PROC_DEFINITION, true, { timeoutMs: limitMs });
      if (answer !== RPC_PROC_NAME) {
        throw new TclProtocolError(RPC_PROC_DEFINITION, answer, `expected "${RPC_PROC_NAME}" from proc definition; is this OpenOCD's Tcl port?`);
      }
      if (options.notifications) await client.call('tcl_notifications on', { timeoutMs: limitMs });
    } catch (err) {
      client.destroy('connect handshake failed');
      throw err;
    }
    return client;
  }

  /** Runs one Tcl command (any Tcl text) and resolves with its result text. */
  call(command: string, options: CallOptions = {}): Promise<string> {
    return this.send(command, false, options);
  }

  /** Calls waiting for a reply (including timed-out ones whose late reply is still due). */
  get pendingCount(): number {
    return this.pending.count;
  }

  get closed(): boolean {
    return this.closedReason !== undefined;
  }

  /** Notifications as an async iterator; it ends when `signal` aborts (buffered meanwhile). */
  notifications(signal?: AbortSignal): AsyncGenerator<OpenOcdNotification> {
    return iterateNotifications(this, signal);
  }

  /** Resolves with the first notification that matches, or rejects after `timeoutMs`. */
  waitForNotification(match: (n: OpenOcdNotification) => boolean, timeoutMs: number): Promise<OpenOcdNotification> {
    return waitForNotification(this, match, timeoutMs);
  }

  /** Closes the connection; waiting calls fail with TclConnectionLostError("closed by client"). */
  async close(): Promise<void> {
    this.destroy('closed by client');
    await this.closedPromise;
  }

  /** Resolves once the socket has closed and every waiting call has been rejected. */
  whenClosed(): Promise<void> {
    return this.closedPromise;
  }

  private destroy(reason: string): void {
    this.closedReason ??= reason;
    this.socket.destroy();
  }

  private send(command: string, setup: boolean, options: CallOptions): Promise<string> {
    return new Promise<string>((resolve, reject) => {
      if (this.closedReason !== undefined) {
        reject(new TclConnectionLostError(command, `connection already closed: ${this.closedReason}`, { cause: this.lossCause }));
        return;
      }
      const text = setup ? command : wrapCommand(command);
      const oversize = oversizeRequest(command, text);
      if (oversize) {
        reject(oversize);
        return;
      }
      const timeoutMs = options.timeoutMs ?? this.defaultTimeoutMs;
      const sentAt = performance.now();
      const deadline = timeoutMs > 0 ? sentAt + timeoutMs : Infinity;
      this.pending.add({ command, setup, sentAt, acceptCodes: options.acceptCodes, resolve, reject, deadline, timeoutMs, settled: false });
      this.writer.write(text);
    });
  }

  private readonly onFrame = (buffer: Buffer, start: number, end: number): void => {
    // Replies start with 0x02; notifications with "type "; the setup reply is bare text.
    if (buffer[start] !== REPLY_MARKER && isNotificationFrame(buffer, start, end)) {
      this.emit('notification', parseNotification(buffer.subarray(start, end)));
      return;
    }
    const pending = this.pending.takeOldest();
    if (pending === undefined) {
      this.destroy(`reply with no call waiting: ${JSON.stringify(buffer.toString('utf8', start, Math.min(end, start + 200)))}`);
      return;
    }
    if (pending.settled) return; // the late reply of a timed-out call
    pending.settled = true;
    if (pending.setup) {
      pending.resolve(buffer.toString('utf8', start, end));
      return;
    }
    const elapsedMs = performance.now() - pending.sentAt;
    mapReply(pending, buffer, start, end, elapsedMs, this.options.commandErrorLog, (outcome) => this.finish(pending, elapsedMs, outcome));
  };

  private finish(pending: PendingCall, elapsedMs: number, { code, text, error }: CallOutcome): void {
    if (error) pending.reject(error);
    else pending.resolve(text as string);
    if (this.listenerCount('call') > 0) {
      this.emit('call', { command: pending.command, sentAt: performance.timeOrigin + pending.sentAt, elapsedMs, returnCode: code, result: text, error });
    }
  }

  private onTimeout(pending: PendingCall): void {
    if (pending.settled) return;
    pending.settled = true;
    const elapsedMs = performance.now() - pending.sentAt;
    this.finish(pending, elapsedMs, { error: new TclTimeoutError(pending.command, pending.timeoutMs, elapsedMs, this.timeoutPolicy) });
    if (this.timeoutPolicy === 'close-connection' && this.closedReason === undefined) {
      this.destroy(`closed after a timeout of: ${pending.command.slice(0, 200)}`);
    }
  }

  private async onSocketClosed(): Promise<void> {
    const unexpected = this.closedReason === undefined;
    this.closedReason ??= this.socketError ? `socket error: ${this.socketError.message}` : 'closed by OpenOCD';
    this.reader.reset();
    let cause: unknown = this.socketError;
    if (unexpected && this.options.explainConnectionLoss) {
      try {
        cause = (await this.options.explainConnectionLoss()) ?? cause;
      } catch (err) {
        cause = err;
      }
    }
    this.lossCause = cause;
    for (const pending of this.pending.drain()) {
      if (pending.settled) continue;
      pending.settled = true;
      const elapsedMs = performance.now() - pending.sentAt;
      this.finish(pending, elapsedMs, { error: new TclConnectionLostError(pending.command, this.closedReason, { cause }) });
    }
    this.emit('close', this.closedReason);
  }
}
