/** The board inventory: load and validate boards.json, choose a board, lock it. */
export * from './types.js';
export * from './errors.js';
export { assertBoardFilesExist, findMissingFiles, loadBoardsFile } from './load.js';
export { BOARDS_SCHEMA_PATH } from './boards-schema.js';
export { DEFAULT_BOARD_ID, DEFAULT_BOARDS_FILE, REPO_ROOT, findBoard, resolveBoardChoice, selectBoard } from './select.js';
export type { BoardChoice, BoardChoiceOptions, SelectedBoard } from './select.js';
export { acquireBoardLock, defaultLockDir, lockKeyFor } from './lock.js';
export type { AcquireOptions, BoardLock } from './lock.js';
