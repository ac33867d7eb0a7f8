/**
 * Where a command's words go. Text mode: lines on stdout. `--json`: nothing on stdout but one
 * JSON document at the end (progress and notes go to stderr), so scripts can parse stdout whole.
 */
export class CliOutput {
  constructor(
    readonly json: boolean,
    private readonly out: (text: string) => void = (t) => process.stdout.write(t),
    private readonly err: (text: string) => void = (t) => process.stderr.write(t),
  ) {}

  /** A line for people (stdout in text mode, dropped with --json). */
  line(text = ''): void {
    if (!this.json) this.out(`${text}\n`);
  }

  /** A note that must not pollute stdout (stderr in both modes). */
  note(text: string): void {
    this.err(`${text}\n`);
  }

  /** The command's result document (only with --json). */
  document(value: unknown): void {
    if (this.json) this.out(`${toJson(value)}\n`);
  }
}

/** JSON with bigint as decimal strings and Uint8Array left out (never dumps flash contents). */
export function toJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => (typeof v === 'bigint' ? v.toString() : v instanceof Uint8Array ? `<${v.length} bytes>` : v), 2);
}
