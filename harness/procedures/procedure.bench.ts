/**
 * What putting a team's tool under test costs on the virtual board (time scale 0.001, real
 * OpenOCD), both sides of each ratio measured in this run, on the real-size 1 MiB + 32 KiB image:
 * - a normal run of `openocd-program-sh` (its own OpenOCD: start, program, verify, reset), the
 *   harness handing the probe over and taking it back (reconnect and health check) included, vs
 *   the harness's plan (erase, write, verify over its own OpenOCD);
 * - a normal run of `openocd-server-sh` (the same `program` asked of the harness's own OpenOCD
 *   over its Tcl port: no hand-over; the target re-initialised after) vs the plan;
 * - the hand-over alone (release the probe, a tool that does nothing, reconnect);
 * - how close a kill aimed at 50 % of the tool's stated progress lands: the written bytes' distance
 *   from 50 % of the image, against the tolerance (one loader buffer, chunkBytes).
 */
import { randomBytes } from 'node:crypto';
import { selectBoard, type CommandProcedureSpec } from '../boards/index.js';
import { BoardSession } from '../session/index.js';
import { findProcedure } from './procedure.js';
import { checkProcedureLanding, procedureIntendedLanding } from './procedure-landing.js';
import { parseProcedurePoint } from './procedure-point.js';
import { PROCEDURE_UNIT, runProcedure } from './procedure-run.js';

const IMAGE_BYTES = 1024 * 1024 + 32 * 1024;
const board = selectBoard({ board: 'virtual-h745' }).board;
const session = await BoardSession.open(board, { timeScale: 0.001, uart: false, handleSignals: true });
try {
  const script = findProcedure(board, 'openocd-program-sh') as CommandProcedureSpec;
  const image = randomBytes(IMAGE_BYTES);
  const previous = randomBytes(IMAGE_BYTES);

  let t0 = performance.now();
  const plan = await session.flash.program(previous, { chunkSize: 16 * 1024 });
  const planMs = performance.now() - t0;
  if (!plan.verify?.ok) throw new Error('the plan did not verify');

  t0 = performance.now();
  const run = await runProcedure(session, script, image);
  const scriptMs = performance.now() - t0;
  if (!run.succeeded) throw new Error(`openocd-program-sh failed: ${run.failure}\n${run.transcript}`);

  const server = findProcedure(board, 'openocd-server-sh') as CommandProcedureSpec;
  t0 = performance.now();
  const served = await runProcedure(session, server, previous);
  // The re-initialisation a shared OpenOCD costs is paid by the next step: count it here.
  await session.flash.jedecId();
  const serverMs = performance.now() - t0;
  if (!served.succeeded) throw new Error(`openocd-server-sh failed: ${served.failure}\n${served.transcript}`);

  const nothing: CommandProcedureSpec = { ...script, id: 'true', argv: ['/bin/true'], progress: undefined };
  t0 = performance.now();
  const handOver = await runProcedure(session, nothing, image.subarray(0, 4096));
  const handOverMs = performance.now() - t0;
  if (!handOver.succeeded) throw new Error('/bin/true failed');

  const fault = { injector: 'kill-tool' as const, point: parseProcedurePoint('progress:50%') };
  const killed = await runProcedure(session, script, image, { fault });
  const observation = await session.flash.observeLanding({
    images: { previous, next: image, offset: 0 },
    range: { offset: 0, length: Math.ceil(IMAGE_BYTES / PROCEDURE_UNIT) * PROCEDURE_UNIT },
    predict: () => 'old',
  });
  const check = checkProcedureLanding(killed.fault!, observation, procedureIntendedLanding(fault, IMAGE_BYTES, PROCEDURE_UNIT, script.chunkBytes), {
    offset: 0,
    bytes: IMAGE_BYTES,
  });
  if (!check.landed) throw new Error(`the kill at 50 % did not land: ${check.miss}`);

  console.log(`bench procedure-script-program-verify-1056kib: ${scriptMs.toFixed(0)} ms`);
  console.log(`bench procedure-plan-program-verify-1056kib: ${planMs.toFixed(0)} ms`);
  console.log(`bench procedure-script-vs-plan: ${(scriptMs / planMs).toFixed(2)} x`);
  console.log(`bench procedure-server-program-verify-1056kib: ${serverMs.toFixed(0)} ms`);
  console.log(`bench procedure-server-vs-plan: ${(serverMs / planMs).toFixed(2)} x`);
  console.log(`bench procedure-probe-hand-over: ${handOverMs.toFixed(0)} ms`);
  console.log(`bench procedure-kill-at-50pct-offset: ${(check.writtenBytes - IMAGE_BYTES / 2).toFixed(0)} bytes`);
  console.log(`bench procedure-kill-at-50pct-offset-vs-tolerance: ${(Math.abs(check.writtenBytes - IMAGE_BYTES / 2) / script.chunkBytes).toFixed(2)} x`);
} finally {
  await session.close();
}
