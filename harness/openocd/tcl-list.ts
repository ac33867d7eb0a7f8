/**
 * Parses a Tcl list (the string form Jim gives a list result, e.g. `flash list`) into its
 * elements: braced elements are literal, quoted and bare ones get backslash substitution.
 */

export class TclListParseError extends Error {
  constructor(
    readonly text: string,
    readonly problem: string,
  ) {
    super(`not a Tcl list (${problem}): ${text.length > 200 ? text.slice(0, 200) + '…' : text}`);
    this.name = 'TclListParseError';
  }
}

const SIMPLE_ESCAPES: Record<string, string> = { n: '\n', t: '\t', r: '\r', a: '\x07', b: '\b', f: '\f', v: '\v' };

function isSpace(ch: string | undefined): boolean {
  return ch === ' ' || ch === '\t' || ch === '\n' || ch === '\r' || ch === '\f' || ch === '\v';
}

/** One backslash sequence starting at `text[i] === '\\'`: its value and the index after it. */
function backslash(text: string, i: number): [string, number] {
  const next = text[i + 1];
  if (next === undefined) return ['\\', i + 1];
  const simple = SIMPLE_ESCAPES[next];
  if (simple !== undefined) return [simple, i + 2];
  const hexRun = (start: number, max: number): string => {
    let end = start;
    while (end < text.length && end - start < max && /[0-9a-fA-F]/.test(text[end] as string)) end++;
    return text.slice(start, end);
  };
  if (next === 'u' || next === 'x') {
    const digits = hexRun(i + 2, next === 'u' ? 4 : 2);
    if (digits !== '') return [String.fromCodePoint(parseInt(digits, 16)), i + 2 + digits.length];
  }
  if (next === '\n') {
    let j = i + 2;
    while (text[j] === ' ' || text[j] === '\t') j++;
    return [' ', j];
  }
  return [next, i + 2];
}

export function parseTclList(text: string): string[] {
  const out: string[] = [];
  let i = 0;
  for (;;) {
    while (isSpace(text[i])) i++;
    if (i >= text.length) return out;
    const first = text[i];
    if (first === '{') {
      let depth = 1;
      let j = i + 1;
      for (; j < text.length && depth > 0; j++) {
        const ch = text[j];
        if (ch === '\\') j++;
        else if (ch === '{') depth++;
        else if (ch === '}') depth--;
      }
      if (depth !== 0) throw new TclListParseError(text, 'unmatched open brace');
      out.push(text.slice(i + 1, j - 1));
      i = j;
    } else if (first === '"') {
      let value = '';
      let j = i + 1;
      while (j < text.length && text[j] !== '"') {
        if (text[j] === '\\') {
          const [v, next] = backslash(text, j);
          value += v;
          j = next;
        } else {
          value += text[j];
          j++;
        }
      }
      if (j >= text.length) throw new TclListParseError(text, 'unmatched open quote');
      out.push(value);
      i = j + 1;
    } else {
      let value = '';
      while (i < text.length && !isSpace(text[i])) {
        if (text[i] === '\\') {
          const [v, next] = backslash(text, i);
          value += v;
          i = next;
        } else {
          value += text[i];
          i++;
        }
      }
      out.push(value);
      continue;
    }
    if (i < text.length && !isSpace(text[i]))
      throw new TclListParseError(text, `list element in ${first === '{' ? 'braces' : 'quotes'} followed by "${text[i]}" instead of space`);
  }
}
