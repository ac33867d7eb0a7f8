/**
 * From a boards-file entry, as the schema admits it, to the behaviour-free BoardRecord the
 * harness uses (types.ts). Paths resolve against the boards file's folder so a file works from
 * any working directory; a hex-string base becomes a number; the JEDEC id goes lower case; the
 * UART's three spellings become one tagged union with the default baud filled in; procedures get
 * their defaults, follow the built-in ones, and a command's argv[0] and cwd resolve like paths.
 */
import { dirname, resolve } from 'node:path';
import { BUILT_IN_PROCEDURES, withBuiltInProcedures } from '../procedures/procedure.js';
import type { BoardRecord, PowerSpec, ProcedureSpec, UartSpec } from './types.js';

/** The raw JSON shape of one `procedures` entry the schema admits (before defaults and paths). */
export type RawProcedure =
  | { id: string; kind: 'openocd-plan'; description?: string }
  | { id: string; kind: 'openocd-program'; description?: string; verify?: boolean; timeoutSeconds?: number }
  | {
      id: string;
      kind: 'command';
      description?: string;
      argv: string[];
      shell?: boolean;
      env?: Record<string, string>;
      cwd?: string;
      progress?: string;
      successExitCodes?: number[];
      needsProbe?: boolean;
      usesHarnessOpenOcd?: boolean;
      timeoutSeconds?: number;
      chunkBytes?: number;
    };

/** Defaults of a procedure entry's optional fields. */
export const PROCEDURE_DEFAULTS = {
  timeoutSeconds: 600,
  chunkBytes: 65536,
  successExitCodes: [0],
  needsProbe: true,
  usesHarnessOpenOcd: false,
  shell: false,
  verify: true,
} as const;

/** The raw JSON shape of one board the schema admits (before paths are resolved). */
export interface RawBoard {
  id: string;
  description: string;
  kind: 'virtual' | 'real';
  openocd: {
    binary?: string;
    configs: string[];
    commands?: string[];
    searchDirs?: string[];
    tclHost?: string;
    tclPort?: number;
  };
  target: BoardRecord['target'];
  qspi: { bank: string | number; base: number | string; chip: 'W25Q512JV'; jedecId: string };
  uart: { path?: string; virtual?: true; host?: string; port?: number; baud?: number };
  power: PowerSpec;
  reset: BoardRecord['reset'];
  allows: { massErase: boolean; powerCut: boolean; nonVolatileWrites?: boolean };
  virtual?: { timeScale: number };
  procedures?: RawProcedure[];
}

/** The record of `raw`, entry `index` of the boards file `file` (an absolute path). */
export function toBoardRecord(raw: RawBoard, index: number, file: string): BoardRecord {
  const base = dirname(file);
  const fromBoardsFile = (p: string): string => resolve(base, p);
  const binary = raw.openocd.binary;
  return {
    id: raw.id,
    description: raw.description,
    kind: raw.kind,
    openocd: {
      // A bare name is looked up on PATH when started; anything with a slash is a path.
      ...(binary !== undefined ? { binary: binary.includes('/') ? fromBoardsFile(binary) : binary } : {}),
      configs: raw.openocd.configs.map(fromBoardsFile),
      commands: raw.openocd.commands ?? [],
      searchDirs: (raw.openocd.searchDirs ?? []).map(fromBoardsFile),
      ...(raw.openocd.tclHost !== undefined ? { tclHost: raw.openocd.tclHost, tclPort: raw.openocd.tclPort } : {}),
    },
    target: { ...raw.target },
    qspi: {
      bank: raw.qspi.bank,
      base: typeof raw.qspi.base === 'string' ? Number.parseInt(raw.qspi.base.slice(2), 16) : raw.qspi.base,
      chip: raw.qspi.chip,
      jedecId: raw.qspi.jedecId.toLowerCase(),
    },
    uart: uartSpec(raw.uart),
    power: { ...raw.power },
    reset: { ...raw.reset },
    allows: { ...raw.allows, nonVolatileWrites: raw.allows.nonVolatileWrites ?? false },
    ...(raw.virtual !== undefined ? { virtual: { ...raw.virtual } } : {}),
    procedures: withBuiltInProcedures((raw.procedures ?? []).map((p) => procedureSpec(p, base))),
    source: { file, jsonPath: `$.boards[${index}]` },
  };
}

/**
 * The record of one procedures entry, defaults filled in. `base` is the boards file's folder: a
 * relative cwd resolves against it, and so does argv[0] when it holds a slash (a bare name is
 * looked up on PATH; with `shell`, argv[0] is a script and stays as written). Only argv[0] is
 * resolved: the other elements are templates.
 */
export function procedureSpec(raw: RawProcedure, base: string): ProcedureSpec {
  const builtIn = BUILT_IN_PROCEDURES.find((b) => b.id === raw.id && b.kind === raw.kind);
  switch (raw.kind) {
    case 'openocd-plan':
      return { id: raw.id, kind: raw.kind, description: raw.description ?? builtIn?.description ?? BUILT_IN_PROCEDURES[0].description };
    case 'openocd-program':
      return {
        id: raw.id,
        kind: raw.kind,
        description: raw.description ?? builtIn?.description ?? BUILT_IN_PROCEDURES[1].description,
        verify: raw.verify ?? PROCEDURE_DEFAULTS.verify,
        timeoutMs: Math.round((raw.timeoutSeconds ?? PROCEDURE_DEFAULTS.timeoutSeconds) * 1000),
      };
    case 'command': {
      const shell = raw.shell ?? PROCEDURE_DEFAULTS.shell;
      const [program, ...rest] = raw.argv;
      const argv = program !== undefined && !shell && program.includes('/') ? [resolve(base, program), ...rest] : [...raw.argv];
      return {
        id: raw.id,
        kind: raw.kind,
        description: raw.description ?? raw.argv.join(' '),
        argv,
        shell,
        env: { ...raw.env },
        cwd: resolve(base, raw.cwd ?? '.'),
        ...(raw.progress !== undefined ? { progress: raw.progress } : {}),
        successExitCodes: [...(raw.successExitCodes ?? PROCEDURE_DEFAULTS.successExitCodes)],
        needsProbe: raw.needsProbe ?? PROCEDURE_DEFAULTS.needsProbe,
        usesHarnessOpenOcd: raw.usesHarnessOpenOcd ?? PROCEDURE_DEFAULTS.usesHarnessOpenOcd,
        timeoutMs: Math.round((raw.timeoutSeconds ?? PROCEDURE_DEFAULTS.timeoutSeconds) * 1000),
        chunkBytes: raw.chunkBytes ?? PROCEDURE_DEFAULTS.chunkBytes,
      };
    }
  }
}

function uartSpec(uart: RawBoard['uart']): UartSpec {
  if (uart.host !== undefined && uart.port !== undefined) {
    return { kind: 'network', host: uart.host, port: uart.port, ...(uart.baud !== undefined ? { baud: uart.baud } : {}) };
  }
  if (uart.virtual === true) return { kind: 'virtual', baud: uart.baud ?? 115200 };
  return { kind: 'tty', path: uart.path ?? '', baud: uart.baud ?? 115200 };
}
