/**
 * Typed failures of the OpenOCD layer. Each carries what a person needs to act: the command as
 * sent, what came back, how long it took, and for the process the last lines of its log.
 */
import { NoVerdictError } from '../exit-codes.js';

/** Clips a long text for an error message, keeping the full value on the error object. */
function clip(text: string, max = 400): string {
  return text.length <= max ? text : `${text.slice(0, max)}… (${text.length} chars)`;
}

function tailText(lines: readonly string[]): string {
  return lines.length === 0 ? '(no output)' : lines.join('\n');
}

/**
 * Base class so callers can catch everything from this module with one `instanceof`. OpenOCD
 * failing is the harness failing to reach a verdict, never a verdict about the board.
 */
export class OpenOcdError extends NoVerdictError {}

/**
 * A Tcl command ran and failed: OpenOCD's `catch` gave a non-zero return code. OpenOCD sends
 * errors exactly like results; our wrapper brings code and message back together.
 */
export class TclCommandError extends OpenOcdError {
  constructor(
    /** The command text as sent (before our catch wrapper). */
    readonly command: string,
    /** OpenOCD's result text for the failure (often the command's printed output, may be empty:
     * many OpenOCD commands report the reason only in the log). */
    readonly tclMessage: string,
    /**
     * The return code: 1 = Tcl error (`error`, unknown command, syntax); a negative number is
     * the OpenOCD ERROR_* code of a failed OpenOCD command (e.g. -4 ERROR_FAIL, -304 target
     * not halted, -907 flash bank not probed); -600 = close connection (`shutdown`).
     */
    readonly returnCode: number,
    readonly elapsedMs: number,
    /** OpenOCD log lines written while the command ran (when the client knows the log). */
    readonly logLines: readonly string[] = [],
  ) {
    super(
      `OpenOCD command failed (code ${returnCode}) after ${elapsedMs.toFixed(1)} ms: ${clip(command, 200)}\n` +
        (tclMessage === '' ? '(no message in the Tcl result)' : clip(tclMessage)) +
        (logLines.length > 0 ? `\nOpenOCD log meanwhile:\n${clip(logLines.slice(-10).join('\n'), 1200)}` : ''),
    );
  }
}

/** No reply within the call's timeout. */
export class TclTimeoutError extends OpenOcdError {
  constructor(
    readonly command: string,
    readonly timeoutMs: number,
    readonly elapsedMs: number,
    /** What the client did about it: kept the connection (the late reply will be discarded) or closed it. */
    readonly policy: 'discard-late-reply' | 'close-connection',
  ) {
    super(`OpenOCD command timed out after ${elapsedMs.toFixed(0)} ms (limit ${timeoutMs} ms; ${policy}): ${clip(command, 200)}`);
  }
}

/** The Tcl connection closed (or was closed) while this call waited, or before it was sent. */
export class TclConnectionLostError extends OpenOcdError {
  constructor(
    readonly command: string,
    readonly reason: string,
    options?: { cause?: unknown },
  ) {
    super(`OpenOCD Tcl connection lost (${reason}) while running: ${clip(command, 200)}`, options);
  }
}

/** A reply frame did not have the shape our wrapper gives every reply. */
export class TclProtocolError extends OpenOcdError {
  constructor(
    readonly command: string,
    /** The frame as received, decoded as UTF-8. */
    readonly raw: string,
    readonly problem: string,
  ) {
    super(`OpenOCD Tcl reply malformed (${problem}) for: ${clip(command, 200)}\nraw: ${clip(JSON.stringify(raw))}`);
  }
}

/** A request the Tcl server would mangle (OpenOCD drops lines over 4 MiB without a terminator). */
export class TclRequestTooLargeError extends OpenOcdError {
  constructor(
    readonly command: string,
    readonly bytes: number,
    readonly limit: number,
  ) {
    super(`OpenOCD Tcl request of ${bytes} bytes exceeds the server's line limit of ${limit} bytes: ${clip(command, 120)}`);
  }
}

/** Typed command output that did not parse (a format we did not expect from OpenOCD 0.12). */
export class OpenOcdOutputParseError extends OpenOcdError {
  constructor(
    readonly command: string,
    readonly output: string,
    readonly expected: string,
  ) {
    super(`Unexpected OpenOCD output for ${clip(command, 200)}: expected ${expected}\noutput: ${clip(output)}`);
  }
}

/** No usable openocd binary. */
export class OpenOcdNotFoundError extends OpenOcdError {
  constructor(
    /** Every place looked at, in order, and why it was not used. */
    readonly tried: readonly string[],
  ) {
    super(
      `OpenOCD not found. Tried:\n  ${tried.join('\n  ')}\n` +
        'Install it (Debian/Ubuntu: `sudo apt-get install openocd`), or set OPENOCD=/path/to/openocd, ' +
        'or give the board entry an explicit binary path.',
    );
  }
}

/** The binary runs but is older than what the harness needs. */
export class OpenOcdVersionError extends OpenOcdError {
  constructor(
    readonly binary: string,
    readonly found: string,
    readonly required: string,
    readonly versionOutput: string,
  ) {
    super(
      `OpenOCD at ${binary} is version ${found}; the harness needs >= ${required} ` +
        '(tcl_notifications, read_memory/write_memory, adapter assert/deassert). ' +
        `Install a newer one (Debian bookworm and later ship 0.12.0).\n--version said: ${clip(versionOutput)}`,
    );
  }
}

/** OpenOCD exited (or failed to spawn) before its Tcl port answered. */
export class OpenOcdStartError extends OpenOcdError {
  constructor(
    readonly binary: string,
    readonly args: readonly string[],
    readonly exitCode: number | null,
    readonly signal: string | null,
    readonly lastLogLines: readonly string[],
    readonly reason: string,
    options?: { cause?: unknown },
  ) {
    super(
      `OpenOCD did not start (${reason}; exit code ${exitCode ?? '-'}, signal ${signal ?? '-'}).\n` +
        `command: ${binary} ${args.join(' ')}\nlast log lines:\n${tailText(lastLogLines)}`,
      options,
    );
  }
}

/** OpenOCD exited while the harness was using it (not asked to stop). */
export class OpenOcdExitedError extends OpenOcdError {
  constructor(
    readonly pid: number | undefined,
    readonly exitCode: number | null,
    readonly signal: string | null,
    readonly lastLogLines: readonly string[],
  ) {
    super(
      `OpenOCD (pid ${pid ?? '?'}) exited unexpectedly (exit code ${exitCode ?? '-'}, signal ${signal ?? '-'}).\n` +
        `last log lines:\n${tailText(lastLogLines)}`,
    );
  }
}

/** `stop()` could not make OpenOCD exit, even with SIGKILL. */
export class OpenOcdStopError extends OpenOcdError {
  constructor(
    readonly pid: number | undefined,
    readonly lastLogLines: readonly string[],
  ) {
    super(`OpenOCD (pid ${pid ?? '?'}) did not exit after shutdown, SIGTERM and SIGKILL.\nlast log lines:\n${tailText(lastLogLines)}`);
  }
}

/** `verify_image` found differences; they are parsed from OpenOCD's "diff N address …" lines. */
export class ImageVerifyError extends TclCommandError {
  constructor(
    command: string,
    tclMessage: string,
    returnCode: number,
    elapsedMs: number,
    /** First differences OpenOCD printed (it stops after 128). */
    readonly differences: readonly { address: number; actual: number; expected: number }[],
    logLines: readonly string[] = [],
  ) {
    super(command, tclMessage, returnCode, elapsedMs, logLines);
  }
}
