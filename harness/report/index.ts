/** Allure helpers for specs and drivers, and the run-level results files. (The runner's reporter, hil-allure-reporter.ts, is imported directly: it pulls in mocha.) */
export { attachFile, attachJson, attachText, formatParameter, isReporting, labels, parameter, step } from './allure.js';
export type { Labels, ParameterValue, Severity } from './allure.js';
export { categoryOf, HIL_CATEGORIES, VerdictPhrase, writeCategories, writeEnvironmentProperties } from './results-files.js';
export type { EnvironmentInfo } from './results-files.js';
export { attachEvidenceSince, attachFaultLanding, attachSectorMap, attachSessionEvidence } from './evidence.js';
export type { EvidenceSource } from './evidence.js';
export {
  faultLandingText,
  healthText,
  openOcdLogText,
  sectorMapText,
  tclTranscriptText,
  timingsCsv,
  timingsMarkdown,
  timingsText,
  uartTranscriptText,
} from './evidence-text.js';
export { caseParameters, describeCase } from './case-parameters.js';
export type { CaseParameters } from './case-parameters.js';
export { currentResultsDir, readEnvironmentProperties, recordRunEnvironment, sessionEnvironment } from './run-environment.js';
export { explainStates, GRID_CHARS, GRID_UNMAPPED, renderSectorGrid } from './sector-grid.js';
