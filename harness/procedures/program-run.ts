/**
 * An `openocd-program` procedure's run: OpenOCD's own `program <image> [verify] <address>`, one
 * call on the harness's OpenOCD. A fault (kill-openocd, power cut) fires after a time or while the
 * virtual chip holds inside an erase or a page program; OpenOCD's program says nothing on the Tcl
 * port until it returns, so progress and lines cannot aim it.
 */
import { rm } from 'node:fs/promises';
import { setTimeout as delay } from 'node:timers/promises';
import type { OpenOcdProgramProcedureSpec } from '../boards/types.js';
import { ChipTriggerAim, type OperationTarget } from '../faults/aim.js';
import { prepareConfirmation, type FaultConfirmation } from '../faults/confirmation.js';
import { createInjector, type FaultEnvironment, type FaultInjector } from '../faults/injectors.js';
import type { BoardSession } from '../session/board-session.js';
import { formatProcedurePoint, isChipOperationPoint } from './procedure-point.js';
import type { ProcedureFaultRecord, ProcedureRun, ProcedureRunOptions } from './procedure-run.js';
import { chipOperationTarget, recordFiredFault, writeImageFile } from './procedure-target.js';

export async function runProgramCommand(
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
      record = recordFiredFault(session, {
        fault,
        injector,
        procedureId: procedure.id,
        inFlight: 'program',
        firedAtMs,
        doneAtMs: performance.now() - started,
        trigger: target ? `the chip trigger held the board inside the ${target.op} at 0x${target.offset.toString(16)}` : `${formatProcedurePoint(point)}`,
        notes: result.notes,
        ...(result.virtual ? { virtual: result.virtual } : {}),
        ...(aimReport ? { aim: aimReport } : {}),
        ...(confirmation ? { confirmation } : {}),
      });
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
  } finally {
    await rm(imagePath, { force: true });
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
