/** harness/session: the per-spec board fixture (BoardSession), its mocha glue and its evidence recorder. */
export { BoardSession } from './board-session.js';
export type { BoardSessionOptions } from './options.js';
export type { SessionFaults } from './session-faults.js';
export { HealthCheckError, SessionBrokenError, SessionError, SessionInterruptedError, SessionStateError } from './errors.js';
export { SessionEvidence } from './evidence.js';
export type { EvidenceMark, EvidenceSlice, HealthCheckEntry, HealthReport, SectorMapEvidence, TclTranscriptEntry, TimingEntry } from './evidence.js';
export { Lifecycle, SESSION_STATES } from './lifecycle.js';
export type { LifecycleActions, SessionState } from './lifecycle.js';
export { TeardownError, TeardownStack } from './teardown.js';
export { useBoardSession, withBoardSession } from './mocha.js';
export type { UseBoardSessionOptions } from './mocha.js';
