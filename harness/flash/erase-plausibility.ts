/**
 * Erase-time plausibility: NOR erase is physics, not bookkeeping. A 64 KiB block cannot be
 * cleared in a few milliseconds, and a chip erase of a W25Q512JV cannot finish in a minute and
 * a half. An erase "done" faster than that did not happen: the erase command was dropped (no
 * WEL, protected area, wrong address mode), or the tool reported success without waiting.
 * That was the clue in the field report this harness exists for (a "chip erase" of 1.38 min
 * where the part needs about 4).
 *
 * Datasheets give typical and maximum times, no minimum. Typical is measured on fresh parts at
 * 25 °C; wear and temperature make erases slower, not faster, so healthy parts land near or
 * above typical. We flag anything below `floorFraction` (default 1/2) of the typical time, scaled
 * by the board's time scale (1 on silicon; the virtual board may run faster).
 */
import type { ChipDescription, OperationTime } from './chips.js';
import { eraseUnitOf } from './chips.js';

export interface EraseTiming {
  /** Bytes erased by this operation: a unit size, or the chip size for a chip erase. */
  readonly bytes: number;
  /** Erase units issued (e.g. 4 x 64 KiB for a 256 KiB range); 1 for a chip erase. */
  readonly units: number;
  readonly elapsedMs: number;
}

export interface PlausibilityVerdict {
  readonly plausible: boolean;
  /** The shortest believable duration for this erase, in ms. */
  readonly floorMs: number;
  readonly typicalMs: number;
  readonly elapsedMs: number;
  readonly explanation: string;
}

export function checkEraseTime(chip: ChipDescription, timing: EraseTiming, options: { timeScale?: number; floorFraction?: number } = {}): PlausibilityVerdict {
  const timeScale = options.timeScale ?? 1;
  const floorFraction = options.floorFraction ?? 0.5;
  const time: OperationTime = timing.bytes === chip.sizeBytes ? chip.chipErase.time : eraseUnitOf(chip, timing.bytes / timing.units).time;
  const typicalMs = time.typicalMs * timing.units * timeScale;
  const floorMs = typicalMs * floorFraction;
  const plausible = timing.elapsedMs >= floorMs;
  const what = timing.bytes === chip.sizeBytes ? `chip erase of the ${chip.name}` : `${timing.units} x ${timing.bytes / timing.units / 1024} KiB erase`;
  const explanation = plausible
    ? `${what} took ${fmt(timing.elapsedMs)} (typical ${fmt(typicalMs)}): plausible`
    : `${what} took ${fmt(timing.elapsedMs)}, under the ${fmt(floorMs)} floor (${floorFraction} x typical ${fmt(typicalMs)}${timeScale !== 1 ? ` at time scale ${timeScale}` : ''}): the chip cannot erase that fast, so the erase most likely never ran (dropped command: no WEL, protected sectors, wrong address mode)`;
  return { plausible, floorMs, typicalMs, elapsedMs: timing.elapsedMs, explanation };
}

function fmt(ms: number): string {
  return ms >= 60_000 ? `${(ms / 60_000).toFixed(2)} min` : ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${ms.toFixed(1)} ms`;
}
