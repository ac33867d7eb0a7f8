/**
 * Pseudo-terminals made by socat, stopped by their own pid:
 * - `startPtyPair`: two connected ptys; tests open one end with the code under test and play
 *   the device on the other;
 * - `bridgeTcpUart`: a local pty that carries a UART served over TCP on another host (ser2net,
 *   `socat tcp-listen:… file:/dev/tty…`), so the same tty code reads a remote board's console.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NoVerdictError } from '../exit-codes.js';

export interface PtyPair {
  /** The end the code under test opens. */
  readonly hostPath: string;
  /** The end that plays the device. */
  readonly devicePath: string;
  readonly pid: number;
  stop(): Promise<void>;
}

export interface TcpUartBridge {
  /** The local pty to open. */
  readonly path: string;
  readonly pid: number;
  stop(): Promise<void>;
}

export class SocatError extends NoVerdictError {}

interface SocatRun {
  readonly pid: number;
  stop(): Promise<void>;
}

/** Starts socat with two addresses and waits until every `links` path exists. */
async function startSocat(addresses: readonly [string, string], links: readonly string[], dir: string, timeoutMs: number, what: string): Promise<SocatRun> {
  const socat: ChildProcess = spawn('socat', [...addresses], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  socat.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<void>((resolve) => socat.once('exit', () => resolve()));
  const stop = async () => {
    if (socat.exitCode === null && socat.signalCode === null) {
      socat.kill('SIGTERM');
      await exited;
    }
    rmSync(dir, { recursive: true, force: true });
  };
  const spawnError = new Promise<Error>((resolve) => socat.once('error', resolve));
  const deadline = Date.now() + timeoutMs;
  while (!links.every((link) => existsSync(link))) {
    const failed = await Promise.race([spawnError, new Promise<undefined>((r) => setTimeout(() => r(undefined), 20))]);
    if (failed) {
      await stop();
      throw new SocatError(`cannot start socat for ${what} (apt-get install socat): ${failed.message}`);
    }
    if (Date.now() > deadline || socat.exitCode !== null) {
      await stop();
      throw new SocatError(`socat did not set up ${what}${stderr ? `: ${stderr.trim().split('\n').slice(-3).join(' | ')}` : ''}`);
    }
  }
  return { pid: socat.pid!, stop };
}

export async function startPtyPair(timeoutMs = 5000): Promise<PtyPair> {
  const dir = mkdtempSync(join(tmpdir(), 'hil-pty-'));
  const hostPath = join(dir, 'host');
  const devicePath = join(dir, 'device');
  const run = await startSocat([`pty,raw,echo=0,link=${hostPath}`, `pty,raw,echo=0,link=${devicePath}`], [hostPath, devicePath], dir, timeoutMs, 'a pty pair');
  return { hostPath, devicePath, ...run };
}

/** A local pty bridged to a UART served on `host:port` (boards.json `uart: { host, port }`). */
export async function bridgeTcpUart(host: string, port: number, timeoutMs = 5000): Promise<TcpUartBridge> {
  const dir = mkdtempSync(join(tmpdir(), 'hil-net-uart-'));
  const path = join(dir, 'uart');
  // socat quotes nothing: refuse what would change the address's meaning.
  if (!/^[A-Za-z0-9.:[\]-]+$/.test(host)) throw new SocatError(`UART host ${JSON.stringify(host)} is not a plain host name or address`);
  const target = host.includes(':') ? `tcp6:[${host.replace(/^\[|\]$/g, '')}]:${port}` : `tcp:${host}:${port}`;
  const run = await startSocat(
    [`pty,raw,echo=0,link=${path}`, `${target},connect-timeout=5`],
    [path],
    dir,
    timeoutMs,
    `a pty for the UART served at ${host}:${port}`,
  );
  return { path, ...run };
}
