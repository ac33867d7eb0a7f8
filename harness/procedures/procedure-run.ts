/**
 * One run of a board's programming procedure, optionally interrupted, the way the field runs it:
 *
 * - `openocd-plan`: the harness's plan (session.flash.program).
 * - `openocd-program`: OpenOCD's own `program <image> verify <address>`, one call on the
 *   harness's OpenOCD.
 * - `command`: the team's tool as a child process in its own process group, with the image in a
 *   file, the argv template filled in, and HIL_* variables (the OpenOCD config it can use
 *   included). A tool that needs the probe gets it: the harness's OpenOCD stops while it runs and
 *   comes back (reconnect, health check) after it.
 *
 * A fault fires at the procedure point (procedure-point.ts): when the tool's output states a
 * progress or matches a line, after a time, or while the virtual chip holds inside an erase or a
 * page program. The run returns what the tool did (exit, output, progress) and the landing; it
 * throws only when it cannot run the procedure at all (a tool that cannot be started: broken).
 * Whether the run succeeded is the caller's verdict (`assertProcedureSucceeded`).
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import type { CommandProcedureSpec, OpenOcdProgramProcedureSpec, ProcedureSpec } from '../boards/types.js';
import { VerdictCategory, VerdictError } from '../exit-codes.js';
import { ChipTriggerAim, type AimReport, type OperationTarget } from '../faults/aim.js';
import { prepareConfirmation, type FaultConfirmation } from '../faults/confirmation.js';
import { createInjector, type FaultEnvironment, type FaultInjector, type FaultLanding } from '../faults/injectors.js';
import { W25Q512JV } from '../flash/chips.js';
import { PAGE_SIZE } from '../flash/programming-plan.js';
import type { ProgrammingResult } from '../flash/programming-result.js';
import { findOpenOcd } from '../openocd/find-openocd.js';
import type { BoardSession } from '../session/board-session.js';
import { RunningCommand, type CommandExit, type OutputLine, type ProgressSample } from './command-process.js';
import { expandCommand } from './command-template.js';
import { ControlSrst, KillTool, type ProcedureFault } from './procedure-injectors.js';
import { formatProcedurePoint, isChipOperationPoint, type ProcedurePoint } from './procedure-point.js';
import { ProgressPattern } from './progress-pattern.js';
import { writeToolOpenOcdConfig } from './tool-openocd-config.js';

/** The erase unit a chip-operation point counts in (the W25Q512JV's 64 KiB block erase). */
export const PROCEDURE_UNIT = 64 * 1024;
/** After a power cut or NRST the tool may hang on a board that stopped answering: this long, then its group is killed. */
const AFTER_FAULT_GRACE_MS = 60_000;

export interface ProcedureRunOptions {
  /** Flash offset of the image in the QSPI bank. Default 0. */
  readonly offset?: number;
  readonly fault?: ProcedureFault;
  /** openocd-plan only: the write chunk. */
  readonly chunkSize?: number;
}

export interface ProcedureFaultRecord {
  readonly injector: ProcedureFault['injector'];
  readonly point: string;
  /** False when the procedure ended before the point was reached: the fault never fired. */
  readonly fired: boolean;
  /** Milliseconds from the procedure's start to the moment the injector fired. */
  readonly firedAtMs?: number;
  /** What made it fire: the progress sample, the line, the time, the chip trigger. */
  readonly trigger?: string;
  /** The last progress the tool stated before the fault. */
  readonly progressAtFire?: ProgressSample;
  readonly aim?: AimReport;
  readonly landing?: FaultLanding;
  readonly notes: readonly string[];
}

export interface ProcedureRun {
  readonly procedure: string;
  readonly kind: ProcedureSpec['kind'];
  readonly boardId: string;
  /** The command line as run (shell-quoted), or the Tcl call. */
  readonly command: string;
  readonly exit?: CommandExit;
  /** command: the tool's process id, which is also its process group's id. */
  readonly toolPid?: number;
  /** True when the procedure reported success (exit code among its success codes, no timeout, not killed). */
  readonly succeeded: boolean;
  /** Why it did not succeed, in a person's words. */
  readonly failure?: string;
  readonly transcript: string;
  readonly progress: readonly ProgressSample[];
  readonly durationMs: number;
  readonly imageBytes: number;
  readonly fault?: ProcedureFaultRecord;
  /** openocd-plan: the plan's result. */
  readonly plan?: ProgrammingResult;
}

/** A procedure that failed with no fault injected (or timed out): a verdict, with its output. */
export class ProcedureFailedError extends VerdictError {
  constructor(readonly run: ProcedureRun) {
    super(VerdictCategory.procedureFailed, `board ${run.boardId}: procedure ${run.procedure} (${run.command}) ${run.failure ?? 'failed'}`);
  }
}

/** Throws ProcedureFailedError unless the run succeeded. */
export function assertProcedureSucceeded(run: ProcedureRun): void {
  if (!run.succeeded) throw new ProcedureFailedError(run);
}

/** Runs `procedure` to program `image` on the session's board (see the module comment). */
export async function runProcedure(
  session: BoardSession,
  procedure: ProcedureSpec,
  image: Uint8Array,
  options: ProcedureRunOptions = {},
): Promise<ProcedureRun> {
  switch (procedure.kind) {
    case 'openocd-plan':
      return runPlan(session, procedure.id, image, options);
    case 'openocd-program':
      return runProgramCommand(session, procedure, image, options);
    case 'command':
      return runCommand(session, procedure, image, options);
  }
}

async function runPlan(session: BoardSession, id: string, image: Uint8Array, options: ProcedureRunOptions): Promise<ProcedureRun> {
  if (options.fault) throw new RangeError("the harness's plan is interrupted through session.flash.program's fault points, not a procedure fault");
  const started = performance.now();
  const plan = await session.flash.program(image, {
    ...(options.offset !== undefined ? { offset: options.offset } : {}),
    chunkSize: options.chunkSize ?? 16 * 1024,
  });
  const ok = plan.verify?.ok !== false;
  return {
    procedure: id,
    kind: 'openocd-plan',
    boardId: session.board.id,
    command: 'harness plan: erase, write, verify',
    succeeded: ok,
    ...(ok ? {} : { failure: `verify found ${plan.verify?.differences.length ?? '?'} differences` }),
    transcript: '',
    progress: [],
    durationMs: performance.now() - started,
    imageBytes: image.length,
    plan,
  };
}

let imageCounter = 0;

async function writeImageFile(session: BoardSession, image: Uint8Array): Promise<string> {
  const path = join(session.workDir, `procedure-image-${++imageCounter}.bin`);
  await writeFile(path, image);
  return path;
}

/** The chip operation a chip-operation point aims at, in the image's 64 KiB units. */
export function chipOperationTarget(
  point: Extract<ProcedurePoint, { kind: 'erase-in-flight' | 'program-in-flight' }>,
  offset: number,
  imageBytes: number,
  timeScale: number,
): OperationTarget {
  const count = Math.ceil(((offset % PROCEDURE_UNIT) + imageBytes) / PROCEDURE_UNIT);
  const ref = point.unit;
  const index = ref === 'first' ? 0 : ref === 'last' ? count - 1 : ref === 'middle' ? Math.floor((count - 1) / 2) : ref;
  if (index < 0 || index >= count) throw new RangeError(`erase unit ${ref} does not exist: the image covers ${count} unit(s)`);
  const unitOffset = Math.floor(offset / PROCEDURE_UNIT) * PROCEDURE_UNIT + index * PROCEDURE_UNIT;
  if (point.kind === 'erase-in-flight') {
    const time = W25Q512JV.eraseUnits.find((u) => u.size === PROCEDURE_UNIT)!.time;
    return { op: 'erase', unitIndex: index, offset: unitOffset, length: PROCEDURE_UNIT, fraction: point.fraction, typicalMs: time.typicalMs * timeScale };
  }
  // The middle page of the image's bytes in that unit.
  const from = Math.max(unitOffset, offset);
  const to = Math.min(unitOffset + PROCEDURE_UNIT, offset + imageBytes);
  const page = Math.floor((from + (to - from) / 2) / PAGE_SIZE) * PAGE_SIZE;
  return { op: 'program', unitIndex: index, offset: page, length: PAGE_SIZE, fraction: point.fraction, typicalMs: W25Q512JV.pageProgram.typicalMs * timeScale };
}

/** The injector object for a fault, bound to the running tool for kill-tool. */
function injectorFor(session: BoardSession, procedure: ProcedureSpec, fault: ProcedureFault, tool: () => RunningCommand | undefined): FaultInjector {
  switch (fault.injector) {
    case 'kill-tool':
      return new KillTool(tool);
    case 'srst':
      // A tool that leaves the probe to the harness: OpenOCD's SRST; else the board's own line.
      return procedure.kind === 'command' && !procedure.needsProbe && session.control === undefined ? createInjector('srst') : new ControlSrst();
    default:
      return createInjector(fault.injector);
  }
}

/** Clears the MCU's reset flags while the harness's OpenOCD still serves, so the fault can be confirmed after. */
async function prepare(session: BoardSession, injector: FaultInjector, procedure: ProcedureSpec): Promise<FaultConfirmation | undefined> {
  if (injector.kind === 'srst' && procedure.kind === 'command')
    return {
      status: 'skipped',
      evidence: 'pin-reset',
      expected: 'PINRSTF',
      clearedBefore: false,
      note: "the tool resets the MCU itself, so PINRSTF cannot tell the injected NRST from the tool's own; the NRST pulse is the rig's record",
    };
  return prepareConfirmation(session.faults.env, injector.kind);
}

interface Firing {
  readonly fire: (trigger: string) => void;
  readonly fired: Promise<{ trigger: string; atMs: number }>;
}

function firing(started: () => number): Firing {
  let fire!: (trigger: string) => void;
  let done = false;
  const fired = new Promise<{ trigger: string; atMs: number }>((resolve) => {
    fire = (trigger) => {
      if (done) return;
      done = true;
      resolve({ trigger, atMs: performance.now() - started() });
    };
  });
  return { fire, fired };
}

async function runCommand(session: BoardSession, procedure: CommandProcedureSpec, image: Uint8Array, options: ProcedureRunOptions): Promise<ProcedureRun> {
  const board = session.board;
  const offset = options.offset ?? 0;
  const fault = options.fault;
  const imagePath = await writeImageFile(session, image);
  const toolDir = join(session.workDir, `procedure-${procedure.id}`);
  await mkdir(toolDir, { recursive: true });
  const config = await writeToolOpenOcdConfig(session.workDir, board, session.openOcdPreConfig);
  const openocd = await findOpenOcd(board.openocd.binary !== undefined ? { explicitPath: board.openocd.binary } : {});
  const hex = (n: number): string => `0x${n.toString(16)}`;
  const values = { image: imagePath, offset: hex(offset), address: hex(board.qspi.base + offset), board: board.id };
  const expanded = expandCommand(procedure, values);
  const env: Record<string, string> = {
    HIL_BOARD: board.id,
    HIL_IMAGE: imagePath,
    HIL_OFFSET: values.offset,
    HIL_ADDRESS: values.address,
    HIL_OPENOCD: openocd.path,
    HIL_OPENOCD_CONFIG: config,
    HIL_WORK_DIR: toolDir,
    ...expanded.env,
  };
  const progress = procedure.progress !== undefined ? new ProgressPattern(procedure.progress) : undefined;
  const faultEnv = session.faults.env;

  let tool: RunningCommand | undefined;
  let injector: FaultInjector | undefined;
  let confirmation: FaultConfirmation | undefined;
  let target: OperationTarget | undefined;
  const aim = new ChipTriggerAim();
  if (fault) {
    injector = injectorFor(session, procedure, fault, () => tool);
    injector.preflight(faultEnv);
    confirmation = await prepare(session, injector, procedure);
    if (isChipOperationPoint(fault.point)) {
      ChipTriggerAim.check(faultEnv);
      target = chipOperationTarget(fault.point, offset, image.length, session.flash.target.timeScale);
      await aim.arm(faultEnv, target);
    }
  }
  if (procedure.needsProbe && session.probeReleasedTo === undefined) await session.releaseProbe(`procedure ${procedure.id}`);

  const startedAt = { value: performance.now() };
  const trigger = firing(() => startedAt.value);
  const point = fault?.point;
  const linePattern = point?.kind === 'line' ? new RegExp(point.pattern) : undefined;
  let lastProgress: ProgressSample | undefined;
  const onLine = (line: OutputLine): void => {
    if (linePattern?.test(line.text)) trigger.fire(`output line ${JSON.stringify(line.text)} at ${line.atMs.toFixed(0)} ms`);
  };
  const onProgress = (sample: ProgressSample): void => {
    lastProgress = sample;
    if (point?.kind === 'progress' && sample.percent >= point.percent)
      trigger.fire(`progress ${sample.percent.toFixed(1)} % (${JSON.stringify(sample.line)}) at ${sample.atMs.toFixed(0)} ms`);
  };
  try {
    tool = await RunningCommand.start({
      file: expanded.file,
      args: expanded.args,
      env,
      cwd: procedure.cwd,
      timeoutMs: procedure.timeoutMs,
      ...(progress ? { progress } : {}),
      totalBytes: image.length,
      onLine,
      onProgress,
    });
  } catch (error) {
    // Not startable (broken): leave no trigger armed and give the board back to the harness.
    if (target) await aim.after(faultEnv, false).catch(() => undefined);
    if (session.probeReleasedTo !== undefined) await session.reconnect().catch(() => undefined);
    throw error;
  }
  startedAt.value = tool.startedAt;
  const running = tool;

  let record: ProcedureFaultRecord | undefined;
  if (fault && injector) {
    const stopWatching = new AbortController();
    if (point?.kind === 'time') {
      delay(point.afterMs, undefined, { signal: stopWatching.signal }).then(
        () => trigger.fire(`${point.afterMs} ms after the start`),
        () => undefined,
      );
    }
    let hit = false;
    if (target) {
      void aim.moment(faultEnv, target, running.exited).then((held) => {
        hit = held;
        if (held) trigger.fire(`the chip trigger held the board inside the ${target!.op} at 0x${target!.offset.toString(16)}`);
      });
    }
    const first = await Promise.race([trigger.fired, running.exited.then(() => undefined)]);
    stopWatching.abort();
    if (first === undefined) {
      // The tool ended before the point: say so, and leave no trigger armed.
      if (target) await aim.after(faultEnv, false).catch(() => undefined);
      record = {
        injector: fault.injector,
        point: formatProcedurePoint(fault.point),
        fired: false,
        notes: ['the procedure ended before the fault point was reached'],
      };
    } else {
      const progressAtFire = lastProgress;
      const firedAt = performance.now();
      const result = await injector.fire(faultEnv);
      const aimReport = target ? await aim.after(faultEnv, hit) : undefined;
      const doneAt = performance.now();
      const landing: FaultLanding = {
        injector: injector.kind,
        point: formatProcedurePoint(fault.point),
        description: `${fault.injector} at ${formatProcedurePoint(fault.point)} during procedure ${procedure.id}`,
        phase: 'write',
        lastAckedByte: 0,
        lastErasedUnit: undefined,
        lastErasedOffset: undefined,
        elapsedMs: Math.round(first.atMs),
        inFlightCommand: expanded.display,
        inFlightOutcome: 'interrupted',
        injectorDoneAtMs: Math.round(first.atMs + (doneAt - firedAt)),
        notes: [`fired on ${first.trigger}`, ...result.notes],
        ...(result.virtual ? { virtual: result.virtual } : {}),
        ...(aimReport ? { aim: aimReport } : {}),
        ...(confirmation ? { confirmation } : {}),
      };
      session.faults.record(landing, injector);
      record = {
        injector: fault.injector,
        point: formatProcedurePoint(fault.point),
        fired: true,
        firedAtMs: first.atMs,
        trigger: first.trigger,
        ...(progressAtFire ? { progressAtFire } : {}),
        ...(aimReport ? { aim: aimReport } : {}),
        landing,
        notes: [],
      };
      // After a cut or a reset the tool may wait on a board that no longer answers.
      if (fault.injector !== 'kill-tool') {
        const ended = await Promise.race([running.exited.then(() => true), delay(Math.min(AFTER_FAULT_GRACE_MS, procedure.timeoutMs)).then(() => false)]);
        if (!ended) {
          running.killGroup('SIGKILL');
          record = { ...record, notes: [`the tool had not ended ${AFTER_FAULT_GRACE_MS / 1000} s after the fault: its process group was killed`] };
        }
      }
    }
  }
  const exit = await running.exited;
  // Whatever happened, the harness's OpenOCD comes back for inspection (the landing, the sector map).
  if (session.probeReleasedTo !== undefined || session.interrupted !== undefined) await session.reconnect();
  const failure = commandFailure(procedure, exit);
  return {
    procedure: procedure.id,
    kind: 'command',
    boardId: board.id,
    command: expanded.display,
    exit,
    toolPid: running.pid,
    succeeded: failure === undefined,
    ...(failure !== undefined ? { failure } : {}),
    transcript: running.transcript(),
    progress: running.progress,
    durationMs: exit.durationMs,
    imageBytes: image.length,
    ...(record ? { fault: record } : {}),
  };
}

/** Why a command's exit is not a success; undefined when it is. */
function commandFailure(procedure: CommandProcedureSpec, exit: CommandExit): string | undefined {
  if (exit.timedOut) return `timed out after ${(procedure.timeoutMs / 1000).toFixed(0)} s (timeoutSeconds) and was killed`;
  if (exit.killedByHarness) return 'was killed by the harness';
  if (exit.signal !== null) return `ended by signal ${exit.signal}`;
  if (exit.exitCode !== null && !procedure.successExitCodes.includes(exit.exitCode))
    return `exited with code ${exit.exitCode} (success: ${procedure.successExitCodes.join(', ')})`;
  return undefined;
}

async function runProgramCommand(
  session: BoardSession,
  procedure: OpenOcdProgramProcedureSpec,
  image: Uint8Array,
  options: ProcedureRunOptions,
): Promise<ProcedureRun> {
  const offset = options.offset ?? 0;
  const imagePath = await writeImageFile(session, image);
  const fault = options.fault;
  const faultEnv: FaultEnvironment = session.faults.env;
  const started = performance.now();
  let target: OperationTarget | undefined;
  const aim = new ChipTriggerAim();
  let injector: FaultInjector | undefined;
  let confirmation: FaultConfirmation | undefined;
  if (fault) {
    injector = createInjector(fault.injector === 'kill-openocd' ? 'kill-openocd' : 'power-cut');
    injector.preflight(faultEnv);
    confirmation = await prepareConfirmation(faultEnv, injector.kind);
    if (isChipOperationPoint(fault.point)) {
      ChipTriggerAim.check(faultEnv);
      target = chipOperationTarget(fault.point, offset, image.length, session.flash.target.timeScale);
      await aim.arm(faultEnv, target);
    }
  }
  const call = session.flash.programWithProgramCommand(imagePath, { offset, verify: procedure.verify });
  const settled = call.then(
    () => undefined,
    () => undefined,
  );
  let record: ProcedureFaultRecord | undefined;
  if (fault && injector) {
    const point = fault.point;
    let hit = false;
    const moment = target
      ? aim.moment(faultEnv, target, settled).then((held) => ((hit = held), held))
      : point.kind === 'time'
        ? Promise.race([delay(point.afterMs).then(() => true), settled.then(() => false)])
        : Promise.resolve(false);
    const reached = await moment;
    if (!reached) {
      if (target) await aim.after(faultEnv, false).catch(() => undefined);
      record = { injector: fault.injector, point: formatProcedurePoint(point), fired: false, notes: ['program returned before the fault point was reached'] };
    } else {
      const firedAtMs = performance.now() - started;
      const result = await injector.fire(faultEnv);
      const aimReport = target ? await aim.after(faultEnv, hit) : undefined;
      const landing: FaultLanding = {
        injector: injector.kind,
        point: formatProcedurePoint(point),
        description: `${fault.injector} at ${formatProcedurePoint(point)} during procedure ${procedure.id}`,
        phase: 'write',
        lastAckedByte: 0,
        lastErasedUnit: undefined,
        lastErasedOffset: undefined,
        elapsedMs: Math.round(firedAtMs),
        inFlightCommand: 'program',
        inFlightOutcome: 'interrupted',
        injectorDoneAtMs: Math.round(performance.now() - started),
        notes: result.notes,
        ...(aimReport ? { aim: aimReport } : {}),
        ...(confirmation ? { confirmation } : {}),
      };
      session.faults.record(landing, injector);
      record = {
        injector: fault.injector,
        point: formatProcedurePoint(point),
        fired: true,
        firedAtMs,
        trigger: target ? `the chip trigger held the board inside the ${target.op} at 0x${target.offset.toString(16)}` : `${formatProcedurePoint(point)}`,
        ...(aimReport ? { aim: aimReport } : {}),
        landing,
        notes: [],
      };
    }
  }
  let output: string;
  let ok: boolean;
  let command = `program ${imagePath}`;
  try {
    const result = await call;
    ({ output, ok, command } = result);
  } catch (error) {
    // With a fault fired, OpenOCD dying or losing the board is the fault's doing: evidence.
    if (!record?.fired) throw error;
    output = error instanceof Error ? error.message : String(error);
    ok = false;
  }
  if (session.interrupted !== undefined) await session.reconnect();
  const durationMs = performance.now() - started;
  return {
    procedure: procedure.id,
    kind: 'openocd-program',
    boardId: session.board.id,
    command,
    succeeded: ok && !record?.fired,
    ...(ok ? (record?.fired ? { failure: 'was interrupted' } : {}) : { failure: `failed: ${output.split('\n').slice(-3).join(' ')}` }),
    transcript: output,
    progress: [],
    durationMs,
    imageBytes: image.length,
    ...(record ? { fault: record } : {}),
  };
}
