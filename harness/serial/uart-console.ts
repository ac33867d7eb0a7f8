/**
 * UART console over @serialport/bindings-cpp directly (no stream layer): a read loop that splits
 * bytes into lines, a timestamped transcript for reports, and `expect(pattern, timeout)` in the
 * manner of pexpect — each match consumes the lines up to it, so a spec reads the boot log in
 * order. A missing or vanished tty is a typed error, never a silent timeout.
 */
import { existsSync, statSync } from 'node:fs';
import { autoDetect } from '@serialport/bindings-cpp';
import type { BindingInterface, BindingPortInterface } from '@serialport/bindings-cpp';
import { AssertionError } from 'chai';
import { NoVerdictError } from '../exit-codes.js';

export interface UartLine {
  /** Milliseconds since the console was opened. */
  readonly atMs: number;
  readonly text: string;
}

export interface UartConsoleOptions {
  path: string;
  baudRate?: number;
  /** Board id, for error messages. */
  boardId?: string;
  /** Injected for unit tests of this module only; the real binding otherwise. */
  binding?: BindingInterface;
  /** Lines kept in the transcript (oldest dropped first). */
  maxTranscriptLines?: number;
  /** How often the tty's device node is checked while the console is open. */
  presenceCheckMs?: number;
}

/** Which device a path names: a re-created node (USB re-enumeration) is another device. */
function deviceIdentity(path: string): string | undefined {
  try {
    const stat = statSync(path);
    return `${stat.dev}:${stat.ino}:${stat.rdev}`;
  } catch {
    return undefined;
  }
}

export class UartNotFoundError extends NoVerdictError {
  constructor(
    readonly path: string,
    readonly boardId: string | undefined,
  ) {
    super(
      `UART ${path}${boardId ? ` of board ${boardId}` : ''} does not exist: is the board (or its USB-serial adapter) connected, and is boards.json's uart.path right?`,
    );
    this.name = 'UartNotFoundError';
  }
}

export class UartOpenError extends NoVerdictError {
  constructor(
    readonly path: string,
    readonly boardId: string | undefined,
    readonly causeText: string,
  ) {
    super(`cannot open UART ${path}${boardId ? ` of board ${boardId}` : ''}: ${causeText}`);
    this.name = 'UartOpenError';
  }
}

export class UartDisconnectedError extends NoVerdictError {
  constructor(
    readonly path: string,
    readonly causeText: string,
  ) {
    super(`UART ${path} went away: ${causeText}`);
    this.name = 'UartDisconnectedError';
  }
}

/**
 * Nothing matched in time: a statement about the board (a verdict, hence an AssertionError),
 * with what the board said instead as the evidence.
 */
export class UartExpectTimeoutError extends AssertionError<Record<string, never>> {
  constructor(
    readonly pattern: string,
    readonly timeoutMs: number,
    readonly lastLines: readonly string[],
  ) {
    super(
      `no UART line matched ${pattern} within ${timeoutMs} ms; last lines seen:\n` +
        (lastLines.length > 0 ? lastLines.map((l) => `  | ${l}`).join('\n') : '  (nothing)'),
    );
  }
}

interface Waiter {
  readonly test: (line: string) => boolean;
  readonly resolve: (line: UartLine) => void;
  readonly reject: (error: Error) => void;
}

export class UartConsole {
  readonly transcript: UartLine[] = [];
  private readonly openedAt = Date.now();
  private partial = '';
  private readonly decoder = new TextDecoder('utf-8', { fatal: false });
  /** Index in `transcript` of the first line not yet consumed by `expect`. */
  private cursor = 0;
  /** Lines dropped from the front of the transcript, so `cursor` stays meaningful. */
  private dropped = 0;
  private waiter: Waiter | undefined;
  private closed = false;
  private failure: Error | undefined;
  private readonly readLoop: Promise<void>;
  private readonly presence: NodeJS.Timeout | undefined;

  private constructor(
    private readonly port: BindingPortInterface,
    readonly path: string,
    private readonly maxLines: number,
    identity: string | undefined,
    presenceCheckMs: number,
  ) {
    this.readLoop = this.pump();
    // A hung-up tty (its pty master closed, its USB adapter unplugged) reads as end of file,
    // which the binding retries forever instead of failing the read. The node going away, or
    // becoming another device, is what tells a vanished tty from a quiet one.
    if (identity !== undefined) {
      this.presence = setInterval(() => {
        if (this.closed || this.failure) return;
        const now = deviceIdentity(path);
        if (now === identity) return;
        this.fail(new UartDisconnectedError(path, now === undefined ? 'the tty no longer exists' : 'the tty is now another device'));
        // Stops the binding's end-of-file retries; close() later finds it released.
        this.port.close().catch(() => undefined);
      }, presenceCheckMs);
      this.presence.unref();
    }
  }

  static async open(options: UartConsoleOptions): Promise<UartConsole> {
    const binding = options.binding ?? autoDetect();
    if (!options.binding && !existsSync(options.path)) throw new UartNotFoundError(options.path, options.boardId);
    let port: BindingPortInterface;
    try {
      port = await binding.open({ path: options.path, baudRate: options.baudRate ?? 115200 });
    } catch (error) {
      throw new UartOpenError(options.path, options.boardId, error instanceof Error ? error.message : String(error));
    }
    const identity = options.binding ? undefined : deviceIdentity(options.path);
    return new UartConsole(port, options.path, options.maxTranscriptLines ?? 100_000, identity, options.presenceCheckMs ?? 200);
  }

  /**
   * Waits for the next line (after those already consumed) that matches `pattern`, consuming
   * every line up to and including it. Lines that arrived before the call count too.
   */
  expect(pattern: RegExp | string, timeoutMs: number): Promise<UartLine> {
    if (this.waiter) return Promise.reject(new Error('UartConsole.expect: another expect is still pending'));
    const test = typeof pattern === 'string' ? (line: string) => line.includes(pattern) : (line: string) => pattern.test(line);
    const found = this.consumeUntil(test);
    if (found) return Promise.resolve(found);
    if (this.failure) return Promise.reject(this.failure);
    return new Promise<UartLine>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiter = undefined;
        reject(new UartExpectTimeoutError(String(pattern), timeoutMs, this.lastLines(20)));
      }, timeoutMs);
      this.waiter = {
        test,
        resolve: (line) => {
          clearTimeout(timer);
          resolve(line);
        },
        reject: (error) => {
          clearTimeout(timer);
          reject(error);
        },
      };
    });
  }

  /**
   * Marks everything received so far as consumed, an unfinished line included: the next
   * `expect` sees only what arrives from now on. (The transcript keeps it all.)
   */
  skipReceived(): void {
    if (this.partial.length > 0) {
      this.transcript.push({ atMs: Date.now() - this.openedAt, text: `${this.partial} (cut)` });
      this.partial = '';
    }
    this.cursor = this.dropped + this.transcript.length;
  }

  async write(text: string | Uint8Array): Promise<void> {
    await this.port.write(Buffer.from(typeof text === 'string' ? Buffer.from(text, 'utf8') : text));
  }

  lastLines(count: number): string[] {
    const lines = this.transcript.slice(-count).map((l) => l.text);
    if (this.partial.length > 0) lines.push(`${this.partial} (no newline yet)`);
    return lines;
  }

  /** The transcript as text, one `[+12.345s] line` per line, for reports. */
  transcriptText(): string {
    return this.transcript.map((l) => `[+${(l.atMs / 1000).toFixed(3)}s] ${l.text}`).join('\n');
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.presence);
    try {
      await this.port.close();
    } catch {
      // Already gone (vanished tty): nothing left to release.
    }
    await this.readLoop;
    this.waiter?.reject(new UartDisconnectedError(this.path, 'console closed'));
    this.waiter = undefined;
  }

  private consumeUntil(test: (line: string) => boolean): UartLine | undefined {
    for (let i = this.cursor - this.dropped; i < this.transcript.length; i++) {
      const line = this.transcript[i]!;
      if (test(line.text)) {
        this.cursor = this.dropped + i + 1;
        return line;
      }
    }
    this.cursor = this.dropped + this.transcript.length;
    return undefined;
  }

  private async pump(): Promise<void> {
    const buffer = Buffer.alloc(4096);
    while (!this.closed) {
      let bytesRead: number;
      try {
        ({ bytesRead } = await this.port.read(buffer, 0, buffer.length));
      } catch (error) {
        if (this.closed || (error as { canceled?: boolean }).canceled) return;
        this.fail(new UartDisconnectedError(this.path, error instanceof Error ? error.message : String(error)));
        return;
      }
      this.accept(this.decoder.decode(buffer.subarray(0, bytesRead), { stream: true }));
    }
  }

  private accept(text: string): void {
    const parts = (this.partial + text).split('\n');
    this.partial = parts.pop() ?? '';
    for (const raw of parts) {
      const line: UartLine = { atMs: Date.now() - this.openedAt, text: raw.replace(/\r$/, '') };
      this.transcript.push(line);
      if (this.transcript.length > this.maxLines) {
        this.transcript.shift();
        this.dropped++;
      }
      const waiter = this.waiter;
      if (waiter) {
        const found = this.consumeUntil(waiter.test);
        if (found) {
          this.waiter = undefined;
          waiter.resolve(found);
        }
      }
    }
  }

  private fail(error: Error): void {
    this.failure = error;
    this.waiter?.reject(error);
    this.waiter = undefined;
  }
}
