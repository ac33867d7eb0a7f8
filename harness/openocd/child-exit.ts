/**
 * When and how a spawned OpenOCD ended. The child stays in the child registry (so our own exit
 * takes it down) until it has exited; its log is flushed before the exit is reported, so an
 * error built from the last log lines sees everything it printed. Node reports the end of a
 * process in up to three ways ('close', 'exit', 'error' for a failed spawn); this settles them
 * into one promise that never rejects.
 */
import { registerChild, unregisterChild } from './child-registry.js';
import type { ProcessLog } from './process-log.js';
import type { SpawnedProcess } from './spawn.js';

export interface ExitInfo {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  /** How it ended: asked by stop() (and which step worked), killed on purpose, or on its own. */
  readonly how: 'shutdown' | 'SIGTERM' | 'SIGKILL' | 'killed' | 'unexpected';
}

/** True if `promise` settles within `ms`; the timer is cleared either way. */
export async function settlesWithin(promise: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), ms)));
  try {
    return await Promise.race([promise.then(() => true as const), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

export class ChildExit {
  /** Resolves when the process has exited (never rejects). */
  readonly exited: Promise<ExitInfo>;
  private info: ExitInfo | undefined;
  private failedSpawn: Error | undefined;

  /** `how` is asked at exit time: what the supervisor intended, if anything. */
  constructor(child: SpawnedProcess, log: ProcessLog, how: () => ExitInfo['how']) {
    registerChild(child);
    this.exited = new Promise<ExitInfo>((resolve) => {
      let done = false;
      const finish = (code: number | null, signal: NodeJS.Signals | null): void => {
        if (done) return;
        done = true;
        log.flush();
        unregisterChild(child);
        resolve({ code, signal, how: how() });
      };
      // 'close' waits for stdout/stderr to end, so the log is complete when we report it; if
      // something else holds the pipes open, 'exit' plus a short grace period decides.
      child.once('close', (code: number | null, signal: NodeJS.Signals | null) => finish(code, signal));
      child.once('exit', (code: number | null, signal: NodeJS.Signals | null) => {
        setTimeout(() => finish(code, signal), 500).unref();
      });
      child.once('error', (err: Error) => {
        this.failedSpawn = err;
        // A spawn failure (ENOENT, EACCES) emits 'error' and maybe never 'close'.
        if (child.pid === undefined) finish(null, null);
      });
    });
    void this.exited.then((info) => (this.info = info));
  }

  /** How it ended, once it has (without waiting). */
  get exitInfo(): ExitInfo | undefined {
    return this.info;
  }

  /** Why spawning failed (ENOENT, EACCES), if it did. */
  get spawnError(): Error | undefined {
    return this.failedSpawn;
  }
}
