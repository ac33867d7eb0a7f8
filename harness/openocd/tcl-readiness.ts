/**
 * Deciding that a freshly spawned OpenOCD is ready: a Tcl round trip on its port succeeds and
 * the OpenOCD answering is the one we started (it knows our instance token). The port is polled
 * with backoff, never a fixed sleep, and each attempt races the process's exit, because a
 * stranger holding the port may accept the connection and never answer while ours has already
 * died of the bind failure. Every way of not becoming ready ends in OpenOcdStartError with the
 * last log lines; a start that never answers is killed first.
 */
import { setTimeout as delay } from 'node:timers/promises';
import { settlesWithin, type ChildExit } from './child-exit.js';
import { OpenOcdStartError, TclCommandError } from './errors.js';
import { INSTANCE_TOKEN_VARIABLE } from './openocd-args.js';
import type { ProcessLog } from './process-log.js';
import type { SpawnedProcess } from './spawn.js';
import type { TclRpcClient } from './tcl-client.js';

export interface ReadinessWait {
  readonly binaryPath: string;
  readonly args: readonly string[];
  readonly port: number;
  /** The instance token the process was started with (openocd-args.ts). */
  readonly token: string;
  readonly child: SpawnedProcess;
  readonly exit: ChildExit;
  readonly log: ProcessLog;
  /** From now until the port must have answered. */
  readonly timeoutMs: number;
  /** One connection attempt, allowed to take `connectTimeoutMs`. */
  readonly connect: (connectTimeoutMs: number) => Promise<TclRpcClient>;
}

/** Resolves with the first Tcl client that reached our OpenOCD; throws OpenOcdStartError. */
export async function waitForTclReady(wait: ReadinessWait): Promise<TclRpcClient> {
  const { binaryPath, args, port, child, exit, log } = wait;
  const deadline = performance.now() + wait.timeoutMs;
  let backoffMs = 5;
  let lastError: unknown;
  for (;;) {
    const exitedEarly = exit.exitInfo;
    if (exitedEarly) {
      const spawnError = exit.spawnError;
      const why = spawnError ? `spawn failed: ${spawnError.message}` : 'exited before its Tcl port answered';
      throw new OpenOcdStartError(binaryPath, args, exitedEarly.code, exitedEarly.signal, log.tail(30), why, { cause: spawnError });
    }
    if (performance.now() > deadline) {
      child.kill('SIGKILL');
      await Promise.race([exit.exited, delay(2000)]);
      throw new OpenOcdStartError(binaryPath, args, null, 'SIGKILL', log.tail(30), `Tcl port ${port} did not answer within ${wait.timeoutMs} ms (killed)`, {
        cause: lastError,
      });
    }
    const attempt = wait.connect(Math.max(200, Math.min(5000, deadline - performance.now())));
    const outcome = await Promise.race([
      attempt.then(
        (client) => ({ client }),
        (error: unknown) => ({ error }),
      ),
      exit.exited.then(() => ({ exitedFirst: true as const })),
    ]);
    if ('exitedFirst' in outcome) {
      void attempt.then(
        (client) => client.close(),
        () => undefined,
      );
      continue;
    }
    if ('client' in outcome) {
      const client = outcome.client;
      const seen = await client.call(`set ${INSTANCE_TOKEN_VARIABLE}`, { timeoutMs: 5000 }).catch((err: unknown) => err);
      if (seen === wait.token) return client;
      // Answers, but not as the OpenOCD we started: keep polling until ours exits.
      await client.close();
      lastError = new Error(`Tcl port ${port} answers, but not as the OpenOCD we started (token ${String(seen)})`);
    } else if (outcome.error instanceof TclCommandError) {
      // Our OpenOCD answered but refused a handshake command (e.g. `tcl_notifications on`
      // before `init`): waiting will not help.
      child.kill('SIGKILL');
      await settlesWithin(exit.exited, 2000);
      throw new OpenOcdStartError(binaryPath, args, null, 'SIGKILL', log.tail(30), `Tcl handshake failed: ${outcome.error.message}`, { cause: outcome.error });
    } else {
      // Refused (not listening yet): keep polling until ready, exit, or the deadline.
      lastError = outcome.error;
    }
    await Promise.race([exit.exited, delay(backoffMs)]);
    backoffMs = Math.min(backoffMs * 2, 100);
  }
}
