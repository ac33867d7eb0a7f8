/**
 * What one reply frame means for the call it answers: the result text, or the typed error a
 * caller can act on. A frame that does not decode (rpc-wire.ts) is a TclProtocolError; a return
 * code that is neither success nor one the call accepts is a TclCommandError. Many OpenOCD
 * commands fail with an empty Tcl result and say why only in their log ("Error: Target not
 * halted"), so when the supervisor's log is at hand the error carries those lines.
 */
import { performance } from 'node:perf_hooks';
import { TclCommandError, TclProtocolError } from './errors.js';
import type { PendingCall } from './pending-calls.js';
import { decodeReply, isSuccessCode } from './rpc-wire.js';

/** How a call ended; `code` and `text` are absent when no well-formed reply arrived. */
export interface CallOutcome {
  readonly code?: number;
  readonly text?: string;
  readonly error?: Error;
}

/** OpenOCD log lines written since a wall-clock time (ms since the epoch). */
export type CommandErrorLog = (sinceWallMs: number) => readonly string[];

/**
 * Maps the wrapped reply `frame[start..end)` of `call` to its outcome and hands it to `settle`:
 * at once, or one event-loop turn later for a failure whose log lines are wanted.
 */
export function mapReply(
  call: PendingCall,
  frame: Buffer,
  start: number,
  end: number,
  elapsedMs: number,
  commandErrorLog: CommandErrorLog | undefined,
  settle: (outcome: CallOutcome) => void,
): void {
  const reply = decodeReply(frame, start, end);
  if (!reply.ok) {
    settle({ error: new TclProtocolError(call.command, frame.toString('utf8', start, end), reply.problem) });
    return;
  }
  const { code, text } = reply;
  if (isSuccessCode(code) || call.acceptCodes?.includes(code)) {
    settle({ code, text });
  } else if (commandErrorLog) {
    // OpenOCD logged the reason before replying, but its stderr pipe may be read just after
    // this socket chunk: one turn of the event loop lets those lines arrive.
    setImmediate(() => {
      const lines = commandErrorLog(performance.timeOrigin + call.sentAt - 5);
      settle({ code, text, error: new TclCommandError(call.command, text, code, elapsedMs, lines) });
    });
  } else {
    settle({ code, text, error: new TclCommandError(call.command, text, code, elapsedMs) });
  }
}
