import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import { classifyFailure } from '../exit-codes.js';
import { BoardBusyError } from './errors.js';
import { acquireBoardLock, defaultLockDir, lockKeyFor } from './lock.js';

const HOLDER = fileURLToPath(new URL('./testing/hold-lock.ts', import.meta.url));

/** Start hold-lock.ts and resolve once it says it holds the lock. */
function startHolder(dir: string, boardId: string, mode: 'hold' | 'exit'): Promise<{ child: ChildProcess; pid: number }> {
  const child = spawn(process.execPath, ['--import', 'tsx', HOLDER, dir, boardId, mode], { stdio: ['ignore', 'pipe', 'pipe'] });
  return new Promise((resolve, reject) => {
    let out = '';
    let err = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const m = /locked (\d+)/.exec(out);
      if (m) resolve({ child, pid: Number(m[1]) });
    });
    child.stderr!.on('data', (chunk: Buffer) => (err += chunk.toString()));
    child.on('exit', (code) => reject(new Error(`holder exited (${code}) before locking: ${err}`)));
  });
}

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

describe('per-board lock (harness/boards/lock)', () => {
  let dir: string;
  const children: ChildProcess[] = [];

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'hil-locks-test-'));
  });
  afterEach(async () => {
    for (const child of children.splice(0)) {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited(child);
    }
    rmSync(dir, { recursive: true, force: true });
  });

  it("a second process finds the board busy at once, naming the holder pid; a dead holder's lock is taken over", async function () {
    this.timeout(20_000);
    const { child, pid } = await startHolder(dir, 'bench-1', 'hold');
    children.push(child);
    expect(pid).to.equal(child.pid);

    let busy: unknown;
    const started = Date.now();
    try {
      acquireBoardLock('bench-1', { dir });
    } catch (error) {
      busy = error;
    }
    expect(Date.now() - started, 'fails at once, no waiting').to.be.below(1000);
    expect(busy).to.be.instanceOf(BoardBusyError);
    expect((busy as Error).message).to.match(new RegExp(`^board bench-1 is in use by pid ${pid} \\(since \\d{4}-\\d\\d-\\d\\dT`));
    expect((busy as Error).message).to.include('hold-lock bench-1');
    expect(classifyFailure(busy)).to.equal('broken');

    // SIGKILL: no exit hook runs, the lock file stays behind with a dead pid.
    child.kill('SIGKILL');
    await exited(child);
    const lockFile = join(dir, 'bench-1.lock');
    expect(JSON.parse(readFileSync(lockFile, 'utf8')).pid).to.equal(pid);

    const lock = acquireBoardLock('bench-1', { dir, command: 'parent' });
    try {
      const record = JSON.parse(readFileSync(lockFile, 'utf8'));
      expect(record).to.include({ pid: process.pid, command: 'parent', boardId: 'bench-1', host: hostname() });
    } finally {
      lock.release();
    }
    expect(existsSync(lockFile), 'released on close').to.equal(false);
  });

  it('a process that exits normally releases its lock (exit hook)', async function () {
    this.timeout(20_000);
    const { child } = await startHolder(dir, 'bench-2', 'exit');
    children.push(child);
    await exited(child);
    expect(child.exitCode).to.equal(0);
    expect(existsSync(join(dir, 'bench-2.lock'))).to.equal(false);
  });

  it('is re-entrant within one process: the file goes with the last release', () => {
    const outer = acquireBoardLock('bench-3', { dir });
    const inner = acquireBoardLock('bench-3', { dir });
    inner.release();
    inner.release(); // twice is harmless
    expect(existsSync(outer.file)).to.equal(true);
    outer.release();
    expect(existsSync(outer.file)).to.equal(false);
  });

  it('an unreadable (corrupt) lock file is treated as stale and taken over', () => {
    writeFileSync(join(dir, 'bench-4.lock'), 'garbage');
    const lock = acquireBoardLock('bench-4', { dir });
    expect(JSON.parse(readFileSync(lock.file, 'utf8')).pid).to.equal(process.pid);
    lock.release();
  });

  it('does not remove a lock that is no longer ours', () => {
    const lock = acquireBoardLock('bench-5', { dir });
    const foreign = { boardId: 'bench-5', pid: 1, since: 'x', command: 'other', host: hostname(), token: 'someone-else' };
    writeFileSync(lock.file, JSON.stringify(foreign));
    lock.release();
    expect(JSON.parse(readFileSync(lock.file, 'utf8')).token).to.equal('someone-else');
  });

  it('lock names: a real board by id, a virtual board by id and checkout; HIL_LOCK_DIR moves the directory', () => {
    expect(lockKeyFor({ id: 'nucleo-1', kind: 'real' })).to.equal('nucleo-1');
    const a = lockKeyFor({ id: 'virtual-h745', kind: 'virtual' }, '/checkout/a');
    const b = lockKeyFor({ id: 'virtual-h745', kind: 'virtual' }, '/checkout/b');
    expect(a).to.match(/^virtual-h745\.[0-9a-f]{8}$/);
    expect(a).not.to.equal(b);
    expect(defaultLockDir({ HIL_LOCK_DIR: '/var/lock/hil' })).to.equal('/var/lock/hil');
    expect(defaultLockDir({})).to.equal(join(tmpdir(), 'hil-locks'));
  });
});
