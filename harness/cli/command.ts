/** The shape of a `hil` subcommand: later issues add more (program, erase, blank-check, ...). */
export interface Command {
  /** One line for `hil --help`. */
  readonly summary: string;
  /** Full usage text for `hil <command> --help`. */
  readonly usage: string;
  /** Run with the arguments after the command name; resolves to the exit code. */
  run(args: readonly string[]): Promise<number>;
}
