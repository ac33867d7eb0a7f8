/**
 * The images the mission specs program: the fixture app in a container padded to a realistic
 * size (the new image), and a *different, larger* previous image, so stale data left by a bad
 * erase is visible in the sector map and cannot be mistaken for the new image.
 */
import { readFileSync } from 'node:fs';
import { ensureFirmwareBuilt } from '../../fixtures/firmware/build.js';
import { buildImage, DEFAULT_PAYLOAD_OFFSET } from '../../harness/image/index.js';

export const KIB = 1024;
/** Versions in the image headers: the boot log tells the two apart (`image=ok version=N`). */
export const NEW_VERSION = 2;
export const PREVIOUS_VERSION = 1;

/** Deterministic pseudo-random bytes (xorshift32): the same previous image every run. */
export function seededBytes(length: number, seed: number): Uint8Array {
  const out = new Uint8Array(length);
  let x = seed >>> 0 || 0x9e3779b9;
  for (let i = 0; i < length; i++) {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    out[i] = x & 0xff;
  }
  return out;
}

/** app.bin followed by seeded filler up to `payloadBytes`: still boots, the CRC covers it all. */
function paddedApp(payloadBytes: number, seed: number): Uint8Array {
  const app = new Uint8Array(readFileSync(ensureFirmwareBuilt().appBin));
  if (payloadBytes < app.length) throw new RangeError(`payload of ${payloadBytes} bytes cannot hold app.bin (${app.length} bytes)`);
  const payload = seededBytes(payloadBytes, seed);
  payload.set(app, 0);
  return payload;
}

export interface SpecImages {
  /** The image the runs program (about 12 KiB). */
  readonly image: Uint8Array;
  /** What the flash held before (about 48 KiB, other version, other filler). */
  readonly previous: Uint8Array;
}

let cached: SpecImages | undefined;

export function specImages(): SpecImages {
  cached ??= {
    image: buildImage({ payload: paddedApp(11 * KIB, 0x5eed0002), version: NEW_VERSION }),
    previous: buildImage({ payload: paddedApp(47 * KIB, 0x5eed0001), version: PREVIOUS_VERSION }),
  };
  return cached;
}

/**
 * The interrupted-programming scenario's real-size images (spec 2, the soak): a new image of
 * 1 MiB + 32 KiB (17 erase units, the last half used, so first / middle / last name three
 * different units and the blank tail of the last unit is checked) over a previous image of
 * 1.5 MiB + 16 KiB (25 units). Seeded filler makes every 4 KiB sector of the two differ, so
 * any unit the next run fails to clear shows as stale.
 */
export const SCENARIO_NEW_BYTES = 1024 * KIB + 32 * KIB;
export const SCENARIO_PREVIOUS_BYTES = 1536 * KIB + 16 * KIB;

let scenario: SpecImages | undefined;

export function scenarioImages(): SpecImages {
  scenario ??= {
    image: buildImage({ payload: paddedApp(SCENARIO_NEW_BYTES - DEFAULT_PAYLOAD_OFFSET, 0x5eed1002), version: NEW_VERSION }),
    previous: buildImage({ payload: paddedApp(SCENARIO_PREVIOUS_BYTES - DEFAULT_PAYLOAD_OFFSET, 0x5eed1001), version: PREVIOUS_VERSION }),
  };
  return scenario;
}

/** Erase units (64 KiB) a range touches, as a range: what a run's erase must have cleared. */
export function eraseUnitsCovering(offset: number, length: number, unit = 64 * KIB): { offset: number; length: number } {
  const first = Math.floor(offset / unit) * unit;
  const end = Math.ceil((offset + length) / unit) * unit;
  return { offset: first, length: end - first };
}
