/**
 * What Ctrl-C (SIGINT/SIGTERM) must finish before `hil` exits: open board sessions close (so
 * OpenOCD stops and a virtual board saves its state file), `hil virtual` stops its board. The
 * signal handler in cli.ts awaits these (bounded), then exits with `interruptExitCode()`: 2 (no
 * verdict) unless a command made the interrupt its normal end (`hil virtual`: 0).
 */
type Cleanup = () => Promise<unknown>;

const cleanups = new Set<Cleanup>();
let exitCode = 2;

/** Registers a cleanup; returns its disposer (call it when the work ended normally). */
export function onInterrupt(cleanup: Cleanup): () => void {
  cleanups.add(cleanup);
  return () => cleanups.delete(cleanup);
}

/** For commands whose normal end is Ctrl-C. */
export function setInterruptExitCode(code: number): void {
  exitCode = code;
}

export function interruptExitCode(): number {
  return exitCode;
}

/** Runs every cleanup, newest first, each failure ignored, all within `limitMs`. */
export async function runInterruptCleanups(limitMs = 15_000): Promise<void> {
  const list = [...cleanups].reverse();
  cleanups.clear();
  const all = (async () => {
    for (const c of list) await c().catch(() => undefined);
  })();
  await Promise.race([all, new Promise((r) => setTimeout(r, limitMs).unref())]);
}
