/**
 * From a boards-file entry, as the schema admits it, to the behaviour-free BoardRecord the
 * harness uses (types.ts). Paths resolve against the boards file's folder so a file works from
 * any working directory; a hex-string base becomes a number; the JEDEC id goes lower case; the
 * UART's three spellings become one tagged union with the default baud filled in.
 */
import { dirname, resolve } from 'node:path';
import type { BoardRecord, PowerSpec, UartSpec } from './types.js';

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
    source: { file, jsonPath: `$.boards[${index}]` },
  };
}

function uartSpec(uart: RawBoard['uart']): UartSpec {
  if (uart.host !== undefined && uart.port !== undefined) {
    return { kind: 'network', host: uart.host, port: uart.port, ...(uart.baud !== undefined ? { baud: uart.baud } : {}) };
  }
  if (uart.virtual === true) return { kind: 'virtual', baud: uart.baud ?? 115200 };
  return { kind: 'tty', path: uart.path ?? '', baud: uart.baud ?? 115200 };
}
