/** Waiting for a command that a fault may have cut off, without a timer outliving the answer. */
import { setTimeout as delay } from 'node:timers/promises';

/** The command's outcome, or 'interrupted' when it has not settled in `boundMs`; the timer never outlives the answer. */
export async function settledWithin(settling: Promise<'completed' | 'interrupted'>, boundMs: number): Promise<'completed' | 'interrupted'> {
  const stop = new AbortController();
  const bound = delay(boundMs, 'interrupted' as const, { signal: stop.signal }).catch(() => 'interrupted' as const);
  try {
    return await Promise.race([settling, bound]);
  } finally {
    stop.abort();
  }
}
