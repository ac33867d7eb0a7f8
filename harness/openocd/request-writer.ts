/**
 * The outbound half of a Tcl connection: each request is one line ended by the 0x1a frame
 * terminator, no longer than OpenOCD's server accepts, and every request made in one tick goes
 * out in a single socket write, so a pipelined burst costs one syscall instead of one per call.
 */
import type { Socket } from 'node:net';
import { TclRequestTooLargeError } from './errors.js';
import { FRAME_TERMINATOR } from './frame-reader.js';

/** OpenOCD's TCL_LINE_MAX is 4 MiB including the terminator; longer lines are dropped. */
export const TCL_SERVER_LINE_LIMIT = 4 * 1024 * 1024 - 2;

const TERMINATOR = String.fromCharCode(FRAME_TERMINATOR);

/** The error for a request OpenOCD would drop unanswered, or undefined if `text` fits. */
export function oversizeRequest(command: string, text: string): TclRequestTooLargeError | undefined {
  // Cheap bound first: a UTF-16 unit is at most 3 UTF-8 bytes.
  if (text.length * 3 <= TCL_SERVER_LINE_LIMIT) return undefined;
  const bytes = Buffer.byteLength(text);
  return bytes > TCL_SERVER_LINE_LIMIT ? new TclRequestTooLargeError(command, bytes, TCL_SERVER_LINE_LIMIT) : undefined;
}

export class RequestWriter {
  /** Requests gathered in this tick, written with one socket write. */
  private outgoing: string[] = [];
  private flushScheduled = false;

  constructor(
    private readonly socket: Socket,
    /** Whether the connection still takes writes (not once it is closing). */
    private readonly open: () => boolean,
  ) {}

  /** Queues one request line (without terminator) for this tick's write. */
  write(text: string): void {
    this.outgoing.push(text);
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      queueMicrotask(this.flush);
    }
  }

  private readonly flush = (): void => {
    this.flushScheduled = false;
    if (this.outgoing.length === 0 || !this.open()) return;
    const data = this.outgoing.length === 1 ? this.outgoing[0] + TERMINATOR : this.outgoing.join(TERMINATOR) + TERMINATOR;
    this.outgoing = [];
    this.socket.write(data, 'utf8');
  };
}
