/**
 * Opens a BoardSession on the default (virtual) board, prints one JSON line with the pids it
 * started, and waits: the SIGINT teardown test sends it SIGINT and checks those pids are gone.
 * Argument: the lock directory.
 */
import { selectBoard } from '../../boards/index.js';
import { BoardSession } from '../index.js';
import { descendantsOf } from './process-tree.js';

const session = await BoardSession.open(selectBoard().board, { timeScale: 0.001, ...(process.argv[2] ? { lockDir: process.argv[2] } : {}) });
process.stdout.write(
  `${JSON.stringify({ ready: true, openocd: session.openOcdProcess?.pid, board: session.virtual?.pid, descendants: descendantsOf(process.pid) })}\n`,
);
setInterval(() => undefined, 1000);
