/**
 * What every mission spec shares about the board under test: which one (`--board` / HIL_BOARD),
 * the virtual time scale for CI, the bootloader to program, and the skip-with-a-reason helper.
 */
import { ensureFirmwareBuilt } from '../../fixtures/firmware/build.js';
import { selectBoard, type BoardRecord } from '../../harness/boards/index.js';
import { attachText, labels } from '../../harness/report/index.js';

/** The board chosen for this run; the whole suite runs unchanged on any boards.json entry. */
export function specBoard(): BoardRecord {
  return selectBoard().board;
}

/**
 * Virtual flash time scale for the specs (HIL_SPEC_TIME_SCALE overrides). Small enough for CI;
 * the erase-time plausibility check scales its datasheet floors by the same factor.
 */
export function specTimeScale(fallback = 0.002): number {
  const text = process.env.HIL_SPEC_TIME_SCALE;
  const value = text !== undefined && text.trim() !== '' ? Number(text) : fallback;
  if (!(value > 0)) throw new RangeError(`HIL_SPEC_TIME_SCALE must be a positive number, got ${JSON.stringify(text)}`);
  return value;
}

/**
 * The bootloader ELF the specs program into internal flash: the CRC-checking one, unless
 * HIL_BOOTLOADER_ELF names another (the meta-tests use it to swap in the no-CRC build).
 */
export function bootloaderElf(): string {
  const override = process.env.HIL_BOOTLOADER_ELF;
  if (override !== undefined && override.trim() !== '') return override;
  return ensureFirmwareBuilt().bootloaderElf;
}

/** The negative-control bootloader (built with CHECK_CRC=0). */
export function noCrcBootloaderElf(): string {
  return ensureFirmwareBuilt().bootloaderNoCrcElf;
}

/**
 * Skips the current test (or the whole block from a `before`) and says why, in the report and
 * on the console first: mocha's `this.skip()` takes no reason.
 */
export async function skipBecause(ctx: Mocha.Context, why: string): Promise<never> {
  await labels({ story: 'skipped on this board' });
  await attachText('why this was skipped', why);
  // The skip reason is for the person reading the run's output.
  // eslint-disable-next-line no-console
  console.log(`      skipped: ${why}`);
  ctx.skip();
}
