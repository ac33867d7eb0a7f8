/**
 * One board session per describe block (suite scope), with the bootloader programmed once, and
 * a per-test guard: a test that starts after an earlier one left the session interrupted or
 * broken begins with a reconnect (the next run), so one failure does not cascade.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { relative } from 'node:path';
import { REPO_ROOT } from '../../harness/boards/index.js';
import { recordRunEnvironment } from '../../harness/report/index.js';
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
    if (elf === false) return;
    await get().programInternalFlash(elf);
    // The health check at open could not prove the UART on an empty internal flash: prove it
    // now. Silence here is the rig's (broken); after this, silence is the board's (a verdict).
    await get().proveUart();
    // The run's bootloader (HIL_BOOTLOADER_ELF swaps it) in the report's environment; a spec
    // that names its own (the negative control) says so in its cases' parameters instead.
    if (options.bootloader !== undefined) return;
    const sha256 = createHash('sha256').update(readFileSync(elf)).digest('hex').slice(0, 16);
    recordRunEnvironment({ bootloader: `${relative(REPO_ROOT, elf)} (sha256 ${sha256})` });
  });
  beforeEach(async function () {
    this.timeout(Math.max(this.timeout(), 120_000));
    const session = get();
    if (session.broken !== undefined || session.interrupted !== undefined) await session.reconnect();
  });
  return get;
}
