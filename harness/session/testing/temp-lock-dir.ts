/**
 * A lock directory of its own for a describe block, so a test's sessions never meet the locks of
 * a real run on the same machine; removed after the block.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export function useTempLockDir(): () => string {
  let dir: string | undefined;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'hil-session-locks-'));
  });
  after(async () => {
    if (dir !== undefined) await rm(dir, { recursive: true, force: true });
  });
  return () => {
    if (dir === undefined) throw new Error('useTempLockDir: no lock directory yet (called outside a test)');
    return dir;
  };
}
