/**
 * `session.flash`: the board's QSPI bank as a flash target on the session's OpenOCD commands,
 * wired to the session's fault environment and recording timings and sector maps as evidence.
 */
import type { BoardRecord } from '../boards/types.js';
import type { FaultEnvironment, FaultInjector, FaultLanding } from '../faults/injectors.js';
import { W25Q512JV } from '../flash/chips.js';
import { QspiFlash } from '../flash/qspi-flash.js';
import type { QspiTarget } from '../flash/qspi-target.js';
import type { OpenOcdCommands } from '../openocd/index.js';
import type { SessionEvidence } from './evidence.js';

export interface SessionFlashParts {
  readonly board: BoardRecord;
  readonly commands: OpenOcdCommands;
  /** Scale of the chip's timings: 1 on silicon, the simulated board's time scale there. */
  readonly timeScale: number;
  readonly workDir: string;
  /** Brings the target to flash-ready before an operation. */
  readonly ensureReady: () => Promise<void>;
  /** True when the current OpenOCD connection probed the bank. */
  readonly isProbed: () => boolean;
  readonly faultEnv: FaultEnvironment;
  readonly onFired: (landing: FaultLanding, injector: FaultInjector) => void;
  readonly evidence: SessionEvidence;
}

export function createFlashTarget(parts: SessionFlashParts): QspiTarget {
  const { board } = parts;
  return {
    boardId: board.id,
    commands: parts.commands,
    bank: board.qspi.bank,
    base: board.qspi.base,
    chip: W25Q512JV,
    timeScale: parts.timeScale,
    workDir: parts.workDir,
    ensureReady: parts.ensureReady,
    allowsMassErase: board.allows.massErase,
    isProbed: parts.isProbed,
  };
}

export function createSessionFlash(parts: SessionFlashParts): QspiFlash {
  const { evidence } = parts;
  return new QspiFlash(
    createFlashTarget(parts),
    { env: parts.faultEnv, onFired: parts.onFired },
    {
      onTiming: (name, ms, ok) => evidence.recordTiming(`flash: ${name}`, ms, ok),
      onSectorMap: (result, title) => evidence.recordSectorMap(result.svg, result.map.summary(), title),
    },
  );
}
