/** harness/faults: where a run gets interrupted (fault points) and how (injectors). */
export { FAULT_INJECTORS, FaultPointSyntaxError, formatFaultPoint, parseFaultPoint } from './fault-point.js';
export type { EraseUnitRef, FaultInjectorKind, FaultPoint } from './fault-point.js';
export { RunTracker } from './run-tracker.js';
export type { InFlightCommand, RunPhase, RunSnapshot } from './run-tracker.js';
export { createInjector, FaultInjectionError, FaultNotSupportedError, fireNow } from './injectors.js';
export type { FaultEnvironment, FaultInjector, FaultLanding, FireResult, InjectorKind, InjectorOptions, PowerCutOptions } from './injectors.js';
export type { VirtualBoardControl, VirtualFlashOperation } from '../boards/virtual-board-control.js';
export { ChipTriggerAim, defaultAim, TimedAim } from './aim.js';
export type { Aim, AimKind, AimReport, OperationTarget } from './aim.js';
export { INJECTOR_REACH, intendedLanding, isInsideOperation, unreachable } from './reach.js';
export type { InjectorReach, IntendedLanding, LandingClass, LandingPlanFacts, ReachEntry } from './reach.js';
export { formatMoment } from './fault-point.js';
export type { InFlightMoment } from './fault-point.js';
export {
  confirmFault,
  decodeResetFlags,
  FaultNotConfirmableError,
  FaultNotConfirmedError,
  prepareConfirmation,
  RCC_RSR_ADDRESS,
  resetEvidenceOf,
} from './confirmation.js';
export type { ConfirmationStatus, FaultConfirmation, ResetEvidence, ResetFlagsReading } from './confirmation.js';
