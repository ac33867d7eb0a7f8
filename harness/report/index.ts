/** Allure helpers for specs and drivers, and the run-level results files. (The runner's reporter, hil-allure-reporter.ts, is imported directly: it pulls in mocha.) */
export { attachFile, attachJson, attachText, formatParameter, isReporting, labels, parameter, step } from './allure.js';
export type { Labels, ParameterValue, Severity } from './allure.js';
export { HIL_CATEGORIES, VerdictPhrase, writeCategories, writeEnvironmentProperties } from './results-files.js';
export type { EnvironmentInfo } from './results-files.js';
export {
  attachFaultLanding,
  attachSectorMap,
  attachSessionEvidence,
  caseParameters,
  currentResultsDir,
  describeCase,
  faultLandingText,
  healthText,
  readEnvironmentProperties,
  recordRunEnvironment,
  sectorMapText,
  sessionEnvironment,
  timingsCsv,
  timingsMarkdown,
} from './evidence.js';
export type { CaseParameters, EvidenceSource } from './evidence.js';
export { explainStates, GRID_CHARS, GRID_UNMAPPED, renderSectorGrid } from './sector-grid.js';
