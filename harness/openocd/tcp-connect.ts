/**
 * Opening the TCP connection to OpenOCD's Tcl port, bounded in time. A port that refuses, a
 * host that does not answer and a connect that outlasts its limit all fail the same way, as a
 * TclConnectionLostError for the pseudo-command "(connect)", so the supervisor's readiness poll
 * treats them alike and simply tries again.
 */
import { connect as netConnect, type Socket } from 'node:net';
import { TclConnectionLostError } from './errors.js';

/** Resolves with the connected socket, or rejects after `limitMs` or on a socket error. */
export function connectTcp(host: string, port: number, limitMs: number): Promise<Socket> {
  return new Promise<Socket>((resolve, reject) => {
    const s = netConnect({ host, port });
    const timer = setTimeout(() => {
      s.destroy();
      reject(new TclConnectionLostError('(connect)', `connect to ${host}:${port} timed out after ${limitMs} ms`));
    }, limitMs);
    s.once('connect', () => {
      clearTimeout(timer);
      s.removeAllListeners('error');
      resolve(s);
    });
    s.once('error', (err) => {
      clearTimeout(timer);
      reject(new TclConnectionLostError('(connect)', `cannot connect to ${host}:${port}: ${err.message}`, { cause: err }));
    });
  });
}
