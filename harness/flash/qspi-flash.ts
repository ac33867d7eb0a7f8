/**
 * QspiFlash: the QSPI bank of one board as specs see it (`session.flash`): programming,
 * inspection and recovery in one object, bound to the session's OpenOCD, its lifecycle (every
 * operation first brings the target to flash-ready) and its fault wiring.
 */
import type {
  FaultWiring,
  ImageSource,
  OpenOcdProgramOptions,
  OpenOcdProgramResult,
  PlanRunOptions,
  ProgramCommandResult,
  ProgrammingResult,
} from './programmer.js';
import { programWithOpenOcd, programWithProgramCommand, runProgrammingPlan } from './programmer.js';
import {
  blankCheck,
  collectSectorMap,
  compareRegion,
  readBack,
  type BlankCheckResult,
  type RegionComparison,
  type SectorMapInput,
  type SectorMapResult,
} from './inspection.js';
import {
  assertRangeWritable,
  diagnoseProtection,
  readJedecId,
  readStatusRegisters,
  recoverChip,
  type ProtectionDiagnosis,
  type RecoveryOptions,
  type RecoveryReport,
} from './recovery.js';
import { decodeStatus, type DecodedStatus } from './status-registers.js';
import { checkEraseTime, type PlausibilityVerdict } from './erase-plausibility.js';
import { MassEraseNotAllowedError } from './errors.js';
import { observeLanding, type LandingObservation, type ObserveInput } from './landing-observation.js';
import type { QspiTarget } from './qspi-target.js';

export interface QspiFlashEvents {
  /** Every operation's name and duration, for the session's timings. */
  readonly onTiming?: (name: string, elapsedMs: number, ok: boolean) => void;
  /** Every sector map taken, for the session's evidence. */
  readonly onSectorMap?: (result: SectorMapResult, title: string | undefined) => void;
}

export class QspiFlash {
  constructor(
    readonly target: QspiTarget,
    private readonly faults: FaultWiring | undefined,
    private readonly events: QspiFlashEvents = {},
  ) {}

  private async timed<T>(name: string, body: () => Promise<T>): Promise<T> {
    const t0 = performance.now();
    try {
      const value = await body();
      this.events.onTiming?.(name, performance.now() - t0, true);
      return value;
    } catch (error) {
      this.events.onTiming?.(name, performance.now() - t0, false);
      throw error;
    }
  }

  private async ready(): Promise<void> {
    await this.target.ensureReady?.();
  }

  /** The harness plan: erase units, chunked writes, verify; optional fault point + injector. */
  program(image: ImageSource, options: Omit<PlanRunOptions, 'faults'> = {}): Promise<ProgrammingResult> {
    return this.timed('program (harness plan)', () => runProgrammingPlan(this.target, image, { ...options, ...(this.faults ? { faults: this.faults } : {}) }));
  }

  /** `reset init`, `flash write_image erase`, `verify_image`: the user's path, step by step. */
  programWithOpenOcd(file: string, options: OpenOcdProgramOptions = {}): Promise<OpenOcdProgramResult> {
    return this.timed('program (OpenOCD write_image)', async () => {
      await this.ready();
      return programWithOpenOcd(this.target, file, options);
    });
  }

  /** OpenOCD's `program` proc (the baseline). */
  programWithProgramCommand(file: string, options: { offset?: number; verify?: boolean } = {}): Promise<ProgramCommandResult> {
    return this.timed('program (OpenOCD program)', async () => {
      await this.ready();
      return programWithProgramCommand(this.target, file, options);
    });
  }

  /** Erases the 64 KiB units covering [offset, offset+length) with `flash erase_address`. */
  erase(offset: number, length: number): Promise<{ seconds: number; elapsedMs: number }> {
    return this.timed('erase', async () => {
      await this.ready();
      const t0 = performance.now();
      const r = await this.target.commands.flashEraseAddress(this.target.base + offset, length, { pad: true });
      return { seconds: r.seconds, elapsedMs: performance.now() - t0 };
    });
  }

  /**
   * `stmqspi mass_erase` (chip erase C7h), refused unless the board allows it; the duration is
   * checked against the chip's physics (the field report's clue: a chip erase done too fast).
   */
  massErase(): Promise<{ elapsedMs: number; output: string; plausibility: PlausibilityVerdict }> {
    return this.timed('mass erase', async () => {
      if (!this.target.allowsMassErase) throw new MassEraseNotAllowedError(this.target.boardId);
      await this.ready();
      const t0 = performance.now();
      const output = await this.target.commands.stmqspiMassErase(this.target.bank);
      const elapsedMs = performance.now() - t0;
      const plausibility = checkEraseTime(this.target.chip, { bytes: this.target.chip.sizeBytes, units: 1, elapsedMs }, { timeScale: this.target.timeScale });
      return { elapsedMs, output, plausibility };
    });
  }

  compare(offset: number, expected: Uint8Array): Promise<RegionComparison> {
    return this.timed('compare on target', async () => {
      await this.ready();
      return compareRegion(this.target, offset, expected);
    });
  }

  blankCheck(range?: { offset: number; length: number }): Promise<BlankCheckResult> {
    return this.timed('blank check', async () => {
      await this.ready();
      return blankCheck(this.target, range);
    });
  }

  readBack(offset: number, length: number, file?: string): Promise<Uint8Array> {
    return this.timed('read back', async () => {
      await this.ready();
      return readBack(this.target, offset, length, file);
    });
  }

  sectorMap(input: SectorMapInput): Promise<SectorMapResult> {
    return this.timed('sector map', async () => {
      await this.ready();
      const result = await collectSectorMap(this.target, input);
      this.events.onSectorMap?.(result, input.title);
      return result;
    });
  }

  /** Where a fault landed: the units a run could touch, classified against both images (landing-observation.ts). */
  observeLanding(input: ObserveInput): Promise<LandingObservation> {
    return this.timed('observe landing', async () => {
      await this.ready();
      return observeLanding(this.target, input);
    });
  }

  /** JEDEC id as 6 hex digits ("ef4020"). Needs a halted target with the bank probed. */
  jedecId(): Promise<string> {
    return readJedecId(this.target);
  }

  async status(): Promise<DecodedStatus> {
    return decodeStatus(await readStatusRegisters(this.target));
  }

  diagnoseProtection(): Promise<ProtectionDiagnosis> {
    return diagnoseProtection(this.target);
  }

  assertWritable(offset: number, length: number): Promise<void> {
    return assertRangeWritable(this.target, offset, length);
  }

  /** Looks at the chip without resetting it and brings it back (see recovery.ts). */
  recover(options: RecoveryOptions = {}): Promise<RecoveryReport> {
    return this.timed('recover', () => recoverChip(this.target, options));
  }
}
