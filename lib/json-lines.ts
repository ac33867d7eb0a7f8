/**
 * Newline-delimited JSON over a TCP socket: one JSON value a line. The virtual board's control
 * server answers with it and its client asks with it. Dependency-free: harness/ and fixtures/
 * both import it.
 */
import { connect, type Socket } from 'node:net';

/** Calls `onLine` with each complete line that arrives on `socket` (newline stripped). */
export function onLines(socket: Socket, onLine: (line: string) => void): void {
  let buffered = '';
  socket.on('data', (chunk: Buffer) => {
    buffered += chunk.toString('utf8');
    let newline: number;
    while ((newline = buffered.indexOf('\n')) >= 0) {
      const line = buffered.slice(0, newline);
      buffered = buffered.slice(newline + 1);
      onLine(line);
    }
  });
}

/** Writes `value` as one JSON line. */
export function writeJsonLine(socket: Socket, value: unknown): void {
  socket.write(`${JSON.stringify(value)}\n`);
}

export class JsonLinesError extends Error {
  constructor(
    readonly address: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(`${address}: ${message}`, options);
    this.name = 'JsonLinesError';
  }
}

/**
 * Request and answer over one connection: each request is a JSON line, each answer the next
 * line back (the server answers in request order).
 */
export class JsonLinesClient {
  private readonly waiting: { resolve: (answer: unknown) => void; reject: (error: Error) => void }[] = [];
  private closedError: Error | undefined;

  private constructor(
    private readonly socket: Socket,
    readonly address: string,
  ) {
    onLines(socket, (line) => {
      const waiter = this.waiting.shift();
      if (!waiter) return;
      try {
        waiter.resolve(JSON.parse(line));
      } catch (error) {
        waiter.reject(new JsonLinesError(address, `answer is not JSON: ${line.slice(0, 80)}`, { cause: error }));
      }
    });
    // A failed socket also closes; 'close' rejects whoever still waits.
    socket.on('error', () => undefined);
    socket.on('close', () => {
      this.closedError = new JsonLinesError(address, 'connection closed');
      for (const waiter of this.waiting.splice(0)) waiter.reject(this.closedError);
    });
  }

  static async connect(host: string, port: number): Promise<JsonLinesClient> {
    const address = `${host}:${port}`;
    const socket = connect(port, host);
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('error', (error) => reject(new JsonLinesError(address, `cannot connect: ${error.message}`, { cause: error })));
    });
    return new JsonLinesClient(socket, address);
  }

  /** Sends `request`; resolves with the parsed answer line. */
  request(request: unknown): Promise<unknown> {
    if (this.closedError) return Promise.reject(this.closedError);
    return new Promise((resolve, reject) => {
      this.waiting.push({ resolve, reject });
      writeJsonLine(this.socket, request);
    });
  }

  close(): void {
    this.socket.destroy();
  }
}
