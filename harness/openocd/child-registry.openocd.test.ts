/**
 * The process-wide child registry with real processes: a Node process that started OpenOCD
 * and then exits (process.exit, or SIGTERM) must not leave OpenOCD running.
 */
import { expect } from 'chai';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const HELPER = fileURLToPath(new URL('./testing/orphan-check.ts', import.meta.url));

/** Alive and not a zombie (an orphan's zombie lingers until PID 1 reaps it). */
function isRunning(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

async function waitUntil(check: () => boolean, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (check()) return true;
    await new Promise((r) => setTimeout(r, 20));
  }
  return check();
}

describe('child registry: OpenOCD does not outlive the Node process that started it', function () {
  this.timeout(30_000);
  const openocdPids: number[] = [];

  after(() => {
    // Only if a test failed: stop any OpenOCD the helper left behind, by its own pid.
    for (const pid of openocdPids) if (isRunning(pid)) process.kill(pid, 'SIGKILL');
  });

  for (const mode of ['exit', 'signal'] as const) {
    it(mode === 'exit' ? 'process.exit() kills the live OpenOCD child' : 'SIGTERM to the Node process kills the live OpenOCD child', async () => {
      const helper = spawn(process.execPath, ['--import', 'tsx', HELPER, mode], { stdio: ['pipe', 'pipe', 'inherit'] });
      const helperExit = new Promise<{ code: number | null; signal: string | null }>((resolve) =>
        helper.once('exit', (code, signal) => resolve({ code, signal })),
      );
      try {
        const pid = await new Promise<number>((resolve, reject) => {
          let out = '';
          helper.stdout.on('data', (d: Buffer) => {
            out += d.toString();
            const m = /openocd-pid (\d+)/.exec(out);
            if (m) resolve(Number(m[1]));
          });
          void helperExit.then(() => reject(new Error(`helper exited before starting OpenOCD: ${out}`)));
        });
        openocdPids.push(pid);
        expect(isRunning(pid)).to.equal(true);
        if (mode === 'signal') helper.kill('SIGTERM');
        else helper.stdin.write('exit\n');
        const exit = await helperExit;
        if (mode === 'exit') expect(exit.code).to.equal(3);
        else expect(exit.signal).to.equal('SIGTERM');
        expect(await waitUntil(() => !isRunning(pid), 3000), `OpenOCD pid ${pid} still running`).to.equal(true);
      } finally {
        if (helper.exitCode === null && helper.signalCode === null) helper.kill('SIGKILL');
      }
    });
  }
});
