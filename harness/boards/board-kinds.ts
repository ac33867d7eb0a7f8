/**
 * Boards the harness starts itself (simulated ones): "start a board of this kind, get its
 * endpoints". The harness depends only on this interface; a kind's implementation registers
 * itself with `registerBoardKind` from the module package.json lists for it
 * (board-kind-modules.ts), loaded the first time a board of that kind is needed.
 */
import { isNoVerdictError, NoVerdictError } from '../exit-codes.js';
import { BOARD_KINDS_MANIFEST, BoardKindUnavailableError, importBoardKindModule } from './board-kind-modules.js';
import type { VirtualBoardControl } from './virtual-board-control.js';

export interface BoardStartOptions {
  /** Factor on the chip's datasheet timings: 1 = datasheet, 0.001 = a chip erase in 0.2 s. */
  readonly timeScale: number;
  /** Power-loss PRNG seed. */
  readonly seed?: number;
  /** Keep the flash contents in this file between runs. */
  readonly stateFile?: string;
  /** Create the UART and power-relay ttys (default true). */
  readonly ttys?: boolean;
}

/** Where something reaches the board, e.g. { key: 'stlink', label: 'ST-LINK (stlink-server)', address: '127.0.0.1:4242' }. */
export interface BoardEndpoint {
  /** Short name, used as the field name in JSON output. */
  readonly key: string;
  /** What a person reads. */
  readonly label: string;
  readonly address: string;
}

export interface StartedBoard {
  readonly pid: number;
  /** `-c` commands OpenOCD runs before the board's configs: where the board's debug ports listen. */
  readonly openOcdPreConfig: readonly string[];
  /** The board's UART tty, if it has one. */
  readonly uart: string | undefined;
  /** The tty of the board's power relay, if it has one. */
  readonly relay: string | undefined;
  /** Every network endpoint (debug ports, control socket), for people and JSON output. */
  readonly endpoints: readonly BoardEndpoint[];
  /** The board's own control channel, connected: report evidence and in-chip triggers only. */
  readonly control: VirtualBoardControl | undefined;
  /** The last of what the board printed on stderr. */
  stderr(): string;
  /** Closes the control channel and stops the board; resolves once it is gone. */
  stop(): Promise<void>;
}

export interface BoardKindDriver {
  start(options: BoardStartOptions): Promise<StartedBoard>;
}

/** A board kind's start failed with something other than a NoVerdictError. */
export class BoardStartError extends NoVerdictError {
  constructor(
    readonly kind: string,
    options: { cause: unknown },
  ) {
    super(`a board of kind "${kind}" did not start: ${options.cause instanceof Error ? options.cause.message : String(options.cause)}`, options);
  }
}

/** The registry: a kind's module, loaded with `import()`, registers into this same copy (one module graph). */
const drivers = new Map<string, BoardKindDriver>();

/** Called by a board kind's module when it is loaded. */
export function registerBoardKind(kind: string, driver: BoardKindDriver): void {
  drivers.set(kind, driver);
}

/** The kinds registered so far in this process. */
export function registeredBoardKinds(): string[] {
  return [...drivers.keys()];
}

async function driverFor(kind: string, manifest: string): Promise<BoardKindDriver> {
  const registered = drivers.get(kind);
  if (registered) return registered;
  const module = await importBoardKindModule(kind, manifest);
  const loaded = drivers.get(kind);
  if (!loaded) throw new BoardKindUnavailableError(kind, module, manifest, `its module loaded but did not call registerBoardKind("${kind}", …)`);
  return loaded;
}

/**
 * Starts a board of `kind`. Every failure is a NoVerdictError: the board was not judged.
 * `manifest` is the package.json that lists the kinds' modules.
 */
export async function startBoard(kind: string, options: BoardStartOptions, manifest: string = BOARD_KINDS_MANIFEST): Promise<StartedBoard> {
  const driver = await driverFor(kind, manifest);
  try {
    return await driver.start(options);
  } catch (error) {
    if (isNoVerdictError(error)) throw error;
    throw new BoardStartError(kind, { cause: error });
  }
}
