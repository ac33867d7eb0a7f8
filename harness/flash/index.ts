/**
 * harness/flash: the QSPI flash over OpenOCD. Chip descriptions, programming plans and their
 * runner (with fault points), inspection (on-target compare, blank check, read back, sector
 * map), recovery and protection diagnosis. `QspiFlash` bundles them for a session.
 */
export { W25Q512JV, eraseUnitOf, jedecIdHex } from './chips.js';
export type { ChipDescription, OperationTime } from './chips.js';
export { checkEraseTime } from './erase-plausibility.js';
export type { EraseTiming, PlausibilityVerdict } from './erase-plausibility.js';
export { ImageTooLargeError, landingFacts, PAGE_SIZE, planProgramming } from './programming-plan.js';
export type { PlanInput, PlanStep, ProgrammingPlan } from './programming-plan.js';
export { SectorMap, classifySector, SECTOR_SIZE, BLOCK_SIZE, SECTOR_STATES, hex } from './sector-map.js';
export type { BlockSummary, Expected, SectorEntry, SectorEvidence, SectorState } from './sector-map.js';
export { renderSectorMapSvg, STATE_COLOURS } from './sector-map-svg.js';
export { FlashOperationError, FlashProtectedError, FlashRecoveryError, FlashVerifyError, MassEraseNotAllowedError } from './errors.js';
export { makeWorkDir, writeTempFile } from './qspi-target.js';
export type { QspiTarget } from './qspi-target.js';
export { DEFAULT_CHUNK_SIZE, DEFAULT_ERASE_UNIT, programWithOpenOcd, programWithProgramCommand, runProgrammingPlan } from './programmer.js';
export type {
  EraseRecord,
  FaultWiring,
  ImageSource,
  OpenOcdProgramOptions,
  OpenOcdProgramResult,
  OpenOcdStepRecord,
  PlanRunOptions,
  ProgramCommandResult,
  ProgrammingResult,
  ProgressEvent,
} from './programmer.js';
export { blankCheck, collectSectorMap, compareRegion, readBack } from './inspection.js';
export type { BlankCheckResult, RegionComparison, SectorMapInput, SectorMapResult } from './inspection.js';
export { assertRangeWritable, diagnoseProtection, diagnoseProtectionFrom, Op, readJedecId, readStatusRegisters, recoverChip } from './recovery.js';
export type { ProtectionDiagnosis, RecoveryAction, RecoveryOptions, RecoveryReport } from './recovery.js';
export { decodeStatus, formatStatus, overlapWithProtected, protectedRanges } from './status-registers.js';
export type { DecodedStatus, ProtectedRange, StatusRegisters } from './status-registers.js';
export { QspiFlash } from './qspi-flash.js';
export type { QspiFlashEvents } from './qspi-flash.js';
export { classifyUnit, imageSlice, observeLanding } from './landing-observation.js';
export type { LandingImages, LandingObservation, ObservedLanding, ObserveInput, SectorLetter, UnitObservation, UnitState } from './landing-observation.js';
export { checkLanding, contradictions, FaultDidNotLandError, reaimCorrection } from './landing-check.js';
export type { LandingCheck } from './landing-check.js';
