/**
 * Progress of a programming run for people: a cli-progress bar on a terminal (stderr, so stdout
 * stays clean), plain lines otherwise (CI logs, pipes, --json): one when the phase changes and
 * one every 10 % of the bytes written.
 */
import cliProgress from 'cli-progress';
import type { ProgressEvent } from '../flash/programmer.js';

export interface ProgressSink {
  update(event: ProgressEvent): void;
  stop(): void;
}

export function formatProgressLine(e: ProgressEvent): string {
  const pct = e.totalBytes === 0 ? 100 : Math.floor((e.bytesWritten / e.totalBytes) * 100);
  return `${e.phase.padEnd(6)} ${String(pct).padStart(3)}%  ${e.bytesWritten}/${e.totalBytes} bytes written, ${e.unitsErased}/${e.totalUnits} erase units (64 KiB), ${(e.elapsedMs / 1000).toFixed(1)} s`;
}

/** Plain lines: on a phase change and at each further 10 % of bytes written. */
export function plainProgress(write: (line: string) => void): ProgressSink {
  let phase: string | undefined;
  let lastDecile = -1;
  return {
    update(e) {
      const decile = e.totalBytes === 0 ? 10 : Math.floor((e.bytesWritten / e.totalBytes) * 10);
      if (e.phase !== phase || (e.phase === 'write' && decile > lastDecile)) {
        phase = e.phase;
        lastDecile = decile;
        write(formatProgressLine(e));
      }
    },
    stop() {},
  };
}

export function barProgress(): ProgressSink {
  const bar = new cliProgress.SingleBar(
    {
      format: '{phase} |{bar}| {percentage}% {value}/{total} bytes | erased {units}/{totalUnits} x 64 KiB | {seconds} s',
      hideCursor: true,
      stream: process.stderr,
    },
    cliProgress.Presets.shades_classic,
  );
  let started = false;
  return {
    update(e) {
      const payload = { phase: e.phase.padEnd(6), units: e.unitsErased, totalUnits: e.totalUnits, seconds: (e.elapsedMs / 1000).toFixed(1) };
      if (!started) {
        bar.start(e.totalBytes, e.bytesWritten, payload);
        started = true;
      } else {
        bar.update(e.bytesWritten, payload);
      }
    },
    stop() {
      if (started) bar.stop();
    },
  };
}

/** The bar on an interactive stderr unless --json; plain lines otherwise (stderr with --json). */
export function progressFor(json: boolean, isTty = process.stderr.isTTY === true): ProgressSink {
  if (isTty && !json) return barProgress();
  return plainProgress((line) => (json ? process.stderr : process.stdout).write(`${line}\n`));
}
