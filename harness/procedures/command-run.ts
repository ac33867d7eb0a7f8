/**
 * A `command` procedure's run: the team's tool as a child process in its own process group, with
 * the image in a file, the argv template filled in and the HIL_* variables (the OpenOCD config it
 * can use included). A tool that needs the probe gets it: the harness's OpenOCD stops while it
 * runs and comes back (reconnect, health check) after it. A fault fires when the tool's output
 * states a progress or matches a line, after a time, or while the virtual chip holds inside an
 * erase or a page program.
 */
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import type { CommandProcedureSpec, ProcedureSpec } from '../boards/types.js';
import { ChipTriggerAim, type OperationTarget } from '../faults/aim.js';
import { prepareConfirmation, type FaultConfirmation } from '../faults/confirmation.js';
import { createInjector, type FaultInjector } from '../faults/injectors.js';
import { findOpenOcd } from '../openocd/find-openocd.js';
import type { BoardSession } from '../session/board-session.js';
import { RunningCommand, type CommandExit, type OutputLine, type ProgressSample } from './command-process.js';
import { expandCommand } from './command-template.js';
import { ControlSrst, KillTool, type ProcedureFault } from './procedure-injectors.js';
import { formatProcedurePoint, isChipOperationPoint } from './procedure-point.js';
import type { ProcedureFaultRecord, ProcedureRun, ProcedureRunOptions } from './procedure-run.js';
import { chipOperationTarget, recordFiredFault, writeImageFile } from './procedure-target.js';
import { ProgressPattern } from './progress-pattern.js';
import { writeToolOpenOcdConfig } from './tool-openocd-config.js';

/** After a power cut or NRST the tool may hang on a board that stopped answering: this long, then its group is killed. */
const AFTER_FAULT_GRACE_MS = 60_000;

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

export async function runCommand(
  session: BoardSession,
  procedure: CommandProcedureSpec,
  image: Uint8Array,
  options: ProcedureRunOptions,
): Promise<ProcedureRun> {
  const board = session.board;
  const offset = options.offset ?? 0;
  const fault = options.fault;
  const imagePath = await writeImageFile(session, image);
  const toolDir = join(session.workDir, `procedure-${procedure.id}`);
  await mkdir(toolDir, { recursive: true });
  const config = await writeToolOpenOcdConfig(session.workDir, board, session.openOcdPreConfig);
  // The binary the harness runs for this board (already found and version-checked), else look it up.
  const openocd = session.openOcdProcess?.binary ?? (await findOpenOcd(board.openocd.binary !== undefined ? { explicitPath: board.openocd.binary } : {}));
  const hex = (n: number): string => `0x${n.toString(16)}`;
  const values = { image: imagePath, offset: hex(offset), address: hex(board.qspi.base + offset), board: board.id };
  const expanded = expandCommand(procedure, values);
  // A tool that leaves the probe to the harness works on a powered board with the harness's OpenOCD serving.
  if (!procedure.needsProbe && session.state === 'off' && session.probeReleasedTo === undefined) await session.transition('powered');
  const tclEndpoint = procedure.usesHarnessOpenOcd ? session.openOcdTclEndpoint : undefined;
  const env: Record<string, string> = {
    HIL_BOARD: board.id,
    HIL_IMAGE: imagePath,
    HIL_OFFSET: values.offset,
    HIL_ADDRESS: values.address,
    HIL_OPENOCD: openocd.path,
    HIL_OPENOCD_CONFIG: config,
    HIL_WORK_DIR: toolDir,
    // A tool that programs through the harness's own OpenOCD finds it here.
    ...(tclEndpoint ? { HIL_OPENOCD_TCL_HOST: tclEndpoint.host, HIL_OPENOCD_TCL_PORT: String(tclEndpoint.port) } : {}),
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
  try {
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
        record = recordFiredFault(session, {
          fault,
          injector,
          procedureId: procedure.id,
          inFlight: expanded.display,
          firedAtMs: first.atMs,
          doneAtMs: first.atMs + (doneAt - firedAt),
          trigger: first.trigger,
          notes: [`fired on ${first.trigger}`, ...result.notes],
          ...(progressAtFire ? { progressAtFire } : {}),
          ...(result.virtual ? { virtual: result.virtual } : {}),
          ...(aimReport ? { aim: aimReport } : {}),
          ...(confirmation ? { confirmation } : {}),
        });
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
  } catch (error) {
    // The fault could not be fired or followed up: stop the tool, leave no trigger armed, give the
    // board back to the harness, and report what went wrong.
    running.killGroup();
    await running.exited;
    if (target) await aim.after(faultEnv, false).catch(() => undefined);
    if (session.probeReleasedTo !== undefined) await session.reconnect().catch(() => undefined);
    throw error;
  }
  const exit = await running.exited;
  // A real-size image per run adds up over a matrix: the file goes once the tool is done with it.
  await rm(imagePath, { force: true });
  // Whatever happened, the harness's OpenOCD comes back for inspection (the landing, the sector map).
  if (session.probeReleasedTo !== undefined || session.interrupted !== undefined) await session.reconnect();
  else if (!procedure.needsProbe) session.forgetTargetState();
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
