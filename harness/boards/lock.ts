/**
 * One run per board: a lock file per board, created atomically, holding the pid, the start
 * time and the command of the holder. A second run fails at once naming the holder; a lock left
 * by a dead process (killed run, crash) is taken over.
 *
 * Where: `$HIL_LOCK_DIR`, else `<os.tmpdir()>/hil-locks`. Machine-wide on purpose: a real board
 * hangs off this host's USB, and two checkouts on one host must not share it. A virtual board
 * is started afresh by every run, so its lock is keyed by checkout as well (see `lockKeyFor`):
 * parallel CI jobs in different checkouts do not block each other, two runs in one checkout
 * (which would share allure-results/) do.
 *
 * Creation: the record is written to a private temporary file and hard-linked to the lock name;
 * link(2) fails with EEXIST when the lock exists, so a reader never sees a half-written lock.
 * Re-entrant within a process: the runner takes the lock for a whole run, and sessions inside
 * that run may take it again.
 */
import { createHash, randomUUID } from 'node:crypto';
import { chmodSync, linkSync, mkdirSync, readFileSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { BoardBusyError, BoardLockError } from './errors.js';
import type { LockHolder } from './errors.js';
import { REPO_ROOT } from './select.js';
import type { BoardRecord } from './types.js';

export interface BoardLock {
  readonly boardId: string;
  readonly file: string;
  /** Release this hold; the file goes when the last hold in this process is released. */
  release(): void;
}

interface LockRecord extends LockHolder {
  readonly boardId: string;
  /** Unique per acquisition: tells our lock from a newer one at the same path. */
  readonly token: string;
}

interface Held {
  readonly record: LockRecord;
  count: number;
}

const held = new Map<string, Held>();
let exitHookInstalled = false;

export function defaultLockDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.HIL_LOCK_DIR !== undefined && env.HIL_LOCK_DIR !== '' ? env.HIL_LOCK_DIR : join(tmpdir(), 'hil-locks');
}

/** Lock name of a board: its id; for a virtual board, its id plus a tag of this checkout. */
export function lockKeyFor(board: Pick<BoardRecord, 'id' | 'kind'>, checkout: string = REPO_ROOT): string {
  if (board.kind === 'real') return board.id;
  return `${board.id}.${createHash('sha256').update(checkout).digest('hex').slice(0, 8)}`;
}

export interface AcquireOptions {
  /** Directory of lock files; `defaultLockDir()` when absent. */
  readonly dir?: string;
  /** Lock file name without `.lock`; the board id when absent. */
  readonly key?: string;
  /** What the holder runs, shown to whoever finds the board busy. */
  readonly command?: string;
}

/** Take the board's lock or throw BoardBusyError naming the holder. */
export function acquireBoardLock(boardId: string, options: AcquireOptions = {}): BoardLock {
  const dir = options.dir ?? defaultLockDir();
  const file = join(dir, `${options.key ?? boardId}.lock`);
  const mine = held.get(file);
  if (mine) {
    mine.count++;
    return handle(boardId, file);
  }
  ensureDir(dir, boardId, file);
  const record: LockRecord = {
    boardId,
    pid: process.pid,
    since: new Date().toISOString(),
    command: options.command ?? process.argv.slice(1).join(' '),
    host: hostname(),
    token: randomUUID(),
  };
  // A few rounds: each lost race (lock released or taken over meanwhile) costs one.
  for (let attempt = 0; attempt < 5; attempt++) {
    if (tryCreate(file, record, boardId)) {
      held.set(file, { record, count: 1 });
      installExitHook();
      return handle(boardId, file);
    }
    const holder = readRecord(file);
    if (holder === 'gone') continue;
    if (holder !== 'unreadable' && isAlive(holder)) throw new BoardBusyError(boardId, holder, file);
    takeOverStale(file, holder, boardId);
  }
  throw new BoardLockError(boardId, file, 'lost the race for the lock five times in a row; another run keeps taking it');
}

function handle(boardId: string, file: string): BoardLock {
  let released = false;
  return {
    boardId,
    file,
    release(): void {
      if (released) return;
      released = true;
      const entry = held.get(file);
      if (!entry) return;
      entry.count--;
      if (entry.count === 0) {
        held.delete(file);
        removeIfOurs(file, entry.record.token);
      }
    },
  };
}

function ensureDir(dir: string, boardId: string, file: string): void {
  try {
    mkdirSync(dir, { recursive: true });
    // Shared by every user of the host: world-writable with the sticky bit, like /tmp.
    if (dir === join(tmpdir(), 'hil-locks')) chmodSync(dir, 0o1777);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EPERM') return; // someone else's directory
    throw new BoardLockError(boardId, file, `cannot create lock directory ${dir}: ${(error as Error).message}`, { cause: error });
  }
}

function tryCreate(file: string, record: LockRecord, boardId: string): boolean {
  const temp = `${file}.${record.token}.tmp`;
  try {
    writeFileSync(temp, `${JSON.stringify(record)}\n`, { mode: 0o644 });
    linkSync(temp, file);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw new BoardLockError(boardId, file, `cannot create: ${(error as Error).message}`, { cause: error });
  } finally {
    try {
      unlinkSync(temp);
    } catch {
      // never created
    }
  }
}

function readRecord(file: string): LockRecord | 'gone' | 'unreadable' {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'gone' : 'unreadable';
  }
  try {
    const value = JSON.parse(text) as Partial<LockRecord>;
    if (typeof value.pid === 'number' && typeof value.token === 'string') return value as LockRecord;
  } catch {
    // fall through: not ours to interpret
  }
  return 'unreadable';
}

function isAlive(holder: LockHolder): boolean {
  // A pid from another host cannot be checked here (shared lock directory): assume alive.
  if (holder.host !== hostname()) return true;
  try {
    process.kill(holder.pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to another user.
    return (error as NodeJS.ErrnoException).code !== 'ESRCH';
  }
}

/**
 * Move the stale lock aside, then make sure what we moved is the stale one: if another run took
 * it over and created a fresh lock in between, we moved theirs, so we put it back.
 */
function takeOverStale(file: string, stale: LockRecord | 'unreadable', boardId: string): void {
  const aside = `${file}.stale-${process.pid}-${randomUUID()}`;
  try {
    renameSync(file, aside);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return; // someone else did it
    throw new BoardLockError(boardId, file, `stale lock cannot be removed: ${(error as Error).message}`, { cause: error });
  }
  const moved = readRecord(aside);
  const isTheStaleOne = stale === 'unreadable' ? moved === 'unreadable' : moved !== 'gone' && moved !== 'unreadable' && moved.token === stale.token;
  if (!isTheStaleOne) {
    try {
      linkSync(aside, file);
    } catch {
      // a third run already holds the name; the moved lock's owner will notice on release
    }
  }
  try {
    unlinkSync(aside);
  } catch {
    // already gone
  }
}

function removeIfOurs(file: string, token: string): void {
  const current = readRecord(file);
  if (current === 'gone' || current === 'unreadable' || current.token !== token) return;
  try {
    unlinkSync(file);
  } catch {
    // gone already
  }
}

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  // 'exit' runs on normal exit and process.exit(); a SIGKILLed run leaves a stale lock, which
  // the next run takes over because the pid is dead.
  process.on('exit', () => {
    for (const [file, entry] of held) removeIfOurs(file, entry.record.token);
    held.clear();
  });
}
