/**
 * The whole stdout + stderr of one OpenOCD process, split into lines with the time each line
 * arrived, for reports (Allure attachment) and for error messages (the last lines).
 */

export interface LogLine {
  /** Milliseconds since the epoch when the line (its last byte) arrived. */
  readonly at: number;
  readonly stream: 'stdout' | 'stderr';
  readonly text: string;
}

export class ProcessLog {
  private readonly entries: LogLine[] = [];
  private readonly partial: Record<LogLine['stream'], string> = { stdout: '', stderr: '' };
  private readonly decoders = { stdout: new TextDecoder('utf-8'), stderr: new TextDecoder('utf-8') };
  private readonly listeners = new Set<(line: LogLine) => void>();

  /** Feeds raw bytes of one stream; complete lines become entries at once. */
  append(stream: LogLine['stream'], chunk: Uint8Array): void {
    const text = this.partial[stream] + this.decoders[stream].decode(chunk, { stream: true });
    const parts = text.split(/\r?\n/);
    this.partial[stream] = parts.pop() ?? '';
    const at = Date.now();
    for (const part of parts) this.add({ at, stream, text: part });
  }

  /** Moves unfinished last lines into the log (at process exit). */
  flush(): void {
    for (const stream of ['stdout', 'stderr'] as const) {
      const rest = this.partial[stream] + this.decoders[stream].decode();
      this.partial[stream] = '';
      if (rest !== '') this.add({ at: Date.now(), stream, text: rest });
    }
  }

  /** Every line so far (a copy). */
  lines(): LogLine[] {
    return this.entries.slice();
  }

  /** The last `count` lines' text, for error messages. */
  tail(count = 20): string[] {
    return this.entries.slice(-count).map((l) => l.text);
  }

  /** Lines that arrived at or after `since` (ms since the epoch). */
  since(since: number): LogLine[] {
    let i = this.entries.length;
    while (i > 0 && (this.entries[i - 1] as LogLine).at >= since) i--;
    return this.entries.slice(i);
  }

  /** The log as text, one line each: ISO time, stream, text. */
  toString(): string {
    return this.entries.map((l) => `${new Date(l.at).toISOString()} ${l.stream === 'stderr' ? 'E' : 'O'} ${l.text}`).join('\n');
  }

  /** Calls `listener` for each new line; returns a function that stops it. */
  onLine(listener: (line: LogLine) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private add(line: LogLine): void {
    this.entries.push(line);
    for (const l of this.listeners) l(line);
  }
}
