/**
 * The images the mission specs program: the fixture app in a container padded to a realistic
 * size (the new image), and a *different, larger* previous image, so stale data left by a bad
 * erase is visible in the sector map and cannot be mistaken for the new image.
 */
import { readFileSync } from 'node:fs';
import { ensureFirmwareBuilt } from '../../fixtures/firmware/build.js';
import { buildImage } from '../../harness/image/index.js';

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

/** Erase units (64 KiB) a range touches, as a range: what a run's erase must have cleared. */
export function eraseUnitsCovering(offset: number, length: number, unit = 64 * KIB): { offset: number; length: number } {
  const first = Math.floor(offset / unit) * unit;
  const end = Math.ceil((offset + length) / unit) * unit;
  return { offset: first, length: end - first };
}
