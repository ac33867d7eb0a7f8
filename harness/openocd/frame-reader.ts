/**
 * Splits the byte stream of OpenOCD's Tcl server into frames. Every frame the server sends
 * (a command's result, or an asynchronous notification) ends with one 0x1a byte
 * (src/server/tcl_server.c: `tcl_output(connection, "\x1a", 1)`), and TCP may hand us a frame
 * cut anywhere or several frames in one chunk. Like node-postgres' pg-protocol parser, this
 * keeps the leftover bytes of an unfinished frame in one growing buffer (doubled when full)
 * and hands out whole frames only. Frames stay bytes: UTF-8 decoding happens
 * after framing, because a multi-byte character may be split across chunks.
 */

/** The Tcl server's frame terminator (ASCII SUB, "ctrl-z"). */
export const FRAME_TERMINATOR = 0x1a;

const INITIAL_CAPACITY = 64 * 1024;

/** Receives one frame: the bytes `buffer[start..end)`. */
export type FrameHandler = (buffer: Buffer, start: number, end: number) => void;

export class FrameReader {
  private buffer: Buffer = Buffer.allocUnsafe(0);
  /** Number of bytes of the unfinished frame held at the start of `buffer`. */
  private length = 0;

  /** Bytes received but not yet part of a complete frame. */
  get pendingBytes(): number {
    return this.length;
  }

  /**
   * Feeds one chunk and calls `onFrame(buffer, start, end)` for each frame it completes, in
   * order, without the terminator: the frame is `buffer[start..end)`. Offsets rather than a
   * subarray per frame spare an allocation per reply on the hot path. `buffer` is `chunk` or a
   * fresh copy when the frame spanned chunks; we never write into either afterwards.
   */
  push(chunk: Buffer, onFrame: FrameHandler): void {
    let start = 0;
    if (this.length > 0) {
      // An unfinished frame is waiting: complete it first.
      const end = chunk.indexOf(FRAME_TERMINATOR);
      if (end < 0) {
        this.append(chunk, 0, chunk.length);
        return;
      }
      this.append(chunk, 0, end);
      const frame = Buffer.from(this.buffer.subarray(0, this.length));
      this.length = 0;
      // Release a buffer grown by a huge reply so one 1 MiB result does not pin memory.
      if (this.buffer.length > INITIAL_CAPACITY * 4) this.buffer = Buffer.allocUnsafe(0);
      onFrame(frame, 0, frame.length);
      start = end + 1;
    }
    // Whole frames inside this chunk are handed out as views, without copying.
    for (;;) {
      const end = chunk.indexOf(FRAME_TERMINATOR, start);
      if (end < 0) break;
      onFrame(chunk, start, end);
      start = end + 1;
    }
    if (start < chunk.length) this.append(chunk, start, chunk.length);
  }

  /** Drops any partial frame (used when the connection is closed). */
  reset(): void {
    this.buffer = Buffer.allocUnsafe(0);
    this.length = 0;
  }

  private append(chunk: Buffer, from: number, to: number): void {
    const size = to - from;
    if (size === 0) return;
    const needed = this.length + size;
    if (needed > this.buffer.length) {
      let capacity = Math.max(this.buffer.length, INITIAL_CAPACITY);
      while (capacity < needed) capacity *= 2;
      const grown = Buffer.allocUnsafe(capacity);
      this.buffer.copy(grown, 0, 0, this.length);
      this.buffer = grown;
    }
    chunk.copy(this.buffer, this.length, from, to);
    this.length = needed;
  }
}
