export * from './procedure.js';
export * from './procedure-point.js';
export * from './procedure-injectors.js';
export * from './procedure-run.js';
export * from './procedure-landing.js';
export { CommandNotStartableError } from './command-process.js';
export type { CommandExit, OutputLine, ProgressSample } from './command-process.js';
export { toolOpenOcdConfig } from './tool-openocd-config.js';
