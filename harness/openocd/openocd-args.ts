/**
 * The OpenOCD command line for one supervised start. Our `-c` lines (an instance token,
 * bindto 127.0.0.1, tcl_port N, gdb_port/telnet_port disabled) come before the board's `-s`
 * dirs and `-f` configs, so the configs can still override them; the board's own `-c` lines
 * follow the configs. OpenOCD 0.12.0 knows only the underscore forms (`tcl_port`, `gdb_port`,
 * `telnet_port`, `tcl_notifications`): the `tcl port` group came later.
 */

/** What a caller says about the command line; the supervisor adds the port and the token. */
export interface OpenOcdCommandLine {
  /** `-c` commands run before the config files, e.g. `set VIRTUAL_BOARD_STLINK_PORT 40123` or knobs
   * like `set QUADSPI 1` that a config reads with `info exists`. */
  preConfigCommands?: readonly string[];
  /** `-f` config files, in order. */
  configFiles?: readonly string[];
  /** `-c` commands run after the config files (e.g. `init`, `reset halt`, or `noinit`). */
  commands?: readonly string[];
  /** `-s` script search directories. */
  searchDirs?: readonly string[];
  /** Default 'disabled'. A number opens the GDB server on that port (on 127.0.0.1). */
  gdbPort?: number | 'disabled';
  /** Default 'disabled'. */
  telnetPort?: number | 'disabled';
  /** Extra raw arguments placed first (e.g. `-d3`). */
  extraArgs?: readonly string[];
}

/** The Tcl variable holding the token that proves a Tcl port belongs to the process we started. */
export const INSTANCE_TOKEN_VARIABLE = '__hil_instance';

export function buildOpenOcdArgs(tclPort: number, options: OpenOcdCommandLine, instanceToken: string): string[] {
  const args: string[] = [...(options.extraArgs ?? [])];
  // A token we can ask for over Tcl: if another OpenOCD grabbed "our" free port first, the
  // readiness check connects to it and sees the wrong token instead of trusting it.
  args.push('-c', `set ${INSTANCE_TOKEN_VARIABLE} ${instanceToken}`);
  args.push('-c', 'bindto 127.0.0.1');
  args.push('-c', `tcl_port ${tclPort}`);
  args.push('-c', `gdb_port ${options.gdbPort ?? 'disabled'}`);
  args.push('-c', `telnet_port ${options.telnetPort ?? 'disabled'}`);
  for (const dir of options.searchDirs ?? []) args.push('-s', dir);
  for (const command of options.preConfigCommands ?? []) args.push('-c', command);
  for (const file of options.configFiles ?? []) args.push('-f', file);
  for (const command of options.commands ?? []) args.push('-c', command);
  return args;
}
