/**
 * How a one-shot `hil` command gets its board: choose it (--board / HIL_BOARD, --boards /
 * HIL_BOARDS), open a BoardSession, run, close. A virtual board keeps its flash arrays (QSPI and
 * internal) in a state file between commands, `.hil/virtual/<board-id>.flash` under the repo
 * root (HIL_STATE_DIR moves the folder), so `hil program`, `hil map`, `hil boot` tell one story.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT, selectBoard, type SelectedBoard } from '../boards/select.js';
import type { BoardRecord } from '../boards/types.js';
import { BoardSession, type BoardSessionOptions } from '../session/index.js';
import type { CommonFlags } from './cli-args.js';
import { onInterrupt } from './interrupt.js';

/** The folder of the virtual boards' state files. */
export function stateDir(env: NodeJS.ProcessEnv = process.env): string {
  const fromEnv = env.HIL_STATE_DIR;
  return fromEnv !== undefined && fromEnv !== '' ? fromEnv : join(REPO_ROOT, '.hil', 'virtual');
}

/** The state file of a virtual board; undefined for real boards (their flash keeps itself). */
export function stateFileFor(board: Pick<BoardRecord, 'id' | 'kind'>, env: NodeJS.ProcessEnv = process.env): string | undefined {
  return board.kind === 'virtual' ? join(stateDir(env), `${board.id}.flash`) : undefined;
}

export function chooseBoard(common: CommonFlags): SelectedBoard {
  return selectBoard({ ...(common.board !== undefined ? { board: common.board } : {}), ...(common.boards !== undefined ? { boards: common.boards } : {}) });
}

export function sessionOptionsFor(board: BoardRecord, common: CommonFlags, extra: BoardSessionOptions = {}): BoardSessionOptions {
  const stateFile = stateFileFor(board);
  if (stateFile !== undefined) mkdirSync(stateDir(), { recursive: true });
  return {
    ...(common.timeScale !== undefined ? { timeScale: common.timeScale } : {}),
    ...(stateFile !== undefined ? { stateFile } : {}),
    ...extra,
  };
}

/** Opens a session on `board`, runs `body`, always closes (the virtual board saves its state file on close). */
export async function withCliSession<T>(
  board: BoardRecord,
  common: CommonFlags,
  extra: BoardSessionOptions,
  body: (session: BoardSession) => Promise<T>,
): Promise<T> {
  // cli.ts closes it on Ctrl-C; the session's own signal handling is off so that one place decides.
  const session = await BoardSession.open(board, sessionOptionsFor(board, common, { handleSignals: false, ...extra }));
  const dispose = onInterrupt(() => session.close());
  let result: T;
  try {
    result = await body(session);
  } catch (error) {
    await session.close().catch(() => undefined);
    throw error;
  } finally {
    dispose();
  }
  await session.close();
  return result;
}
