/**
 * A pair of connected pseudo-terminals made by socat: tests open one end with the code under
 * test and play the device on the other. socat is stopped by its own pid.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface PtyPair {
  /** The end the code under test opens. */
  readonly hostPath: string;
  /** The end that plays the device. */
  readonly devicePath: string;
  readonly pid: number;
  stop(): Promise<void>;
}

export async function startPtyPair(timeoutMs = 5000): Promise<PtyPair> {
  const dir = mkdtempSync(join(tmpdir(), 'hil-pty-'));
  const hostPath = join(dir, 'host');
  const devicePath = join(dir, 'device');
  const socat: ChildProcess = spawn('socat', [`pty,raw,echo=0,link=${hostPath}`, `pty,raw,echo=0,link=${devicePath}`], { stdio: 'ignore' });
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
  while (!(existsSync(hostPath) && existsSync(devicePath))) {
    const failed = await Promise.race([spawnError, new Promise<undefined>((r) => setTimeout(() => r(undefined), 20))]);
    if (failed) {
      await stop();
      throw new Error(`cannot start socat for a pty pair (apt-get install socat): ${failed.message}`);
    }
    if (Date.now() > deadline || socat.exitCode !== null) {
      await stop();
      throw new Error('socat did not create the pty pair');
    }
  }
  return { hostPath, devicePath, pid: socat.pid!, stop };
}
