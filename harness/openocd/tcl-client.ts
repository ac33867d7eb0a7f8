/**
 * TclRpcClient: one TCP connection to OpenOCD's Tcl RPC server (tcl_port), many calls in
 * flight. Replies come strictly in request order (the server runs one line at a time), so
 * pairing is a FIFO queue, as in node-redis' commands-queue: a reply with nothing waiting is a
 * protocol violation, and a lost socket rejects every waiting call with its own command.
 *
 * Every call is wrapped (rpc-wire.ts) so errors come back as typed TclCommandError and replies
 * can be told from notifications, which go to the 'notification' event instead.
 *
 * Timeouts: after a timeout OpenOCD is still running the command and will still send exactly
 * one reply for it (the server answers every complete line), so by default the timed-out call
 * stays in the queue as a placeholder that swallows its late reply ('discard-late-reply'): the
 * connection stays usable, and later calls wait behind the slow one (each call's timeout runs
 * from when it was sent, so they may time out too). With 'close-connection' the socket is closed instead and every other
 * waiting call fails with TclConnectionLostError; use it when a hang means OpenOCD is stuck.
 */
import { EventEmitter, on } from 'node:events';
import { connect as netConnect, type Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import {
  TclCommandError,
  TclConnectionLostError,
  TclProtocolError,
  TclRequestTooLargeError,
  TclTimeoutError,
} from './errors.js';
import { FRAME_TERMINATOR, FrameReader } from './frame-reader.js';
import { isNotificationFrame, parseNotification, type OpenOcdNotification } from './notifications.js';
import { decodeReply, isSuccessCode, REPLY_MARKER, RPC_PROC_DEFINITION, RPC_PROC_NAME, wrapCommand } from './rpc-wire.js';

/** OpenOCD's TCL_LINE_MAX is 4 MiB including the terminator; longer lines are dropped. */
export const TCL_SERVER_LINE_LIMIT = 4 * 1024 * 1024 - 2;

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
  commandErrorLog?: (sinceWallMs: number) => readonly string[];
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

interface PendingCall {
  readonly command: string;
  /** true for the proc definition sent while connecting: its reply is bare text. */
  readonly setup: boolean;
  /** performance.now() when sent (wall time = performance.timeOrigin + sentAt). */
  readonly sentAt: number;
  readonly acceptCodes: readonly number[] | undefined;
  resolve: (text: string) => void;
  reject: (error: Error) => void;
  /** performance.now() value after which the call times out (Infinity: never). */
  readonly deadline: number;
  readonly timeoutMs: number;
  /** Already rejected (by its timeout); still waits for (and discards) its reply. */
  settled: boolean;
}

export interface TclRpcClientEvents {
  notification: [OpenOcdNotification];
  call: [TclCallRecord];
  close: [string];
}

export class TclRpcClient extends EventEmitter<TclRpcClientEvents> {
  private readonly reader = new FrameReader();
  /** Calls waiting for replies, oldest first; `head` avoids O(n) shifts. */
  private queue: PendingCall[] = [];
  private head = 0;
  /** Requests gathered in this tick, written with one socket write. */
  private outgoing: string[] = [];
  private flushScheduled = false;
  private closedReason: string | undefined;
  /** Why the connection was lost (e.g. OpenOcdExitedError), for calls made afterwards too. */
  private lossCause: unknown;
  private socketError: Error | undefined;
  private readonly defaultTimeoutMs: number;
  private readonly timeoutPolicy: TimeoutPolicy;
  private readonly closedPromise: Promise<void>;
  /**
   * One shared timer armed for the earliest deadline, instead of one timer per call: a
   * pipelined burst of 20,000 calls then costs one timer, not 20,000 (see the benchmark).
   */
  private deadlineTimer: NodeJS.Timeout | undefined;
  private armedDeadline = Infinity;

  private constructor(
    private readonly socket: Socket,
    private readonly options: TclRpcClientOptions,
  ) {
    super();
    this.defaultTimeoutMs = options.defaultTimeoutMs ?? 60_000;
    this.timeoutPolicy = options.timeoutPolicy ?? 'discard-late-reply';
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
    const socket = await new Promise<Socket>((resolve, reject) => {
      const s = netConnect({ host, port: options.port });
      const timer = setTimeout(() => {
        s.destroy();
        reject(new TclConnectionLostError('(connect)', `connect to ${host}:${options.port} timed out after ${limitMs} ms`));
      }, limitMs);
      s.once('connect', () => {
        clearTimeout(timer);
        s.removeAllListeners('error');
        resolve(s);
      });
      s.once('error', (err) => {
        clearTimeout(timer);
        reject(new TclConnectionLostError('(connect)', `cannot connect to ${host}:${options.port}: ${err.message}`, { cause: err }));
      });
    });
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
    return this.queue.length - this.head;
  }

  get closed(): boolean {
    return this.closedReason !== undefined;
  }

  /** Notifications as an async iterator; it ends when `signal` aborts (buffered meanwhile). */
  async *notifications(signal?: AbortSignal): AsyncGenerator<OpenOcdNotification> {
    try {
      for await (const [n] of on(this, 'notification', signal ? { signal } : {})) {
        yield n as OpenOcdNotification;
      }
    } catch (err) {
      if (!(signal?.aborted && (err as Error).name === 'AbortError')) throw err;
    }
  }

  /** Resolves with the first notification that matches, or rejects after `timeoutMs`. */
  waitForNotification(match: (n: OpenOcdNotification) => boolean, timeoutMs: number): Promise<OpenOcdNotification> {
    return new Promise((resolve, reject) => {
      const onNotification = (n: OpenOcdNotification): void => {
        if (!match(n)) return;
        cleanup();
        resolve(n);
      };
      const onClose = (reason: string): void => {
        cleanup();
        reject(new TclConnectionLostError('(waiting for notification)', reason));
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(new TclTimeoutError('(waiting for notification)', timeoutMs, timeoutMs, 'discard-late-reply'));
      }, timeoutMs);
      const cleanup = (): void => {
        clearTimeout(timer);
        this.off('notification', onNotification);
        this.off('close', onClose);
      };
      this.on('notification', onNotification);
      this.on('close', onClose);
    });
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
      // Cheap bound first: a UTF-16 unit is at most 3 UTF-8 bytes.
      if (text.length * 3 > TCL_SERVER_LINE_LIMIT) {
        const bytes = Buffer.byteLength(text);
        if (bytes > TCL_SERVER_LINE_LIMIT) {
          reject(new TclRequestTooLargeError(command, bytes, TCL_SERVER_LINE_LIMIT));
          return;
        }
      }
      const timeoutMs = options.timeoutMs ?? this.defaultTimeoutMs;
      const sentAt = performance.now();
      const deadline = timeoutMs > 0 ? sentAt + timeoutMs : Infinity;
      const pending: PendingCall = {
        command,
        setup,
        sentAt,
        acceptCodes: options.acceptCodes,
        resolve,
        reject,
        deadline,
        timeoutMs,
        settled: false,
      };
      if (deadline < this.armedDeadline) this.armDeadlineTimer(deadline);
      this.queue.push(pending);
      this.outgoing.push(text);
      if (!this.flushScheduled) {
        this.flushScheduled = true;
        queueMicrotask(this.flush);
      }
    });
  }

  /** Writes every request of this tick at once: one syscall for a pipelined burst. */
  private readonly flush = (): void => {
    this.flushScheduled = false;
    if (this.outgoing.length === 0 || this.closedReason !== undefined) return;
    const terminator = String.fromCharCode(FRAME_TERMINATOR);
    const data = this.outgoing.length === 1 ? this.outgoing[0] + terminator : this.outgoing.join(terminator) + terminator;
    this.outgoing = [];
    this.socket.write(data, 'utf8');
  };

  private readonly onFrame = (buffer: Buffer, start: number, end: number): void => {
    // Replies start with 0x02; notifications with "type "; the setup reply is bare text.
    if (buffer[start] !== REPLY_MARKER && isNotificationFrame(buffer, start, end)) {
      this.emit('notification', parseNotification(buffer.subarray(start, end)));
      return;
    }
    const pending = this.queue[this.head];
    if (pending === undefined) {
      this.destroy(`reply with no call waiting: ${JSON.stringify(buffer.toString('utf8', start, Math.min(end, start + 200)))}`);
      return;
    }
    this.queue[this.head] = undefined as unknown as PendingCall;
    this.head++;
    if (this.head > 1024 && this.head * 2 > this.queue.length) {
      this.queue = this.queue.slice(this.head);
      this.head = 0;
    }
    if (pending.settled) return; // the late reply of a timed-out call
    pending.settled = true;
    const elapsedMs = performance.now() - pending.sentAt;

    if (pending.setup) {
      pending.resolve(buffer.toString('utf8', start, end));
      return;
    }
    const reply = decodeReply(buffer, start, end);
    if (!reply.ok) {
      this.finish(pending, elapsedMs, undefined, undefined, new TclProtocolError(pending.command, buffer.toString('utf8', start, end), reply.problem));
      return;
    }
    if (isSuccessCode(reply.code) || pending.acceptCodes?.includes(reply.code)) {
      this.finish(pending, elapsedMs, reply.code, reply.text, undefined);
    } else if (this.options.commandErrorLog) {
      // OpenOCD logged the reason before replying, but its stderr pipe may be read just after
      // this socket chunk: one turn of the event loop lets those lines arrive.
      const log = this.options.commandErrorLog;
      setImmediate(() => {
        const lines = log(performance.timeOrigin + pending.sentAt - 5);
        this.finish(pending, elapsedMs, reply.code, reply.text, new TclCommandError(pending.command, reply.text, reply.code, elapsedMs, lines));
      });
    } else {
      this.finish(pending, elapsedMs, reply.code, reply.text, new TclCommandError(pending.command, reply.text, reply.code, elapsedMs));
    }
  };

  private finish(pending: PendingCall, elapsedMs: number, code: number | undefined, text: string | undefined, error: Error | undefined): void {
    if (error) pending.reject(error);
    else pending.resolve(text as string);
    if (this.listenerCount('call') > 0) {
      this.emit('call', { command: pending.command, sentAt: performance.timeOrigin + pending.sentAt, elapsedMs, returnCode: code, result: text, error });
    }
  }

  private armDeadlineTimer(deadline: number): void {
    if (this.deadlineTimer !== undefined) clearTimeout(this.deadlineTimer);
    this.armedDeadline = deadline;
    this.deadlineTimer = setTimeout(this.onDeadline, Math.max(0, deadline - performance.now()));
    // The socket keeps the process alive while calls wait; the timer must not after they end.
    this.deadlineTimer.unref();
  }

  /** Times out every waiting call whose deadline passed, then re-arms for the next one. */
  private readonly onDeadline = (): void => {
    this.deadlineTimer = undefined;
    this.armedDeadline = Infinity;
    const now = performance.now();
    let next = Infinity;
    const expired: PendingCall[] = [];
    for (let i = this.head; i < this.queue.length; i++) {
      const pending = this.queue[i] as PendingCall;
      if (pending.settled) continue;
      // 1 ms slack: timers may fire a hair early relative to performance.now().
      if (pending.deadline <= now + 1) expired.push(pending);
      else if (pending.deadline < next) next = pending.deadline;
    }
    for (const pending of expired) this.onTimeout(pending);
    if (next !== Infinity && this.closedReason === undefined) this.armDeadlineTimer(next);
  };

  private onTimeout(pending: PendingCall): void {
    if (pending.settled) return;
    pending.settled = true;
    const elapsedMs = performance.now() - pending.sentAt;
    this.finish(pending, elapsedMs, undefined, undefined, new TclTimeoutError(pending.command, pending.timeoutMs, elapsedMs, this.timeoutPolicy));
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
    const waiting = this.queue.slice(this.head);
    this.queue = [];
    this.head = 0;
    if (this.deadlineTimer !== undefined) clearTimeout(this.deadlineTimer);
    this.deadlineTimer = undefined;
    for (const pending of waiting) {
      if (pending.settled) continue;
      pending.settled = true;
      const elapsedMs = performance.now() - pending.sentAt;
      this.finish(pending, elapsedMs, undefined, undefined, new TclConnectionLostError(pending.command, this.closedReason, { cause }));
    }
    this.emit('close', this.closedReason);
  }
}
