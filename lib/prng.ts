/**
 * mulberry32 (Tommy Ettinger's 32-bit-state generator): seeded, reproducible on every machine,
 * a few operations per draw. For test data and simulated damage, never for anything secret.
 * Dependency-free: harness/ and fixtures/ both import it.
 */

/** A generator of uniform unsigned 32-bit values; the same seed gives the same sequence. */
export function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  };
}
