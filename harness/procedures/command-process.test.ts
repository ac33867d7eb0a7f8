/**
 * RunningCommand against real processes (small sh scripts): output lines and progress, the
 * process group killed as a whole (grandchildren included, even when one holds the pipes open),
 * timeouts, exit codes, verbatim arguments, and tools that cannot start.
 */
import { expect } from 'chai';
import { existsSync, readFileSync } from 'node:fs';
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { NoVerdictError } from '../exit-codes.js';
import { registeredChildCount } from '../openocd/child-registry.js';
import { CommandNotStartableError, RunningCommand, type CommandStart, type OutputLine, type ProgressSample } from './command-process.js';
import { ProgressPattern } from './progress-pattern.js';

let dir: string;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'hil-command-process-'));
});

after(async () => {
  await rm(dir, { recursive: true, force: true });
});

function sh(script: string, more: Partial<CommandStart> = {}): Promise<RunningCommand> {
  return RunningCommand.start({ file: '/bin/sh', args: ['-c', script], env: {}, cwd: dir, timeoutMs: 30_000, ...more });
}

/**
 * Alive = exists and is not a zombie. Killed grandchildren are orphans whose reaper is init,
 * and this machine's init may take a second or two to reap them: until then kill(pid, 0)
 * still succeeds, but /proc/<pid>/stat says Z.
 */
function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ESRCH') return false;
    throw err;
  }
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return false; // Reaped meanwhile.
  }
  const state = stat.slice(stat.lastIndexOf(')') + 2).split(' ')[0];
  return state !== 'Z' && state !== 'X';
}

async function eventually(check: () => boolean, withinMs: number): Promise<boolean> {
  const deadline = performance.now() + withinMs;
  for (;;) {
    if (check()) return true;
    if (performance.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, 20));
  }
}

async function pidsIn(file: string): Promise<number[]> {
  return (await readFile(file, 'utf8'))
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map(Number);
}

/** A promise for the first line `match` accepts, and the onLine that feeds it. */
function lineWaiter(match: (line: OutputLine) => boolean): { seen: Promise<OutputLine>; onLine: (line: OutputLine) => void } {
  let resolve: (line: OutputLine) => void = () => undefined;
  const seen = new Promise<OutputLine>((r) => (resolve = r));
  return { seen, onLine: (line) => (match(line) ? resolve(line) : undefined) };
}

describe('RunningCommand', () => {
  describe('killing the process group', () => {
    it('kills the tool and all its grandchildren', async () => {
      const pidFile = join(dir, 'grandchildren.pids');
      const { seen, onLine } = lineWaiter((l) => l.text === 'ready');
      const before = registeredChildCount();
      const cmd = await sh('for i in 1 2 3; do sleep 60 & echo $! >> "$PIDS"; done; echo ready; sleep 60', { env: { PIDS: pidFile }, onLine });
      expect(cmd.running).to.equal(true);
      expect(registeredChildCount()).to.equal(before + 1);
      await seen;
      const pids = await pidsIn(pidFile);
      expect(pids).to.have.length(3);
      expect(pids.every(isAlive)).to.equal(true);

      cmd.killGroup();
      cmd.killGroup(); // idempotent
      const exit = await cmd.exited;
      expect(exit).to.include({ exitCode: null, signal: 'SIGKILL', killedByHarness: true, timedOut: false });
      expect(cmd.running).to.equal(false);
      expect(pids.filter(isAlive), 'grandchildren alive right after exit').to.deep.equal([]);
      expect(await eventually(() => pids.every((p) => !isAlive(p)), 1000)).to.equal(true);
      expect(registeredChildCount()).to.equal(before);
      cmd.killGroup(); // safe after exit
      expect((await cmd.exited).killedByHarness).to.equal(true);
    });

    it('resolves within about a second when a grandchild keeps stdout open, and kills it', async () => {
      const pidFile = join(dir, 'holder.pid');
      const { seen, onLine } = lineWaiter((l) => l.text === 'line 5');
      const cmd = await sh('(sleep 60 & echo $! > "$PIDFILE"); i=0; while true; do echo "line $i"; i=$((i+1)); sleep 0.01; done', {
        env: { PIDFILE: pidFile },
        onLine,
      });
      await seen;
      const [holder] = await pidsIn(pidFile);
      expect(isAlive(holder as number)).to.equal(true);
      const killedAt = performance.now();
      cmd.killGroup();
      const exit = await cmd.exited;
      expect(performance.now() - killedAt).to.be.below(1000);
      expect(exit).to.include({ signal: 'SIGKILL', killedByHarness: true });
      expect(await eventually(() => !isAlive(holder as number), 1000)).to.equal(true);
      expect(cmd.output.map((l) => l.text).slice(0, 6)).to.deep.equal(['line 0', 'line 1', 'line 2', 'line 3', 'line 4', 'line 5']);
    });

    it('after a normal exit, kills what the tool left behind holding its pipes', async () => {
      const pidFile = join(dir, 'leftover.pid');
      const startedAt = performance.now();
      const cmd = await sh('(sleep 60 & echo $! > "$PIDFILE"); echo bye', { env: { PIDFILE: pidFile } });
      const exit = await cmd.exited;
      expect(performance.now() - startedAt).to.be.below(1500);
      expect(exit).to.include({ exitCode: 0, signal: null, killedByHarness: false, timedOut: false });
      const [leftover] = await pidsIn(pidFile);
      expect(await eventually(() => !isAlive(leftover as number), 1000)).to.equal(true);
      expect(cmd.output.map((l) => l.text)).to.deep.equal(['bye']);
    });

    it('kills the group at the timeout and reports timedOut', async () => {
      const pidFile = join(dir, 'timeout.pid');
      const cmd = await sh('sleep 60 & echo $! > "$PIDFILE"; sleep 60', { env: { PIDFILE: pidFile }, timeoutMs: 300 });
      const exit = await cmd.exited;
      expect(exit).to.include({ exitCode: null, signal: 'SIGKILL', timedOut: true, killedByHarness: false });
      expect(exit.durationMs).to.be.at.least(290).and.below(2000);
      const [grandchild] = await pidsIn(pidFile);
      expect(await eventually(() => !isAlive(grandchild as number), 1000)).to.equal(true);
    });

    it('sends another signal when asked, and still clears the group after the tool exits', async () => {
      const pidFile = join(dir, 'term.pid');
      const { seen, onLine } = lineWaiter((l) => l.text === 'ready');
      // The grandchild ignores SIGTERM; the tool dies of it.
      const cmd = await sh('(trap "" TERM; exec sleep 60) & echo $! > "$PIDFILE"; echo ready; wait', { env: { PIDFILE: pidFile }, onLine });
      await seen;
      const [stubborn] = await pidsIn(pidFile);
      cmd.killGroup('SIGTERM');
      const exit = await cmd.exited;
      expect(exit).to.include({ signal: 'SIGTERM', killedByHarness: true });
      expect(await eventually(() => !isAlive(stubborn as number), 1000)).to.equal(true);
    });
  });

  describe('output and progress', () => {
    it('reads bytes-of-total progress lines', async () => {
      const seen: ProgressSample[] = [];
      const cmd = await sh('for n in 0 512 1024; do echo "write: $n of 1024 bytes"; done; echo done', {
        progress: new ProgressPattern('write: (?<bytes>\\d+) of (?<total>\\d+) bytes'),
        onProgress: (s) => seen.push(s),
      });
      await cmd.exited;
      expect(cmd.progress.map((s) => [s.percent, s.bytes])).to.deep.equal([
        [0, 0],
        [50, 512],
        [100, 1024],
      ]);
      expect(cmd.progress[1]?.line).to.equal('write: 512 of 1024 bytes');
      expect(seen).to.deep.equal(cmd.progress);
    });

    it('reads bytes against totalBytes when the line has no total', async () => {
      const cmd = await sh('echo "wrote 0x100"; echo "wrote 0x400"', { progress: new ProgressPattern('wrote (?<bytes>0x[0-9a-f]+)'), totalBytes: 0x400 });
      await cmd.exited;
      expect(cmd.progress.map((s) => s.percent)).to.deep.equal([25, 100]);
    });

    it('splits a progress bar redrawn with \\r into lines', async () => {
      const percents: number[] = [];
      const cmd = await sh("printf '[=====     ] 50%%\\r[==========] 100%%\\r\\ndone\\r\\n'", {
        progress: new ProgressPattern('(?<percent>\\d+)%'),
        onProgress: (s) => percents.push(s.percent),
      });
      await cmd.exited;
      expect(cmd.output.map((l) => l.text)).to.deep.equal(['[=====     ] 50%', '[==========] 100%', 'done']);
      expect(cmd.progress.map((s) => s.percent)).to.deep.equal([50, 100]);
      expect(percents).to.deep.equal([50, 100]);
    });

    it('calls onLine per line in order across stdout and stderr; the transcript has both', async () => {
      const lines: OutputLine[] = [];
      const cmd = await sh('echo one; sleep 0.05; echo two >&2; sleep 0.05; echo three; sleep 0.05; echo four >&2', { onLine: (l) => lines.push(l) });
      await cmd.exited;
      expect(lines.map((l) => `${l.stream}:${l.text}`)).to.deep.equal(['stdout:one', 'stderr:two', 'stdout:three', 'stderr:four']);
      expect(cmd.output).to.deep.equal(lines);
      expect(lines.map((l) => l.atMs)).to.deep.equal([...lines.map((l) => l.atMs)].sort((a, b) => a - b));
      const transcript = cmd.transcript().split('\n');
      expect(transcript).to.have.length(4);
      expect(transcript[0]).to.match(/^ +\d+\.\d{3}s stdout one$/);
      expect(transcript[1]).to.match(/^ +\d+\.\d{3}s stderr two$/);
    });

    it('decodes UTF-8 split across chunks and flushes a last line without a newline', async () => {
      const cmd = await sh("printf 'caf\\303'; sleep 0.1; printf '\\251\\n'; printf 'no newline at end'");
      await cmd.exited;
      expect(cmd.output.map((l) => l.text)).to.deep.equal(['café', 'no newline at end']);
    });

    it('keeps the first 2000 and last 8000 lines with a marker; onLine sees all', async () => {
      let count = 0;
      const cmd = await RunningCommand.start({ file: 'seq', args: ['1', '12000'], env: {}, cwd: dir, timeoutMs: 30_000, onLine: () => count++ });
      await cmd.exited;
      expect(count).to.equal(12000);
      const output = cmd.output;
      expect(output).to.have.length(10001);
      expect(output[1999]?.text).to.equal('2000');
      expect(output[2000]?.text).to.equal('[... 2000 lines omitted ...]');
      expect(output[2001]?.text).to.equal('4001');
      expect(output[10000]?.text).to.equal('12000');
      expect(cmd.transcript()).to.contain('[... 2000 lines omitted ...]');
    });

    it('rethrows a listener error as uncaught but keeps recording', async () => {
      const uncaught: unknown[] = [];
      const mochaHandlers = process.listeners('uncaughtException');
      process.removeAllListeners('uncaughtException');
      process.on('uncaughtException', (e) => uncaught.push(e));
      try {
        const cmd = await sh('echo a; echo b', {
          onLine: () => {
            throw new Error('injector bug');
          },
        });
        await cmd.exited;
        expect(cmd.output.map((l) => l.text)).to.deep.equal(['a', 'b']);
      } finally {
        process.removeAllListeners('uncaughtException');
        for (const h of mochaHandlers) process.on('uncaughtException', h);
      }
      expect(uncaught.map((e) => (e as Error).message)).to.deep.equal(['injector bug']);
    });
  });

  describe('exit and arguments', () => {
    it('reports the exit code', async () => {
      const cmd = await sh('echo failing >&2; exit 3');
      const exit = await cmd.exited;
      expect(exit).to.include({ exitCode: 3, signal: null, timedOut: false, killedByHarness: false });
      expect(exit.durationMs).to.be.above(0);
      expect(cmd.pid).to.be.a('number');
    });

    it('passes arguments verbatim, without a shell', async () => {
      const args = ['with spaces', `"double" and 'single' quotes`, '$(touch x)', '`touch y`', '; touch z', '*', '$HOME'];
      const cmd = await RunningCommand.start({ file: 'printf', args: ['<%s>\\n', ...args], env: {}, cwd: dir, timeoutMs: 10_000 });
      await cmd.exited;
      expect(cmd.output.map((l) => l.text)).to.deep.equal(args.map((a) => `<${a}>`));
      for (const f of ['x', 'y', 'z']) expect(existsSync(join(dir, f)), f).to.equal(false);
    });

    it('adds env on top of process.env and runs in cwd', async () => {
      const cmd = await sh('echo "$HIL_TEST_VALUE"; pwd; command -v sh >/dev/null && echo has-path', { env: { HIL_TEST_VALUE: 'a b' } });
      await cmd.exited;
      expect(cmd.output.map((l) => l.text)).to.deep.equal(['a b', dir, 'has-path']);
    });
  });

  describe('tools that cannot start', () => {
    async function startError(options: Partial<CommandStart>): Promise<CommandNotStartableError> {
      const before = registeredChildCount();
      try {
        await RunningCommand.start({ file: '/bin/true', args: [], env: {}, cwd: dir, timeoutMs: 10_000, ...options });
      } catch (err) {
        expect(err).to.be.instanceOf(CommandNotStartableError);
        expect(err).to.be.instanceOf(NoVerdictError);
        expect(registeredChildCount()).to.equal(before);
        return err as CommandNotStartableError;
      }
      throw new Error('expected CommandNotStartableError');
    }

    it('a missing path', async () => {
      const err = await startError({ file: '/nonexistent/tool' });
      expect(err.message).to.equal('cannot start procedure command /nonexistent/tool: not found (ENOENT)');
      expect(err.file).to.equal('/nonexistent/tool');
      expect((err.cause as NodeJS.ErrnoException).code).to.equal('ENOENT');
    });

    it('a bare name not on PATH', async () => {
      const err = await startError({ file: 'hil-no-such-programming-tool' });
      expect(err.message).to.match(/^cannot start procedure command hil-no-such-programming-tool: not found on PATH \(.*\) \(ENOENT\)$/);
    });

    it('a file without execute permission', async () => {
      const file = join(dir, 'not-executable.sh');
      await writeFile(file, '#!/bin/sh\necho hi\n');
      await chmod(file, 0o644);
      const err = await startError({ file });
      expect(err.message).to.match(/not executable.*EACCES/);
    });

    it('a directory', async () => {
      const err = await startError({ file: dir });
      expect(err.message).to.match(/is a directory.*EACCES/);
    });

    it('a script whose interpreter is missing', async () => {
      const file = join(dir, 'bad-interpreter.sh');
      await writeFile(file, '#!/nonexistent/python9\nprint(1)\n');
      await chmod(file, 0o755);
      const err = await startError({ file });
      expect(err.message).to.contain('its interpreter /nonexistent/python9 (the #! line) was not found');
    });

    it('a missing working directory', async () => {
      const err = await startError({ cwd: join(dir, 'missing') });
      expect(err.message).to.contain(`working directory ${join(dir, 'missing')} does not exist`);
    });

    it('an argument with a NUL byte', async () => {
      const err = await startError({ args: ['a\0b'] });
      expect(err.message).to.match(/^cannot start procedure command \/bin\/true: /);
    });
  });
});
