/**
 * Waiting for OpenOCD's notifications on the connection that emits them: as an async iterator,
 * or for the first one that matches. They arrive between replies and belong to no call, so this
 * listens to the client's events ('notification', and 'close' when the connection ends) rather
 * than touching its request queue.
 */
import { type EventEmitter, on } from 'node:events';
import { TclConnectionLostError, TclTimeoutError } from './errors.js';
import type { OpenOcdNotification } from './notifications.js';

/** Notifications as an async iterator; it ends when `signal` aborts (buffered meanwhile). */
export async function* iterateNotifications(source: EventEmitter, signal?: AbortSignal): AsyncGenerator<OpenOcdNotification> {
  try {
    for await (const [n] of on(source, 'notification', signal ? { signal } : {})) {
      yield n as OpenOcdNotification;
    }
  } catch (err) {
    // Once the caller aborted, the iterator's rejection is that abort: the iteration just ends.
    if (!signal?.aborted) throw err;
  }
}

/** Resolves with the first notification that matches, or rejects after `timeoutMs`. */
export function waitForNotification(source: EventEmitter, match: (n: OpenOcdNotification) => boolean, timeoutMs: number): Promise<OpenOcdNotification> {
  return new Promise((resolve, reject) => {
    const onNotification = (n: OpenOcdNotification): void => {
      if (!match(n)) return;
      cleanup();
      resolve(n);
    };
    const onClose = (reason: string): void => {
      cleanup();
      reject(new TclConnectionLostError('(waiting for notification)', reason));
    };
    const timer = setTimeout(() => {
      cleanup();
      reject(new TclTimeoutError('(waiting for notification)', timeoutMs, timeoutMs, 'discard-late-reply'));
    }, timeoutMs);
    const cleanup = (): void => {
      clearTimeout(timer);
      source.off('notification', onNotification);
      source.off('close', onClose);
    };
    source.on('notification', onNotification);
    source.on('close', onClose);
  });
}
