/**
 * The request/reply encoding our client puts on top of OpenOCD's Tcl server.
 *
 * Why: the server sends a failed command's message exactly like a result, and a reply cannot be
 * told from a notification except by content. So every command runs inside a small proc,
 * defined once per connection, that catches it at global level and returns one frame:
 *
 *   0x02 <return code> SP <byte length of body> SP <body>
 *
 * - 0x02 marks a reply; notification frames start with "type ", anything else is malformed.
 * - The body is the result (or error message) with 0x1b doubled and 0x1a written as 0x1b 'z',
 *   so a result holding 0x1a cannot end the frame early. Both bytes are ASCII, so the escape
 *   works on bytes and never touches a UTF-8 sequence.
 * - The byte length (Jim's `string bytelength`, after escaping) lets us prove the frame arrived
 *   whole.
 * The command goes to the proc as one tclQuote'd word, so even text with unbalanced braces
 * reaches Jim intact and fails inside the catch, never around it.
 */
import { tclQuote } from './tcl-quote.js';

export const RPC_PROC_NAME = '__hil_rpc';

/** Sent once per connection before any wrapped call; Jim answers with the proc's name. */
export const RPC_PROC_DEFINITION =
  `proc ${RPC_PROC_NAME} {__hil_s} {` +
  'set __hil_c [catch {uplevel #0 $__hil_s} __hil_m]; ' +
  'set __hil_e [string map {\\x1b \\x1b\\x1b \\x1a \\x1bz} $__hil_m]; ' +
  'return "\\x02$__hil_c [string bytelength $__hil_e] $__hil_e"}';

export const REPLY_MARKER = 0x02;
const ESCAPE = 0x1b;
const ESCAPED_TERMINATOR = 0x7a; // 'z'

/** The text sent for one call (without the 0x1a terminator). */
export function wrapCommand(command: string): string {
  return `${RPC_PROC_NAME} ${tclQuote(command)}`;
}

/**
 * Tcl return codes that mean success. 0 = ok; 2 = `return` at top level, which OpenOCD's own
 * command_run_line also treats as a normal result.
 */
export function isSuccessCode(code: number): boolean {
  return code === 0 || code === 2;
}

export type DecodedReply = { readonly ok: true; readonly code: number; readonly text: string } | { readonly ok: false; readonly problem: string };

/** Parses an ASCII integer at `from`, followed by a space, into `out`; false if malformed. */
function readInt(frame: Buffer, from: number, end: number, out: { value: number; next: number }): boolean {
  let i = from;
  let negative = false;
  if (frame[i] === 0x2d) {
    negative = true;
    i++;
  }
  const digitsStart = i;
  let value = 0;
  while (i < end) {
    const b = frame[i];
    if (b < 0x30 || b > 0x39) break;
    value = value * 10 + (b - 0x30);
    i++;
  }
  if (i === digitsStart || i - digitsStart > 15 || i >= end || frame[i] !== 0x20) return false;
  out.value = negative ? -value : value;
  out.next = i + 1;
  return true;
}

function unescapeBody(body: Buffer): Buffer | undefined {
  const out = Buffer.allocUnsafe(body.length);
  let n = 0;
  for (let i = 0; i < body.length; i++) {
    const b = body[i];
    if (b !== ESCAPE) {
      out[n++] = b;
      continue;
    }
    const next = body[++i];
    if (next === ESCAPE) out[n++] = ESCAPE;
    else if (next === ESCAPED_TERMINATOR) out[n++] = 0x1a;
    else return undefined;
  }
  return out.subarray(0, n);
}

/**
 * Decodes the frame `frame[start..end)` (whole buffer by default), which should start with
 * REPLY_MARKER. UTF-8 decoding happens here, after framing.
 */
export function decodeReply(frame: Buffer, start = 0, end = frame.length): DecodedReply {
  if (end <= start || frame[start] !== REPLY_MARKER) return { ok: false, problem: 'no reply marker' };
  const code = { value: 0, next: 0 };
  if (!readInt(frame, start + 1, end, code)) return { ok: false, problem: 'bad return code field' };
  const length = { value: 0, next: 0 };
  if (!readInt(frame, code.next, end, length)) return { ok: false, problem: 'bad length field' };
  const bodyLength = end - length.next;
  if (bodyLength !== length.value) {
    return { ok: false, problem: `body is ${bodyLength} bytes, header says ${length.value}` };
  }
  const escapeAt = frame.indexOf(ESCAPE, length.next);
  if (escapeAt < 0 || escapeAt >= end) return { ok: true, code: code.value, text: frame.toString('utf8', length.next, end) };
  const unescaped = unescapeBody(frame.subarray(length.next, end));
  if (!unescaped) return { ok: false, problem: 'bad escape in body' };
  return { ok: true, code: code.value, text: unescaped.toString('utf8') };
}
