/**
 * One board session per describe block (suite scope), with the bootloader programmed once, and
 * a per-test guard: a test that starts after an earlier one left the session interrupted or
 * broken begins with a reconnect (the next run), so one failure does not cascade.
 */
import { useBoardSession, type BoardSession, type BoardSessionOptions } from '../../harness/session/index.js';
import { bootloaderElf, specBoard, specTimeScale } from './board.js';

export interface SpecSessionOptions extends BoardSessionOptions {
  /** Program this bootloader into internal flash once (default: bootloaderElf()). False: none. */
  readonly bootloader?: string | false;
}

export function useSpecSession(options: SpecSessionOptions = {}): () => BoardSession {
  const get = useBoardSession({ board: specBoard, scope: 'suite', timeScale: specTimeScale(), ...options });
  before(async function () {
    this.timeout(120_000);
    const elf = options.bootloader ?? bootloaderElf();
    if (elf !== false) await get().programInternalFlash(elf);
  });
  beforeEach(async function () {
    this.timeout(Math.max(this.timeout(), 120_000));
    const session = get();
    if (session.broken !== undefined || session.interrupted !== undefined) await session.reconnect();
  });
  return get;
}
