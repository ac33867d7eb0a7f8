/**
 * The typed, behaviour-free board records that `loadBoardsFile` returns. Resources only
 * describe (labgrid's Resource habit): drivers get these records and never read the JSON.
 * Paths are already resolved to absolute paths; numbers that JSON may spell in hex are numbers.
 */

export type BoardKind = 'virtual' | 'real';

export interface OpenOcdSpec {
  /** openocd executable: a bare name looked up on PATH, or an absolute path. */
  readonly binary?: string;
  /** Absolute paths of the config files, passed as -f in this order. */
  readonly configs: readonly string[];
  /** Extra -c lines, after the configs. */
  readonly commands: readonly string[];
  /** Absolute script search directories, passed as -s. */
  readonly searchDirs: readonly string[];
  /** An OpenOCD already served on another host (nightly farm): attach, do not start. */
  readonly tclHost?: string;
  readonly tclPort?: number;
}

export interface TargetSpec {
  readonly mcu: 'STM32H745';
  readonly core: 'cm7';
}

export interface QspiSpec {
  /** OpenOCD flash bank name (e.g. "stm32h7x.qspi") or index in `flash banks`. */
  readonly bank: string | number;
  /** Memory-mapped base address, e.g. 0x90000000. */
  readonly base: number;
  readonly chip: 'W25Q512JV';
  /** Expected JEDEC ID (9Fh) as 6 lower-case hex digits, e.g. "ef4020". */
  readonly jedecId: string;
}

export type UartSpec =
  | { readonly kind: 'tty'; readonly path: string; readonly baud: number }
  | { readonly kind: 'virtual'; readonly baud: number }
  | { readonly kind: 'network'; readonly host: string; readonly port: number; readonly baud?: number };

export type PowerSpec =
  | { readonly type: 'none' }
  | { readonly type: 'serial-relay'; readonly path: string; readonly channel: number }
  | { readonly type: 'command'; readonly on: string; readonly off: string }
  /** The virtual board's relay tty; `channel` (default 1, the one the board hangs on) lets a test mis-wire it. */
  | { readonly type: 'virtual'; readonly channel?: number };

export interface ResetSpec {
  /** The probe drives NRST. */
  readonly srst: boolean;
}

export interface AllowsSpec {
  readonly massErase: boolean;
  readonly powerCut: boolean;
  /**
   * Specs may write the flash's non-volatile status bits (SR1 block protect) and restore them.
   * False when the boards file leaves it out: a failed restore leaves a real board protected.
   */
  readonly nonVolatileWrites: boolean;
}

export interface VirtualSpec {
  /** Factor on datasheet flash timings: 1 = datasheet, 0.01 = 100 times faster, 0 = done at once. */
  readonly timeScale: number;
}

/**
 * How a board gets programmed: the procedure under test (issue: the team's own tool). Every board
 * has the two OpenOCD kinds built in (ids `openocd-plan`, the default, and `openocd-program`);
 * boards.json may add `command` procedures or restate a built-in id with its own options.
 */
export type ProcedureSpec = OpenOcdPlanProcedureSpec | OpenOcdProgramProcedureSpec | CommandProcedureSpec;

export interface OpenOcdPlanProcedureSpec {
  readonly id: string;
  readonly kind: 'openocd-plan';
  readonly description: string;
}

/** OpenOCD's own `program <image> [verify] <address>`, one Tcl call on the harness's OpenOCD. */
export interface OpenOcdProgramProcedureSpec {
  readonly id: string;
  readonly kind: 'openocd-program';
  readonly description: string;
  /** Adds `verify` to the call. Default true. */
  readonly verify: boolean;
  readonly timeoutMs: number;
}

/** Placeholders a command's argv and env values may hold (`{{` and `}}` are literal braces). */
export const PROCEDURE_PLACEHOLDERS = ['image', 'offset', 'address', 'board'] as const;
export type ProcedurePlaceholder = (typeof PROCEDURE_PLACEHOLDERS)[number];

/** Any tool the team programs with: an argv template run without a shell unless `shell` asks for one. */
export interface CommandProcedureSpec {
  readonly id: string;
  readonly kind: 'command';
  readonly description: string;
  /**
   * The argv template. argv[0] with a slash is a path resolved against the boards file's folder;
   * a bare name is looked up on PATH. With `shell`, argv is exactly one string run by `/bin/sh -c`,
   * each placeholder's value single-quoted for the shell.
   */
  readonly argv: readonly string[];
  readonly shell: boolean;
  /** Extra environment (values templated like argv), on top of the harness's HIL_* variables. */
  readonly env: Readonly<Record<string, string>>;
  /** Working directory (absolute); default the boards file's folder. */
  readonly cwd: string;
  /**
   * Progress read from each stdout/stderr line: a regex (JavaScript syntax) with a named group
   * `percent`, or `bytes` (of the image; an optional group `total` gives the denominator).
   */
  readonly progress?: string;
  /** Exit codes that mean success. Default [0]. */
  readonly successExitCodes: readonly number[];
  /** The tool needs the probe to itself: the harness stops its OpenOCD while it runs. Default true. */
  readonly needsProbe: boolean;
  /**
   * The tool programs through the harness's own OpenOCD (its Tcl port, given as HIL_OPENOCD_TCL_HOST
   * and HIL_OPENOCD_TCL_PORT), which keeps the probe: a fault interrupts that OpenOCD (kill-openocd),
   * since killing the tool leaves OpenOCD's work running. Only with needsProbe false. Default false.
   */
  readonly usesHarnessOpenOcd: boolean;
  /** Killed (process group, SIGKILL) and judged "procedure failed" after this long. Default 600 s. */
  readonly timeoutMs: number;
  /**
   * How far the tool may run past a progress line before its work reaches the chip (its write
   * buffer or chunk): the tolerance of a progress-aimed landing. Default 65536.
   */
  readonly chunkBytes: number;
}

export interface BoardRecord {
  readonly id: string;
  readonly description: string;
  readonly kind: BoardKind;
  readonly openocd: OpenOcdSpec;
  readonly target: TargetSpec;
  readonly qspi: QspiSpec;
  readonly uart: UartSpec;
  readonly power: PowerSpec;
  readonly reset: ResetSpec;
  readonly allows: AllowsSpec;
  /** Present exactly when kind is 'virtual'. */
  readonly virtual?: VirtualSpec;
  /** The board's procedures: the built-in ones first, then the boards file's (an entry with a built-in id replaces it). */
  readonly procedures: readonly ProcedureSpec[];
  /** Where the entry came from, for messages: the boards file and its JSON path. */
  readonly source: { readonly file: string; readonly jsonPath: string };
}

export interface BoardInventory {
  /** Absolute path of the boards file. */
  readonly file: string;
  readonly boards: readonly BoardRecord[];
}
