/**
 * Procedure runs on the virtual board through real OpenOCD: a team's tool templated and run with
 * the probe handed over and taken back, a failing or timed-out tool judged "procedure failed", a
 * tool that cannot start judged broken, a progress-aimed kill that lands at its percent within
 * one chunk and leaves nothing of the tool's process group, and OpenOCD's own `program` cut
 * inside an erase.
 */
import { expect } from 'chai';
import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { selectBoard, type BoardRecord, type CommandProcedureSpec, type ProcedureSpec } from '../boards/index.js';
import { classifyFailure, VerdictCategory } from '../exit-codes.js';
import { BoardSession } from '../session/index.js';
import { ChipLostAfterProcedureError } from '../session/errors.js';
import { useTempLockDir } from '../session/testing/temp-lock-dir.js';
import { CommandNotStartableError } from './command-process.js';
import { findProcedure } from './procedure.js';
import { checkProcedureLanding, procedureIntendedLanding } from './procedure-landing.js';
import type { ProcedureFault } from './procedure-injectors.js';
import { parseProcedurePoint } from './procedure-point.js';
import { assertProcedureSucceeded, ProcedureFailedError, PROCEDURE_UNIT, runProcedure, type ProcedureRun } from './procedure-run.js';
import { commandProcedure } from './testing/command-procedure.js';

const BOARD = selectBoard({ board: 'virtual-h745' }).board;
const KIB = 1024;

function command(id: string, argv: string[], changes: Partial<CommandProcedureSpec> = {}): CommandProcedureSpec {
  return { ...commandProcedure({ id, argv, timeoutSeconds: 60 }, process.cwd()), ...changes };
}

/** Processes whose process group is `pgid` (from /proc/<pid>/stat, field 5). */
function processesInGroup(pgid: number): number[] {
  const found: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
    } catch {
      continue;
    }
    // pid (comm) state ppid pgrp ...: comm may hold spaces, so split after its closing paren.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (Number(fields[2]) === pgid && fields[0] !== 'Z') found.push(Number(entry));
  }
  return found;
}

/** Live processes whose command line mentions `name` (a zombie's is empty). */
function toolProcesses(name: string): number[] {
  const found: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/cmdline`, 'utf8').includes(name)) found.push(Number(entry));
    } catch {
      // Gone while we looked.
    }
  }
  return found;
}

describe('procedure runs on the virtual board (real OpenOCD, real tools)', function () {
  this.timeout(180_000);
  const lockDir = useTempLockDir();
  let session: BoardSession;
  const board: BoardRecord = BOARD;

  before(async () => {
    session = await BoardSession.open(board, { timeScale: 0.001, lockDir: lockDir(), uart: false });
  });
  after(async () => {
    await session?.close();
  });

  /** Reads the flash after `run` against both images over `units` units, and requires the fault to have landed as intended. */
  async function judgeLanding(run: ProcedureRun, fault: ProcedureFault, previous: Uint8Array, image: Uint8Array, units: number, chunkBytes: number) {
    const observation = await session.flash.observeLanding({
      images: { previous, next: image, offset: 0 },
      range: { offset: 0, length: units * PROCEDURE_UNIT },
      predict: () => 'old',
    });
    const intended = procedureIntendedLanding(fault, image.length, PROCEDURE_UNIT, chunkBytes);
    const check = checkProcedureLanding(run.fault!, observation, intended, { offset: 0, bytes: image.length });
    expect(check.landed, check.miss).to.equal(true);
    return { observation, check };
  }

  it('fills the argv template without a shell, hands the probe over and takes it back', async () => {
    const tool = command('echo-args', [
      '/bin/sh',
      '-c',
      'printf "%s\\n" "$@" > "$HIL_WORK_DIR/args"; cat "$HIL_OPENOCD_CONFIG" > "$HIL_WORK_DIR/cfg"',
      'tool',
      '{image}',
      '{address}',
      '{offset}',
      '{board}',
    ]);
    const run = await runProcedure(session, tool, randomBytes(4 * KIB), { offset: 128 * KIB });
    expect(run.succeeded, run.failure).to.equal(true);
    const dir = join(session.workDir, 'procedure-echo-args');
    const [image, address, offset, boardId] = (await readFile(join(dir, 'args'), 'utf8')).trim().split('\n');
    expect(image).to.match(/procedure-image-\d+\.bin$/);
    expect([address, offset, boardId]).to.deep.equal(['0x90020000', '0x20000', 'virtual-h745']);
    const cfg = await readFile(join(dir, 'cfg'), 'utf8');
    expect(cfg).to.include('bindto 127.0.0.1');
    expect(cfg).to.match(/set VIRTUAL_BOARD_STLINK_PORT \d+/);
    // The harness's OpenOCD serves again: the chip answers through it.
    expect(session.probeReleasedTo).to.equal(undefined);
    expect(await session.flash.jedecId()).to.equal('ef4020');
  });

  it('a tool that exits 1 with no fault injected is the verdict "procedure failed", its output attached to the error', async () => {
    const tool = command('fails', ['/bin/sh', '-c', 'echo "erasing..."; echo "giving up: chip protected" >&2; exit 1']);
    const run = await runProcedure(session, tool, randomBytes(4 * KIB));
    expect(run.succeeded).to.equal(false);
    expect(run.failure).to.equal('exited with code 1 (success: 0)');
    expect(run.transcript).to.include('giving up: chip protected');
    let error: unknown;
    try {
      assertProcedureSucceeded(run);
    } catch (e) {
      error = e;
    }
    expect(error).to.be.instanceOf(ProcedureFailedError);
    expect(classifyFailure(error)).to.equal('verdict');
    expect((error as ProcedureFailedError).category).to.equal(VerdictCategory.procedureFailed);
    expect((error as Error).message).to.match(/^procedure failed: board virtual-h745: procedure fails/);
    expect((error as ProcedureFailedError).run.transcript).to.include('giving up');
  });

  it('a tool that outlives its timeout is killed and judged "procedure failed"', async () => {
    const run = await runProcedure(session, command('hangs', ['/bin/sh', '-c', 'sleep 30'], { timeoutMs: 500 }), randomBytes(KIB));
    expect(run.succeeded).to.equal(false);
    expect(run.exit?.timedOut).to.equal(true);
    expect(run.failure).to.match(/^timed out after/);
    expect(processesInGroup(run.toolPid!)).to.deep.equal([]);
  });

  it("a tool that cannot be started is broken, and the board is the harness's again", async () => {
    let error: unknown;
    try {
      await runProcedure(session, command('missing', ['/nonexistent/flash-tool', '{image}']), randomBytes(KIB));
    } catch (e) {
      error = e;
    }
    expect(error).to.be.instanceOf(CommandNotStartableError);
    expect(classifyFailure(error)).to.equal('broken');
    expect((error as Error).message).to.include('/nonexistent/flash-tool');
    expect(session.probeReleasedTo).to.equal(undefined);
    expect(await session.flash.jedecId()).to.equal('ef4020');
  });

  it('a kill at 30 % of openocd-program.sh lands at 30 % of the image within one chunk, and leaves nothing of its process group', async () => {
    const procedure = findProcedure(board, 'openocd-program-sh') as CommandProcedureSpec;
    const image = randomBytes(1024 * KIB + 32 * KIB);
    const previous = randomBytes(1024 * KIB + 32 * KIB);
    expect((await runProcedure(session, procedure, previous)).succeeded).to.equal(true);
    const fault = { injector: 'kill-tool' as const, point: parseProcedurePoint('progress:30%') };
    const run: ProcedureRun = await runProcedure(session, procedure, image, { fault });
    expect(run.fault?.fired).to.equal(true);
    expect(run.exit?.signal).to.equal('SIGKILL');
    expect(run.fault?.progressAtFire?.percent).to.be.at.least(30);
    expect(processesInGroup(run.toolPid!), 'processes left in the tool group').to.deep.equal([]);
    const { observation, check } = await judgeLanding(run, fault, previous, image, 17, procedure.chunkBytes);
    expect(Math.abs(check.writtenBytes - Math.round(0.3 * image.length))).to.be.at.most(procedure.chunkBytes);
    // OpenOCD's program erases every unit first: nothing of the previous image is left below the boundary.
    expect(observation.units[0]!.state).to.equal('new');
    expect(observation.units[16]!.state).to.equal('blank');
  });

  it("OpenOCD's program (openocd-program) programs, and a power cut inside its erase of unit 0 lands there", async () => {
    const procedure: ProcedureSpec = findProcedure(board, 'openocd-program');
    const previous = randomBytes(128 * KIB);
    const image = randomBytes(128 * KIB);
    const ok = await runProcedure(session, procedure, previous);
    expect(ok.succeeded, ok.failure).to.equal(true);
    const fault = { injector: 'power-cut' as const, point: parseProcedurePoint('erase-in-flight:first:50%') };
    const run = await runProcedure(session, procedure, image, { fault });
    expect(run.fault?.fired).to.equal(true);
    expect(run.succeeded).to.equal(false);
    await session.faults.confirm(run.fault!.landing!);
    expect(run.fault!.landing!.confirmation?.status).to.equal('confirmed');
    const { observation } = await judgeLanding(run, fault, previous, image, 2, PROCEDURE_UNIT);
    expect([observation.observed, observation.unit]).to.deep.equal(['erase-partial', 0]);
  });

  it("a tool that leaves the probe to the harness (openocd-server-sh, needsProbe: false) programs through the harness's own OpenOCD, which serves throughout; the session then re-initialises the target the tool left running", async () => {
    const procedure = findProcedure(board, 'openocd-server-sh') as CommandProcedureSpec;
    const image = randomBytes(192 * KIB);
    await session.transition('flash-ready');
    const pid = session.openOcdProcess?.pid;
    const run = await runProcedure(session, procedure, image);
    expect(run.succeeded, `${run.failure}\n${run.transcript}`).to.equal(true);
    expect(run.transcript).to.match(/program: sent program \{\S+procedure-image-\d+\.bin\} verify reset 0x90000000 to OpenOCD at 127\.0\.0\.1:\d+/);
    expect(run.transcript).to.include('program: ok');
    expect(session.openOcdProcess?.pid, 'the OpenOCD that served the tool').to.equal(pid);
    expect(session.probeReleasedTo).to.equal(undefined);
    // The tool's `reset` left the MCU running: the session no longer claims a halted, probed target.
    expect(session.state).to.equal('powered');
    const comparison = await session.flash.compare(0, image);
    expect(comparison.matches, JSON.stringify(comparison.differences.slice(0, 3))).to.equal(true);
    expect(session.state).to.equal('flash-ready');
  });

  it("OpenOCD's error reaches a tool that shares the harness's OpenOCD, and the tool's exit 1 is the verdict \"procedure failed\" carrying it", async () => {
    // The same script aimed outside every flash bank: OpenOCD writes plain memory there and its verify fails.
    const procedure = command('server-wrong-address', ['fixtures/procedures/openocd-server-program.sh', '{image}', '0x70000000'], {
      needsProbe: false,
      usesHarnessOpenOcd: true,
    });
    const run = await runProcedure(session, procedure, randomBytes(4 * KIB));
    expect(run.succeeded).to.equal(false);
    expect(run.exit?.exitCode).to.equal(1);
    expect(run.transcript).to.include('program: failed: ** Verify Failed **');
    let error: unknown;
    try {
      assertProcedureSucceeded(run);
    } catch (e) {
      error = e;
    }
    expect(classifyFailure(error)).to.equal('verdict');
    expect((error as ProcedureFailedError).run.transcript).to.include('program: failed');
    // The harness's OpenOCD still serves the board.
    expect(await session.flash.jedecId()).to.equal('ef4020');
  });

  /**
   * openocd-server-sh lays down a previous image, then is interrupted by `injector` inside the
   * erase of unit 1 of the next; returns the run and the landing judged on the flash.
   */
  async function interruptServerRunInsideErase(injector: 'power-cut' | 'kill-openocd') {
    const procedure = findProcedure(board, 'openocd-server-sh') as CommandProcedureSpec;
    const previous = randomBytes(192 * KIB);
    const image = randomBytes(192 * KIB);
    expect((await runProcedure(session, procedure, previous)).succeeded).to.equal(true);
    const openOcdBefore = session.openOcdProcess?.pid;
    const fault = { injector, point: parseProcedurePoint('erase-in-flight:middle:50%') };
    const run = await runProcedure(session, procedure, image, { fault });
    expect(run.fault?.fired, run.transcript).to.equal(true);
    expect(run.succeeded).to.equal(false);
    // The harness came back with a new OpenOCD for the inspection.
    expect(session.openOcdProcess?.pid).to.not.equal(openOcdBefore);
    const { observation } = await judgeLanding(run, fault, previous, image, 3, procedure.chunkBytes);
    return { run, observation };
  }

  it("a power cut inside the erase of unit 1 by a tool that shares the harness's OpenOCD lands there (erase-partial); the tool reports OpenOCD's failure", async () => {
    const { run, observation } = await interruptServerRunInsideErase('power-cut');
    expect(run.transcript).to.include('program: failed');
    await session.faults.confirm(run.fault!.landing!);
    expect(run.fault!.landing!.confirmation?.status).to.equal('confirmed');
    expect([observation.observed, observation.unit]).to.deep.equal(['erase-partial', 1]);
  });

  it("killing the harness's OpenOCD inside the erase of unit 1 that a tool asked it for lands there (the chip finishes that erase); the tool reports the lost connection", async () => {
    const { run, observation } = await interruptServerRunInsideErase('kill-openocd');
    expect(run.exit?.exitCode, run.transcript).to.equal(3);
    expect(run.transcript).to.include('lost the connection to OpenOCD');
    expect([observation.observed, observation.unit]).to.deep.equal(['erased', 1]);
  });

  it('a tool that leaves the chip silent (deep power-down) is the verdict "procedure failed: the chip no longer answers", not broken', async () => {
    const tool = command('powers-flash-down', [
      '/bin/sh',
      '-c',
      '"$HIL_OPENOCD" -f "$HIL_OPENOCD_CONFIG" -c init -c "reset init" -c "flash probe 2" -c "stmqspi cmd stm32h7x.qspi 0 0xb9" -c shutdown',
    ]);
    let error: unknown;
    try {
      await runProcedure(session, tool, randomBytes(KIB));
    } catch (e) {
      error = e;
    }
    expect(error).to.be.instanceOf(ChipLostAfterProcedureError);
    expect(classifyFailure(error)).to.equal('verdict');
    expect((error as Error).message).to.match(
      /^procedure failed: the chip no longer answers after procedure powers-flash-down ran: QSPI (bank probed|JEDEC id) failed/,
    );
    // The chip comes back with ABh (recovery), for the tests after this one.
    await session.reconnect({ recover: true });
    expect(await session.flash.jedecId()).to.equal('ef4020');
  });

  it("a power cut whose switch fails: broken, the tool stopped with nothing of its group left, the board the harness's again", async () => {
    // The same virtual board behind a power switch whose "off" command fails.
    const failing: BoardRecord = { ...board, id: 'virtual-h745-failing-switch', power: { type: 'command', on: 'true', off: 'echo relay jammed >&2; exit 3' } };
    const other = await BoardSession.open(failing, { timeScale: 0.001, lockDir: lockDir(), uart: false });
    try {
      // A tool that states 50 % and then keeps working: only the harness's kill ends it early.
      const procedure = command('slow-tool', ['/bin/sh', '-c', 'echo "write: 1 of 2 bytes"; sleep 30', 'hil-slow-tool-marker'], {
        progress: 'write: (?<bytes>\\d+) of (?<total>\\d+) bytes',
      });
      let error: unknown;
      try {
        await runProcedure(other, procedure, randomBytes(KIB), { fault: { injector: 'power-cut', point: parseProcedurePoint('progress:30%') } });
      } catch (e) {
        error = e;
      }
      expect(classifyFailure(error), String(error)).to.equal('broken');
      expect((error as Error).message).to.include('relay jammed');
      expect(toolProcesses('hil-slow-tool-marker'), 'tool processes left').to.deep.equal([]);
      expect(other.probeReleasedTo).to.equal(undefined);
      expect(await other.flash.jedecId()).to.equal('ef4020');
    } finally {
      await other.close();
    }
  });
});
