/**
 * Reads one boot from the UART for `hil boot`: every line after the reset, until the story is
 * told (the bootloader's verdict and, after `image=ok`, the app's first line or a fault), or the
 * timeout. Pure decision logic (`BootStory`) is separate from the waiting, so it is unit-tested.
 */
import { imageVerdictOf, parseBootLogLine, type BootLogEvent, type FaultEvent } from '../serial/boot-log.js';
import { UartExpectTimeoutError, type UartConsole, type UartLine } from '../serial/uart-console.js';
import { ExitCode } from '../exit-codes.js';

/** After the story is complete, lines that arrive within this many ms are still collected. */
const TRAILING_MS = 300;
/** After `image=ok`, how long to wait for the app's first line (or a fault). */
const APP_START_MS = 3000;

export interface BootLine extends UartLine {
  readonly event: BootLogEvent;
}

export class BootStory {
  readonly lines: BootLine[] = [];
  verdict: { image: string; reason?: string; line: string } | undefined;
  fault: FaultEvent | undefined;
  appLine: string | undefined;

  /** Adds a line; returns how much longer (ms) to keep listening, or undefined for "until the timeout". */
  add(line: UartLine): number | undefined {
    const event = parseBootLogLine(line.text);
    this.lines.push({ ...line, event });
    if (event.kind === 'fault') {
      this.fault ??= event;
      return TRAILING_MS;
    }
    const verdict = imageVerdictOf(event);
    if (verdict) {
      this.verdict = { ...verdict, line: line.text };
      return verdict.image === 'ok' || verdict.image === 'unchecked' ? APP_START_MS : TRAILING_MS;
    }
    if (event.kind === 'app' && this.appLine === undefined) {
      this.appLine = line.text;
      return TRAILING_MS;
    }
    return this.verdict || this.fault ? TRAILING_MS : undefined;
  }

  /** 1 when the board faulted, 0 when the bootloader gave a verdict, 2 when nothing usable came. */
  get exitCode(): number {
    if (this.fault) return ExitCode.VerdictFailed;
    if (this.verdict) return ExitCode.Passed;
    return ExitCode.NoVerdict;
  }

  get conclusion(): string {
    if (this.fault) {
      const r = this.fault.registers;
      const pc = r.pc !== undefined ? ` pc=0x${r.pc.toString(16).padStart(8, '0')}` : '';
      return `boot fault: ${this.fault.type}${this.fault.where ? ` in ${this.fault.where}` : ''}${pc}${this.fault.explanation.length ? ` (${this.fault.explanation.join('; ')})` : ''}`;
    }
    if (this.verdict) {
      const base = `bootloader verdict: image=${this.verdict.image}${this.verdict.reason ? ` reason=${this.verdict.reason}` : ''}`;
      if (this.verdict.image === 'ok' || this.verdict.image === 'unchecked')
        return `${base}; ${this.appLine ? `app started: ${this.appLine}` : 'no app line within 3 s'}`;
      return base;
    }
    return this.lines.length === 0
      ? 'no UART output at all: is the bootloader programmed (hil program --internal <bootloader.elf>) and the UART wired?'
      : 'no bootloader verdict line (HIL-BOOT image=...) in the output';
  }
}

/** Collects lines until the story is complete or `timeoutMs` passed since the call. */
export async function readBoot(uart: UartConsole, timeoutMs: number): Promise<BootStory> {
  const story = new BootStory();
  const started = performance.now();
  let deadline = started + timeoutMs;
  for (;;) {
    const remaining = Math.floor(deadline - performance.now());
    if (remaining <= 0) break;
    let line: UartLine;
    try {
      line = await uart.expect(/(?:)/, remaining);
    } catch (error) {
      if (error instanceof UartExpectTimeoutError) break;
      throw error;
    }
    const more = story.add(line);
    if (more !== undefined) deadline = Math.min(started + timeoutMs, performance.now() + more);
  }
  return story;
}
