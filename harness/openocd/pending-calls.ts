/**
 * The calls of one Tcl connection that wait for a reply, oldest first, and their deadlines.
 * OpenOCD's Tcl server answers strictly in request order, so the next reply always belongs to
 * the oldest waiting call: a FIFO, as in node-redis' commands-queue. A call that timed out stays
 * in the queue, settled, so the late reply still due for it is taken (and discarded) in its
 * turn. Deadlines share one timer armed for the earliest of them instead of one timer per call:
 * a pipelined burst of 20,000 calls then costs one timer, not 20,000 (see tcl-client.bench.ts).
 */
import { performance } from 'node:perf_hooks';

export interface PendingCall {
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

export class PendingCalls {
  /** Oldest first; `head` avoids O(n) shifts. */
  private queue: PendingCall[] = [];
  private head = 0;
  private deadlineTimer: NodeJS.Timeout | undefined;
  private armedDeadline = Infinity;

  constructor(
    /** Called for each unsettled call whose deadline passed; the call stays in the queue. */
    private readonly onExpired: (call: PendingCall) => void,
    /** Whether to keep watching the remaining deadlines (not once the connection is closing). */
    private readonly watching: () => boolean,
  ) {}

  /** Calls waiting for a reply, including timed-out ones whose late reply is still due. */
  get count(): number {
    return this.queue.length - this.head;
  }

  add(call: PendingCall): void {
    if (call.deadline < this.armedDeadline) this.armDeadlineTimer(call.deadline);
    this.queue.push(call);
  }

  /** Removes and returns the oldest call: the one the reply that just arrived answers. */
  takeOldest(): PendingCall | undefined {
    const call = this.queue[this.head];
    if (call === undefined) return undefined;
    this.queue[this.head] = undefined as unknown as PendingCall;
    this.head++;
    if (this.head > 1024 && this.head * 2 > this.queue.length) {
      this.queue = this.queue.slice(this.head);
      this.head = 0;
    }
    return call;
  }

  /** Empties the queue and stops the timer (the connection is gone); returns what waited. */
  drain(): PendingCall[] {
    const waiting = this.queue.slice(this.head);
    this.queue = [];
    this.head = 0;
    if (this.deadlineTimer !== undefined) clearTimeout(this.deadlineTimer);
    this.deadlineTimer = undefined;
    this.armedDeadline = Infinity;
    return waiting;
  }

  private armDeadlineTimer(deadline: number): void {
    if (this.deadlineTimer !== undefined) clearTimeout(this.deadlineTimer);
    this.armedDeadline = deadline;
    this.deadlineTimer = setTimeout(this.onDeadline, Math.max(0, deadline - performance.now()));
    // The socket keeps the process alive while calls wait; the timer must not after they end.
    this.deadlineTimer.unref();
  }

  /** Expires every waiting call whose deadline passed, then re-arms for the next one. */
  private readonly onDeadline = (): void => {
    this.deadlineTimer = undefined;
    this.armedDeadline = Infinity;
    const now = performance.now();
    let next = Infinity;
    const expired: PendingCall[] = [];
    for (let i = this.head; i < this.queue.length; i++) {
      const call = this.queue[i] as PendingCall;
      if (call.settled) continue;
      // 1 ms slack: timers may fire a hair early relative to performance.now().
      if (call.deadline <= now + 1) expired.push(call);
      else if (call.deadline < next) next = call.deadline;
    }
    for (const call of expired) this.onExpired(call);
    if (next !== Infinity && this.watching()) this.armDeadlineTimer(next);
  };
}
