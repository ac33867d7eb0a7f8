/**
 * A `command` procedure's argv and env templates (boards.json) turned into what gets spawned.
 * Placeholders are `{image}`, `{offset}`, `{address}` and `{board}`; `{{` and `}}` are literal
 * braces. Without a shell each argv element is exactly one argument whatever its value holds
 * (spaces, quotes, `;`, `$(...)`, newlines): nothing parses it. With `shell`, the one template
 * string is the script of `/bin/sh -c`: its literal text is kept and each placeholder's value goes
 * in single-quoted, so a value is never code. Env values are expanded and never quoted: no shell
 * reads them.
 */
import { PROCEDURE_PLACEHOLDERS, type CommandProcedureSpec, type ProcedurePlaceholder } from '../boards/types.js';

/** A template that cannot be expanded: unbalanced braces, an empty or unknown placeholder, a bad argv. */
export class TemplateError extends Error {
  constructor(
    readonly template: string,
    readonly problem: string,
  ) {
    super(`command template ${JSON.stringify(template)}: ${problem}`);
    this.name = 'TemplateError';
  }
}

/** The values the placeholders stand for, already formatted (e.g. address "0x90000000"). */
export interface TemplateValues {
  readonly image: string;
  readonly offset: string;
  readonly address: string;
  readonly board: string;
}

/** What to spawn: `file` with `args` (no shell of ours in between) and `env` on top of the harness's. */
export interface ExpandedCommand {
  readonly file: string;
  readonly args: readonly string[];
  /** The spec's env, expanded (the harness's HIL_* variables are not in it). */
  readonly env: Readonly<Record<string, string>>;
  /** One line for logs and reports, pasteable into bash: `NAME=value file arg ...`, each word shell-quoted. */
  readonly display: string;
}

type Piece = { readonly text: string } | { readonly placeholder: string };

/** The template split into literal text (braces unescaped) and placeholders. Throws TemplateError. */
function parse(template: string): Piece[] {
  const pieces: Piece[] = [];
  let text = '';
  let i = 0;
  while (i < template.length) {
    const c = template[i]!;
    if (c === '{' && template[i + 1] === '{') {
      text += '{';
      i += 2;
    } else if (c === '}' && template[i + 1] === '}') {
      text += '}';
      i += 2;
    } else if (c === '}') {
      throw new TemplateError(template, `unbalanced "}" at character ${i + 1} (write "}}" for a literal brace)`);
    } else if (c === '{') {
      const close = template.indexOf('}', i + 1);
      const open = template.indexOf('{', i + 1);
      if (close < 0 || (open >= 0 && open < close)) {
        throw new TemplateError(template, `unbalanced "{" at character ${i + 1} (write "{{" for a literal brace)`);
      }
      const name = template.slice(i + 1, close);
      if (name === '') throw new TemplateError(template, `empty placeholder "{}" at character ${i + 1}`);
      if (text !== '') pieces.push({ text });
      text = '';
      pieces.push({ placeholder: name });
      i = close + 1;
    } else {
      text += c;
      i += 1;
    }
  }
  if (text !== '') pieces.push({ text });
  return pieces;
}

/**
 * The placeholder names `template` uses, in order of first use (known or not: the caller judges).
 * Throws TemplateError on unbalanced braces or an empty `{}`.
 */
export function templatePlaceholders(template: string): string[] {
  const names: string[] = [];
  for (const piece of parse(template)) {
    if ('placeholder' in piece && !names.includes(piece.placeholder)) names.push(piece.placeholder);
  }
  return names;
}

function isPlaceholder(name: string): name is ProcedurePlaceholder {
  return (PROCEDURE_PLACEHOLDERS as readonly string[]).includes(name);
}

/** `template` with each placeholder replaced by `quote(value)`. Throws TemplateError. */
function expand(template: string, values: TemplateValues, quote: (value: string) => string): string {
  return parse(template)
    .map((piece) => {
      if ('text' in piece) return piece.text;
      if (!isPlaceholder(piece.placeholder)) {
        throw new TemplateError(template, `unknown placeholder "{${piece.placeholder}}" (known: ${PROCEDURE_PLACEHOLDERS.map((p) => `{${p}}`).join(' ')})`);
      }
      return quote(values[piece.placeholder]);
    })
    .join('');
}

/** `value` single-quoted for POSIX sh: one word, nothing in it expanded (`'` becomes `'\''`). */
function shSingleQuote(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

/** A word as a person would paste it into bash: bare when safe, single-quoted, or $'…' when it holds control characters. */
function displayWord(value: string): string {
  if (value !== '' && /^[A-Za-z0-9_@%+=:,./-]+$/.test(value)) return value;
  // eslint-disable-next-line no-control-regex
  if (!/[\x00-\x1f\x7f]/.test(value)) return shSingleQuote(value);
  const escaped = [...value]
    .map((c) => {
      if (c === '\\') return '\\\\';
      if (c === "'") return "\\'";
      if (c === '\n') return '\\n';
      if (c === '\t') return '\\t';
      if (c === '\r') return '\\r';
      const code = c.codePointAt(0)!;
      return code < 0x20 || code === 0x7f ? `\\x${code.toString(16).padStart(2, '0')}` : c;
    })
    .join('');
  return `$'${escaped}'`;
}

/**
 * The command `spec` runs for `values`. Without `shell`: `file` is argv[0] expanded, `args` the
 * rest, one argument per element, values verbatim. With `shell` (argv must be exactly one string):
 * `/bin/sh` with `-c` and the script, each value single-quoted into it. Env values are expanded
 * verbatim. Throws TemplateError for a bad template or an argv of the wrong length.
 */
export function expandCommand(spec: Pick<CommandProcedureSpec, 'argv' | 'shell' | 'env'>, values: TemplateValues): ExpandedCommand {
  const verbatim = (value: string): string => value;
  const env: Record<string, string> = {};
  for (const [name, template] of Object.entries(spec.env)) env[name] = expand(template, values, verbatim);
  let file: string;
  let args: string[];
  if (spec.shell) {
    if (spec.argv.length !== 1) {
      throw new TemplateError(spec.argv.join(' '), `with shell, argv must be exactly one string (the script), not ${spec.argv.length}`);
    }
    file = '/bin/sh';
    args = ['-c', expand(spec.argv[0]!, values, shSingleQuote)];
  } else {
    if (spec.argv.length === 0) throw new TemplateError('', 'argv is empty: it needs at least the program');
    [file, ...args] = spec.argv.map((template) => expand(template, values, verbatim)) as [string, ...string[]];
  }
  const display = [...Object.entries(env).map(([name, value]) => `${name}=${displayWord(value)}`), ...[file, ...args].map(displayWord)].join(' ');
  return { file, args, env, display };
}
