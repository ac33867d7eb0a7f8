/**
 * The one way user data enters Tcl text: `tclQuote(s)` turns any well-formed string into a
 * single Tcl word that OpenOCD's Jim Tcl (0.81 in Debian's OpenOCD 0.12) reads back literally.
 *
 * Why a double-quoted word with backslash escapes and not braces: a braced word cannot hold
 * unbalanced braces or end in a backslash. Inside double quotes only `\`, `"`, `$` and `[`
 * are special; we also escape `]`, `{` and `}` so the word stays safe when a caller nests it
 * inside a braced script. Control characters (including NUL and 0x1a) become `\u00HH`:
 * - 0x1a would end the request early (it is the Tcl server's frame terminator);
 * - a raw NUL would truncate it (tcl_server.c hands the line to Jim as a C string);
 * - `\xHH` is wrong for bytes >= 0x80 (Jim 0.81 inserts the raw byte, not UTF-8), and `\u`
 *   with exactly four digits cannot swallow a following hex digit.
 * Other characters, non-ASCII and astral ones included, travel as UTF-8 untouched.
 */

/** A string that cannot become a Tcl word: it holds a lone UTF-16 surrogate. */
export class TclQuoteError extends RangeError {
  constructor(
    readonly value: string,
    readonly index: number,
  ) {
    super(
      `tclQuote: lone UTF-16 surrogate 0x${value.charCodeAt(index).toString(16)} at index ${index}; ` +
        'it has no UTF-8 form, so OpenOCD could not read it back literally',
    );
    this.name = 'TclQuoteError';
  }
}

/** Words made only of these characters mean the same bare as quoted (and read better in logs). */
const BARE_WORD = /^[A-Za-z0-9_.,:/+=@%-]+$/;
/** Characters backslash-escaped as themselves inside the double quotes: \\ " $ [ ] { }. */
function isQuotedSpecial(c: number): boolean {
  return c === 0x5c || c === 0x22 || c === 0x24 || c === 0x5b || c === 0x5d || c === 0x7b || c === 0x7d;
}

function isControl(c: number): boolean {
  return c < 0x20 || c === 0x7f;
}

/** The escaped body, or undefined when nothing needs escaping. Throws on a lone surrogate. */
function escapeBody(s: string): string | undefined {
  let out: string | undefined;
  let copied = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    let replacement: string;
    if (isQuotedSpecial(c)) {
      replacement = '\\' + s[i];
    } else if (isControl(c)) {
      replacement = '\\u00' + c.toString(16).padStart(2, '0');
    } else if (c >= 0xd800 && c <= 0xdbff) {
      const next = s.charCodeAt(i + 1);
      if (!(next >= 0xdc00 && next <= 0xdfff)) throw new TclQuoteError(s, i);
      i++; // a valid pair: copied as is
      continue;
    } else if (c >= 0xdc00 && c <= 0xdfff) {
      throw new TclQuoteError(s, i);
    } else {
      continue;
    }
    out = (out ?? '') + s.slice(copied, i) + replacement;
    copied = i + 1;
  }
  return out === undefined ? undefined : out + s.slice(copied);
}

export function tclQuote(s: string): string {
  if (BARE_WORD.test(s)) return s;
  return '"' + (escapeBody(s) ?? s) + '"';
}

/** A value that may become one Tcl word. Numbers must be finite; bigints print in decimal. */
export type TclWordValue = string | number | bigint;

function wordText(value: TclWordValue): string {
  if (typeof value === 'number' && !Number.isFinite(value)) {
    throw new RangeError(`tclCommand: ${value} is not a number OpenOCD can read`);
  }
  return String(value);
}

/** Builds one Tcl command: every argument quoted with `tclQuote` and joined by spaces. */
export function tclCommand(...words: TclWordValue[]): string {
  return words.map((w) => tclQuote(wordText(w))).join(' ');
}

/** A Tcl list of values as one word (for `write_memory addr width {list}`). */
export function tclList(values: readonly TclWordValue[]): string {
  return tclQuote(values.map((v) => tclQuote(wordText(v))).join(' '));
}
