/**
 * What every flash operation needs to reach the QSPI bank: the OpenOCD commands, the bank, the
 * chip description, and where to put temporary files. Built by the session (or by a CLI command)
 * and shared by the programmer, inspection and recovery modules.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BankId, OpenOcdCommands } from '../openocd/index.js';
import type { ChipDescription } from './chips.js';

export interface QspiTarget {
  readonly boardId: string;
  readonly commands: OpenOcdCommands;
  /** OpenOCD bank name or number (boards.json qspi.bank). */
  readonly bank: BankId;
  /** Memory-mapped base, e.g. 0x90000000 (verify_image works on addresses). */
  readonly base: number;
  readonly chip: ChipDescription;
  /** Scale of the chip's timings: 1 on silicon, the virtual board's timeScale there. */
  readonly timeScale: number;
  /** Directory for chunk, expected-data and read-back files (created by the owner). */
  readonly workDir: string;
  /** Brings the target to flash-ready (halted, QSPI initialised, bank probed) before an operation. */
  readonly ensureReady?: () => Promise<void>;
  /**
   * True when this OpenOCD instance has probed the bank already. Recovery then skips its own
   * `flash probe`, which would wait for a busy chip and hide that it was busy.
   */
  readonly isProbed?: () => boolean;
  /** boards.json allows.massErase (default false: a mass erase is refused). */
  readonly allowsMassErase?: boolean;
}

let fileCounter = 0;

/** Writes `bytes` to a fresh file in the work dir and returns its path. */
export async function writeTempFile(target: Pick<QspiTarget, 'workDir'>, name: string, bytes: Uint8Array): Promise<string> {
  const path = join(target.workDir, `${String(++fileCounter).padStart(5, '0')}-${name}`);
  await writeFile(path, bytes);
  return path;
}

/** A temporary work dir for a QspiTarget outside a session (CLI, tests). */
export async function makeWorkDir(prefix = 'hil-flash-'): Promise<{ path: string; remove(): Promise<void> }> {
  const path = await mkdtemp(join(tmpdir(), prefix));
  return { path, remove: () => rm(path, { recursive: true, force: true }) };
}
