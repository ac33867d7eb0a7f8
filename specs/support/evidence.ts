/**
 * Per-test evidence from a session shared by several tests: marks where this test starts in
 * the session's record and attaches what was recorded since (harness/report renders it).
 */
import { attachEvidenceSince } from '../../harness/report/index.js';
import type { BoardSession } from '../../harness/session/index.js';

/** Runs `body` and attaches this test's stretch of the session's evidence whatever the outcome. */
export async function withEvidence<T>(session: BoardSession, body: () => Promise<T>): Promise<T> {
  const mark = session.evidence.mark();
  try {
    return await body();
  } finally {
    await attachEvidenceSince(session, mark).catch(() => undefined);
  }
}
