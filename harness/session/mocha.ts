/**
 * Mocha glue for BoardSession, Playwright-fixture style: set-up before, `use`, teardown after
 * even on failure, evidence attached to the Allure test when it failed.
 *
 *   describe('interrupted programming', function () {
 *     const board = useBoardSession({ board: () => selectBoard().board, timeScale: 0.001 });
 *     it('...', async function () {
 *       const session = board();
 *       ...
 *     });
 *   });
 *
 * scope 'spec' (default) opens a session per test (beforeEach/afterEach); 'suite' one for the
 * whole describe block (before/after).
 */
import type { BoardRecord } from '../boards/types.js';
import { markBoardContext } from '../report/board-context.js';
import { attachSessionEvidence } from '../report/evidence.js';
import { BoardSession } from './board-session.js';
import type { BoardSessionOptions } from './options.js';

export interface UseBoardSessionOptions extends BoardSessionOptions {
  /** The board, or a function choosing it when the hook runs (e.g. from --board / HIL_BOARD). */
  readonly board: BoardRecord | (() => BoardRecord);
  readonly scope?: 'spec' | 'suite';
  /** Attach the evidence also when the test passed (default: on failure only). */
  readonly attachAlways?: boolean;
}

/** Registers the hooks in the current describe block; returns a getter for the open session. */
export function useBoardSession(options: UseBoardSessionOptions): () => BoardSession {
  let session: BoardSession | undefined;
  const scope = options.scope ?? 'spec';
  const setUp = async function (this: Mocha.Context): Promise<void> {
    this.timeout(Math.max(this.timeout(), 120_000));
    const board = typeof options.board === 'function' ? options.board() : options.board;
    // Every result of this block names the board (report/board-context.ts), set before the
    // bring-up so that a failed health check is reported on the board it failed on.
    const block = this.test?.parent;
    markBoardContext(block, { board: board.id, ...(board.kind === 'virtual' ? { flashTimeScale: options.timeScale ?? board.virtual?.timeScale ?? 1 } : {}) });
    try {
      session = await BoardSession.open(board, options);
    } catch (error) {
      markBoardContext(block, { board: board.id, setUpError: error });
      throw error;
    }
    // The scale the session really runs at, where the options left it to the board.
    if (board.kind === 'virtual') markBoardContext(block, { board: board.id, flashTimeScale: session.flash.target.timeScale });
  };
  const tearDown = async function (this: Mocha.Context): Promise<void> {
    this.timeout(Math.max(this.timeout(), 60_000));
    const current = session;
    session = undefined;
    if (!current) return;
    try {
      const failed = this.currentTest?.state === 'failed';
      if (failed || options.attachAlways) await attachSessionEvidence(current);
    } finally {
      await current.close();
    }
  };
  if (scope === 'suite') {
    before(setUp);
    after(tearDown);
  } else {
    beforeEach(setUp);
    afterEach(tearDown);
  }
  return () => {
    if (!session) throw new Error('useBoardSession: no open session (called outside a test, or its set-up failed)');
    return session;
  };
}

/** Opens a session, runs `body`, closes it; attaches the evidence when `body` throws. */
export async function withBoardSession<T>(board: BoardRecord, options: BoardSessionOptions, body: (session: BoardSession) => Promise<T>): Promise<T> {
  const session = await BoardSession.open(board, options);
  try {
    return await body(session);
  } catch (error) {
    await attachSessionEvidence(session).catch(() => undefined);
    throw error;
  } finally {
    await session.close();
  }
}
