/**
 * A team's own programming tool (a shell script, STM32_Programmer_CLI, pyocd, probe-rs...) run as
 * a child process the harness can watch and kill: its output read line by line as it arrives
 * (with the progress the procedure's pattern reads from it), and its whole process group killed
 * on demand, by a fault injector simulating an interrupted programming run, or at the timeout.
 *
 * The tool runs in its own process group (detached), so killing `-pid` also takes down what it
 * started (a wrapper script's flasher, a background helper). Once the tool has exited, anything
 * left in its group is killed too: a leftover would hold the probe (and the output pipes) into
 * the next run. Until then the group is in the child registry, so our own exit takes it down.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { open, readdir, readFile, stat } from 'node:fs/promises';
import { resolve as resolvePath } from 'node:path';
import { performance } from 'node:perf_hooks';
import { StringDecoder } from 'node:string_decoder';
import { NoVerdictError } from '../exit-codes.js';
import { registerChild, unregisterChild, type KillableChild } from '../openocd/child-registry.js';
import type { ProgressPattern, ProgressReading } from './progress-pattern.js';

export interface OutputLine {
  /** Milliseconds since the tool was spawned when the line (its last chunk) arrived. */
  readonly atMs: number;
  readonly stream: 'stdout' | 'stderr';
  readonly text: string;
}

export interface ProgressSample extends ProgressReading {
  readonly atMs: number;
  /** The line the progress was read from. */
  readonly line: string;
}

export interface CommandExit {
  readonly exitCode: number | null;
  readonly signal: NodeJS.Signals | null;
  /** We killed it because timeoutMs passed. */
  readonly timedOut: boolean;
  /** killGroup() was called (by a fault injector) before it exited. */
  readonly killedByHarness: boolean;
  /** From spawn to the tool's exit. */
  readonly durationMs: number;
}

export interface CommandStart {
  /** Executable: a path, or a bare name looked up on PATH (the PATH of the merged env). */
  readonly file: string;
  /** Passed verbatim (no shell). */
  readonly args: readonly string[];
  /** Added on top of process.env. */
  readonly env: Readonly<Record<string, string>>;
  readonly cwd: string;
  /** The group is killed (SIGKILL) this long after spawn; Infinity for no limit. */
  readonly timeoutMs: number;
  readonly progress?: ProgressPattern;
  /** Denominator for a `bytes` group without `total`. */
  readonly totalBytes?: number;
  /** Called synchronously for every line as it is read; must not throw (a throw is rethrown as uncaught). */
  readonly onLine?: (line: OutputLine) => void;
  /** Called synchronously for every line the progress pattern reads, after onLine. */
  readonly onProgress?: (sample: ProgressSample) => void;
}

/** The tool could not be started at all: the rig (or the boards file) is wrong, not the board. */
export class CommandNotStartableError extends NoVerdictError {
  constructor(
    readonly file: string,
    readonly reason: string,
    options?: { cause?: unknown },
  ) {
    super(`cannot start procedure command ${file}: ${reason}`, options);
  }
}

/** Lines kept from the start and from the end of the output (the middle is dropped, with a marker). */
const HEAD_LINES = 2000;
const TAIL_LINES = 8000;
/** Progress samples kept likewise (callbacks still see every one). */
const HEAD_SAMPLES = 10_000;
const TAIL_SAMPLES = 40_000;
/** A "line" longer than this without a line break is cut (binary junk must not grow without bound). */
const MAX_LINE_CHARS = 64 * 1024;
/** After the tool exited: wait this long for its pipes to drain. */
const DRAIN_GRACE_MS = 200;
/** After the final SIGKILL to the group: wait this long for its members to be gone. */
const GROUP_GONE_MS = 2000;
const GROUP_POLL_MS = 10;
/** setTimeout's limit; a longer timeout means none. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/** The first `head` and the last `tail` items pushed, and how many in between were dropped. */
class HeadTail<T> {
  private readonly first: T[] = [];
  private readonly ring: T[] = [];
  private ringStart = 0;
  private dropped = 0;
  private firstDropped: T | undefined;

  constructor(
    private readonly head: number,
    private readonly tail: number,
  ) {}

  push(item: T): void {
    if (this.first.length < this.head) {
      this.first.push(item);
    } else if (this.ring.length < this.tail) {
      this.ring.push(item);
    } else {
      const oldest = this.ring[this.ringStart] as T;
      if (this.dropped === 0) this.firstDropped = oldest;
      this.dropped++;
      this.ring[this.ringStart] = item;
      this.ringStart = (this.ringStart + 1) % this.tail;
    }
  }

  /** Kept items in order; `marker` (given the first dropped item and the count) stands for the dropped ones. */
  items(marker?: (firstDropped: T, count: number) => T): T[] {
    const tail = this.ring.slice(this.ringStart).concat(this.ring.slice(0, this.ringStart));
    const between = this.dropped > 0 && marker ? [marker(this.firstDropped as T, this.dropped)] : [];
    return [...this.first, ...between, ...tail];
  }
}

/** Cuts one stream's bytes into lines: on \n and on \r (progress bars redraw with \r), empty lines dropped. */
class LineSplitter {
  private readonly decoder = new StringDecoder('utf8');
  private partial = '';

  /** The complete lines `chunk` finishes. */
  push(chunk: Buffer): string[] {
    const parts = (this.partial + this.decoder.write(chunk)).split(/[\r\n]/);
    this.partial = parts.pop() ?? '';
    const lines = parts.filter((p) => p !== '');
    while (this.partial.length > MAX_LINE_CHARS) {
      lines.push(this.partial.slice(0, MAX_LINE_CHARS));
      this.partial = this.partial.slice(MAX_LINE_CHARS);
    }
    return lines;
  }

  /** The unfinished last line, at the end of the stream. */
  end(): string[] {
    const rest = this.partial + this.decoder.end();
    this.partial = '';
    return rest.split(/[\r\n]/).filter((p) => p !== '');
  }
}

function errnoCode(err: unknown): string | undefined {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  return typeof code === 'string' ? code : undefined;
}

/** Sends `signal` to process group `pgid`; false if there is none (ESRCH). */
function signalGroup(pgid: number, signal: NodeJS.Signals | number): boolean {
  try {
    process.kill(-pgid, signal);
    return true;
  } catch {
    // ESRCH: no such group (any more). EPERM: whatever holds that group id now is not ours.
    return false;
  }
}

/** True while a process of group `pgid` is alive; zombies (dead, awaiting their reaper) do not count. */
async function groupHasLiveMembers(pgid: number): Promise<boolean> {
  if (!signalGroup(pgid, 0)) return false;
  let entries: string[];
  try {
    entries = await readdir('/proc');
  } catch {
    return true; // No /proc: the group exists, and we cannot tell zombies apart.
  }
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    let stat: string;
    try {
      stat = await readFile(`/proc/${entry}/stat`, 'utf8');
    } catch {
      continue; // Gone meanwhile.
    }
    // "pid (comm) state ppid pgrp ...": comm may contain spaces and parentheses.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (Number(fields[2]) === pgid && fields[0] !== 'Z' && fields[0] !== 'X') return true;
  }
  return false;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** The first line of a file (up to 256 bytes), or undefined if it cannot be read. */
async function firstLine(path: string): Promise<string | undefined> {
  try {
    const handle = await open(path, 'r');
    try {
      const { buffer, bytesRead } = await handle.read(Buffer.alloc(256), 0, 256, 0);
      return buffer.subarray(0, bytesRead).toString('utf8').split('\n')[0];
    } finally {
      await handle.close();
    }
  } catch {
    return undefined;
  }
}

/** Why spawning `file` failed, in words a person can act on. */
async function notStartableReason(file: string, cwd: string, env: NodeJS.ProcessEnv, err: unknown): Promise<string> {
  const code = errnoCode(err);
  const isPath = file.includes('/');
  const path = resolvePath(cwd, file);
  if (code === 'ENOENT') {
    const cwdStat = await stat(cwd).catch(() => undefined);
    if (!cwdStat?.isDirectory()) return `working directory ${cwd} does not exist or is not a directory (ENOENT)`;
    if (!isPath) return `not found on PATH (${env.PATH ?? 'PATH not set'}) (ENOENT)`;
    const head = await firstLine(path);
    if (head === undefined) return `not found (ENOENT)`;
    const shebang = /^#!\s*(\S+)/.exec(head)?.[1];
    return shebang !== undefined ? `its interpreter ${shebang} (the #! line) was not found (ENOENT)` : `not found (ENOENT)`;
  }
  if (code === 'EACCES') {
    const fileStat = isPath ? await stat(path).catch(() => undefined) : undefined;
    return fileStat?.isDirectory() ? 'is a directory, not an executable (EACCES)' : 'not executable: permission denied (EACCES)';
  }
  if (code === 'ENOEXEC') return 'not an executable format for this machine (ENOEXEC)';
  if (code === 'ETXTBSY') return 'the file is being written (ETXTBSY)';
  if (code === 'ENOTDIR') return 'a component of its path is not a directory (ENOTDIR)';
  return err instanceof Error ? err.message : String(err);
}

/** One started programming tool: its output, its progress, its exit; killable as a group. */
export class RunningCommand {
  readonly pid: number;
  /** performance.now() at spawn. */
  readonly startedAt: number;
  /** Resolves once the tool exited, its pipes drained (bounded) and its group is gone (bounded); never rejects. */
  readonly exited: Promise<CommandExit>;

  private readonly lines = new HeadTail<OutputLine>(HEAD_LINES, TAIL_LINES);
  private readonly samples = new HeadTail<ProgressSample>(HEAD_SAMPLES, TAIL_SAMPLES);
  private readonly splitters = { stdout: new LineSplitter(), stderr: new LineSplitter() };
  private readonly registryEntry: KillableChild;
  private exitedAt: number | undefined;
  private killed = false;
  private timedOut = false;
  private timer: NodeJS.Timeout | undefined;
  private listenerError: { error: unknown } | undefined;

  private constructor(
    private readonly child: ChildProcess,
    private readonly options: CommandStart,
    pid: number,
    startedAt: number,
  ) {
    this.pid = pid;
    this.startedAt = startedAt;
    this.registryEntry = {
      pid,
      kill: (signal) => {
        signalGroup(pid, signal ?? 'SIGKILL');
        return true;
      },
    };
    registerChild(this.registryEntry);
    const drained: Promise<void>[] = [];
    for (const stream of ['stdout', 'stderr'] as const) {
      const readable = child[stream];
      if (!readable) continue;
      readable.on('data', (chunk: Buffer) => this.receive(stream, this.splitters[stream].push(chunk)));
      readable.once('end', () => this.receive(stream, this.splitters[stream].end()));
      readable.on('error', () => undefined); // EPIPE/ECONNRESET after a kill: the end is what counts.
      drained.push(new Promise<void>((resolve) => readable.once('close', () => resolve())));
    }
    // Later errors (e.g. a failed kill) must not crash us; the exit is what we report.
    child.on('error', () => undefined);
    const exitEvent = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
      child.once('exit', (code: number | null, signal: NodeJS.Signals | null) => resolve({ code, signal })),
    );
    this.exited = exitEvent.then((e) => this.finish(e.code, e.signal, Promise.all(drained)));
    const { timeoutMs } = options;
    if (Number.isFinite(timeoutMs) && timeoutMs <= MAX_TIMER_MS) {
      this.timer = setTimeout(
        () => {
          if (!this.running) return;
          this.timedOut = true;
          signalGroup(pid, 'SIGKILL');
        },
        Math.max(0, timeoutMs),
      );
    }
  }

  /**
   * Spawns `file args` with no shell, in a new process group (detached), stdin ignored, stdout
   * and stderr piped; resolves once it runs ('spawn'); rejects with CommandNotStartableError on
   * ENOENT, EACCES, ENOEXEC and the like. The group is killed if the harness exits first.
   */
  static async start(options: CommandStart): Promise<RunningCommand> {
    const env: NodeJS.ProcessEnv = { ...process.env, ...options.env };
    if (options.file === '') throw new CommandNotStartableError(options.file, 'no executable named (empty file)');
    let child: ChildProcess;
    try {
      child = spawn(options.file, [...options.args], { cwd: options.cwd, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true, shell: false });
    } catch (err) {
      // Synchronous refusals: a NUL byte in an argument, an invalid option.
      throw new CommandNotStartableError(options.file, err instanceof Error ? err.message : String(err), { cause: err });
    }
    const startedAt = performance.now();
    const spawned = new Promise<void>((resolve, reject) => {
      child.once('spawn', () => resolve());
      child.once('error', reject);
    });
    if (child.pid === undefined) {
      // Failed: Node emits 'error' on the next tick. Consume the pipes so nothing leaks.
      child.stdout?.destroy();
      child.stderr?.destroy();
      const err = await spawned.then(
        () => new Error('spawned without a pid'),
        (e: unknown) => e,
      );
      throw new CommandNotStartableError(options.file, await notStartableReason(options.file, options.cwd, env, err), { cause: err });
    }
    const command = new RunningCommand(child, options, child.pid, startedAt);
    try {
      await spawned;
    } catch (err) {
      // Cannot happen after a pid was assigned; if it does, leave nothing behind.
      command.killGroup();
      await command.exited;
      throw new CommandNotStartableError(options.file, await notStartableReason(options.file, options.cwd, env, err), { cause: err });
    }
    return command;
  }

  /**
   * Sends `signal` (default SIGKILL) to the whole process group (-pid) and marks the exit as
   * killedByHarness. Idempotent; does nothing once the tool has exited. After any harness kill,
   * whatever survives in the group when the tool exits gets SIGKILL.
   */
  killGroup(signal: NodeJS.Signals = 'SIGKILL'): void {
    if (!this.running) return;
    this.killed = true;
    signalGroup(this.pid, signal);
  }

  /** Both streams interleaved in arrival order (first 2000 and last 8000 lines, a marker line between). */
  get output(): readonly OutputLine[] {
    return this.lines.items((first, count) => ({ atMs: first.atMs, stream: first.stream, text: `[... ${count} lines omitted ...]` }));
  }

  /** Every line the progress pattern read (first 10000 and last 40000 when there are more). */
  get progress(): readonly ProgressSample[] {
    return this.samples.items();
  }

  /** True until the tool (the group leader) has exited. */
  get running(): boolean {
    return this.exitedAt === undefined;
  }

  /** Output as one text: each line prefixed by its time since spawn and its stream, for a report attachment. */
  transcript(): string {
    return this.output.map((l) => `${(l.atMs / 1000).toFixed(3).padStart(9)}s ${l.stream === 'stderr' ? 'stderr' : 'stdout'} ${l.text}`).join('\n');
  }

  private receive(stream: OutputLine['stream'], texts: readonly string[]): void {
    if (texts.length === 0) return;
    const atMs = performance.now() - this.startedAt;
    const { progress, totalBytes, onLine, onProgress } = this.options;
    for (const text of texts) {
      const line: OutputLine = { atMs, stream, text };
      this.lines.push(line);
      if (onLine) this.call(onLine, line);
      const reading = progress?.read(text, totalBytes ?? 0);
      if (reading) {
        const sample: ProgressSample = { ...reading, atMs, line: text };
        this.samples.push(sample);
        if (onProgress) this.call(onProgress, sample);
      }
    }
  }

  /** Runs a listener; a throw is rethrown as uncaught once this chunk is recorded (as from any event listener). */
  private call<T>(listener: (value: T) => void, value: T): void {
    try {
      listener(value);
    } catch (error) {
      if (this.listenerError) return;
      this.listenerError = { error };
      process.nextTick(() => {
        throw error;
      });
    }
  }

  private async finish(code: number | null, signal: NodeJS.Signals | null, drained: Promise<unknown>): Promise<CommandExit> {
    this.exitedAt = performance.now();
    clearTimeout(this.timer);
    // Killed on purpose: the rest of the group goes now, so no grandchild holds the pipes open.
    if (this.killed || this.timedOut) signalGroup(this.pid, 'SIGKILL');
    let graceTimer: NodeJS.Timeout | undefined;
    await Promise.race([drained, new Promise<void>((resolve) => (graceTimer = setTimeout(resolve, DRAIN_GRACE_MS)))]);
    clearTimeout(graceTimer);
    // The run is over: nothing it started may outlive it (and hold the probe into the next run).
    signalGroup(this.pid, 'SIGKILL');
    const deadline = performance.now() + GROUP_GONE_MS;
    while ((await groupHasLiveMembers(this.pid)) && performance.now() < deadline) await sleep(GROUP_POLL_MS);
    // A pipe still open now is held by something we could not kill: stop reading it.
    for (const stream of ['stdout', 'stderr'] as const) {
      this.child[stream]?.destroy();
      this.receive(stream, this.splitters[stream].end());
    }
    unregisterChild(this.registryEntry);
    return {
      exitCode: code,
      signal,
      timedOut: this.timedOut,
      killedByHarness: this.killed,
      durationMs: this.exitedAt - this.startedAt,
    };
  }
}
