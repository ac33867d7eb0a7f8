/**
 * Test helper run as a child process by lock.test.ts: takes a board lock, reports it on
 * stdout, then either holds it until killed (`hold`) or exits normally (`exit`), which must
 * release it through the exit hook.
 *   node --import tsx hold-lock.ts <lockDir> <boardId> hold|exit
 */
import { acquireBoardLock } from '../lock.js';

const [dir, boardId, mode] = process.argv.slice(2);
if (dir === undefined || boardId === undefined) throw new Error('usage: hold-lock.ts <lockDir> <boardId> hold|exit');
const lock = acquireBoardLock(boardId, { dir, command: `hold-lock ${boardId}` });
process.stdout.write(`locked ${process.pid} ${lock.file}\n`);
if (mode === 'exit') process.exit(0);
// Hold until killed; the interval keeps the event loop alive.
setInterval(() => undefined, 60_000);
