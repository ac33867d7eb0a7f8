/**
 * BoardSession, programming, fault injectors and inspection end to end: real OpenOCD 0.12
 * driving the virtual STM32H745 + W25Q512JV (board kind "virtual", started by the session).
 * Verdicts use only what OpenOCD shows. Recovery and the in-chip trigger:
 * recovery.virtual-board.test.ts.
 */
import { expect } from 'chai';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { startBoard } from '../boards/board-kinds.js';
import { selectBoard, type BoardRecord } from '../boards/index.js';
import { FaultNotSupportedError, parseFaultPoint } from '../faults/index.js';
import type { ProgressEvent } from '../flash/index.js';
import { OpenOcdExitedError, OpenOcdProcess } from '../openocd/index.js';
import { openOcdLogText, tclTranscriptText } from '../report/evidence-text.js';
import { BoardSession, SessionBrokenError, SessionInterruptedError } from './index.js';
import { useTempLockDir } from './testing/temp-lock-dir.js';
import { buildFixtureFirmware } from './testing/fixture-firmware.js';
import { descendantsOf, isAlive } from './testing/process-tree.js';

const BOARD = selectBoard({ board: 'virtual-h745' }).board;
const KIB = 1024;

describe('BoardSession on the virtual board (OpenOCD 0.12, stmqspi, W25Q512JV)', function () {
  this.timeout(120_000);
  const lockDir = useTempLockDir();

  describe('bring-up and teardown', () => {
    it('open health-checks (target examined, stmqspi probe, JEDEC EF 40 20, UART open); close leaves no process, lock or tty behind', async () => {
      const before = descendantsOf(process.pid);
      const session = await BoardSession.open(BOARD, { timeScale: 0.001, lockDir: lockDir() });
      let started: number[];
      let uartPath: string;
      try {
        expect(session.health?.ok).to.equal(true);
        expect(session.health?.checks.map((c) => c.check)).to.deep.equal([
          'OpenOCD answers',
          'target examined',
          'QSPI bank probed',
          'QSPI JEDEC id',
          'UART open',
        ]);
        expect(session.health?.jedecId).to.equal('ef4020');
        expect(session.state).to.equal('flash-ready');
        started = descendantsOf(process.pid).filter((p) => !before.includes(p));
        expect(started).to.include(session.openOcdProcess!.pid!);
        expect(started).to.include(session.virtual!.pid);
        uartPath = session.uart.path;
        expect(await readdir(lockDir())).to.have.length(1);
        expect(tclTranscriptText(session.evidence.tcl)).to.match(/stmqspi cmd stm32h7x\.qspi 3 0x9f/);
      } finally {
        await session.close();
      }
      expect(started.filter(isAlive), 'processes still alive after close').to.deep.equal([]);
      expect(await readdir(lockDir())).to.deep.equal([]);
      expect(existsSync(uartPath)).to.equal(false);
      expect(openOcdLogText(session.evidence.since().openOcdLog)).to.match(/Open On-Chip Debugger 0\.12\.0/);
      // A closed session fails fast, naming why.
      let error: unknown;
      try {
        await session.flash.program(new Uint8Array(16));
      } catch (e) {
        error = e;
      }
      expect((error as Error).message).to.match(/closed/);
    });

    it('SIGINT to a Node process holding a session tears it down: OpenOCD, virtual board and socat exit', async function () {
      const require = createRequire(import.meta.url);
      const script = fileURLToPath(new URL('./testing/hold-session.ts', import.meta.url));
      const child = spawn(process.execPath, ['--import', pathToFileURL(require.resolve('tsx')).href, script, lockDir()], { stdio: ['ignore', 'pipe', 'pipe'] });
      let stderr = '';
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      try {
        const line = await new Promise<string>((resolve, reject) => {
          let out = '';
          child.stdout.on('data', (d: Buffer) => {
            out += d.toString();
            if (out.includes('\n')) resolve(out.split('\n')[0]!);
          });
          child.once('exit', (code) => reject(new Error(`holder exited early (${code}): ${stderr}`)));
        });
        const info = JSON.parse(line) as { openocd: number; board: number; descendants: number[] };
        expect(info.descendants).to.include.members([info.openocd, info.board]);
        expect(info.descendants.length).to.be.greaterThan(2); // socat for the UART and relay ptys
        const exited = new Promise<NodeJS.Signals | null>((resolve) => child.once('exit', (_code, signal) => resolve(signal)));
        child.kill('SIGINT');
        expect(await exited).to.equal('SIGINT');
        await new Promise((r) => setTimeout(r, 200));
        expect(info.descendants.filter(isAlive), `left behind; holder stderr: ${stderr}`).to.deep.equal([]);
        expect(await readdir(lockDir())).to.deep.equal([]);
      } finally {
        if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      }
    });
  });

  describe('attached to an OpenOCD the session did not start (openocd.tclHost/tclPort)', () => {
    it('health-checks through the served Tcl port, refuses kill-openocd, and leaves that OpenOCD running at close', async () => {
      const board = await startBoard('virtual', { ttys: false, timeScale: 0.001 });
      let openocd: OpenOcdProcess | undefined;
      try {
        openocd = await OpenOcdProcess.start({
          preConfigCommands: board.openOcdPreConfig,
          configFiles: BOARD.openocd.configs,
          commands: ['init'],
          startTimeoutMs: 60_000,
        });
        const served: BoardRecord = {
          ...BOARD,
          kind: 'real',
          openocd: { ...BOARD.openocd, tclHost: '127.0.0.1', tclPort: openocd.tclPort },
          power: { type: 'none' },
        };
        const session = await BoardSession.open(served, { uart: false, lockDir: lockDir() });
        try {
          expect(session.health?.jedecId).to.equal('ef4020');
          expect(session.openOcdProcess).to.equal(undefined);
          let error: unknown;
          try {
            await session.flash.program(new Uint8Array(4 * KIB), { faultPoint: parseFaultPoint('write:1024'), injector: 'kill-openocd' });
          } catch (e) {
            error = e;
          }
          expect(error).to.be.instanceOf(FaultNotSupportedError);
        } finally {
          await session.close();
        }
        expect(openocd.running).to.equal(true);
      } finally {
        await openocd?.stop();
        await board.stop();
      }
    });
  });

  describe('programming and fault injectors (one session, timeScale 0.001)', () => {
    let session: BoardSession;
    before(async () => {
      session = await BoardSession.open(BOARD, { timeScale: 0.001, lockDir: lockDir() });
    });
    after(async () => {
      await session?.close();
    });

    it('harness plan: 64 KiB erase, 4 KiB write_bank chunks, verify_image; progress reports bytes, units and phase', async () => {
      const image = randomBytes(16 * KIB);
      const events: ProgressEvent[] = [];
      const result = await session.flash.program(image, { chunkSize: 4 * KIB, onProgress: (e) => events.push(e) });
      expect(result.completed).to.equal(true);
      expect(result.verify?.ok).to.equal(true);
      expect(events.map((e) => `${e.phase}:${e.bytesWritten}:${e.unitsErased}/${e.totalUnits}`)).to.deep.equal([
        'erase:0:1/1',
        'write:4096:1/1',
        'write:8192:1/1',
        'write:12288:1/1',
        'write:16384:1/1',
        'done:16384:1/1',
      ]);
      expect(result.erases[0]!.plausibility.plausible, result.erases[0]!.plausibility.explanation).to.equal(true);
      const map = await session.flash.sectorMap({ expected: image });
      expect(map.map.clean).to.equal(true);
      expect(map.unitsReadBack).to.deep.equal([]); // one on-target compare settled it
    });

    it("OpenOCD's own path (reset init, write_image erase, verify_image) and `program` both leave the image", async () => {
      const image = randomBytes(8 * KIB);
      const file = join(session.flash.target.workDir, 'user.bin');
      await (await import('node:fs/promises')).writeFile(file, image);
      const user = await session.flash.programWithOpenOcd(file, { offset: 64 * KIB });
      expect(user.steps.map((s) => s.command.split(' ').slice(0, 2).join(' ').replace(/ \/.*/, ''))).to.deep.equal([
        'reset init',
        'flash write_image',
        'verify_image',
      ]);
      expect(user.verified).to.equal(true);
      const baseline = await session.flash.programWithProgramCommand(file, { offset: 128 * KIB });
      expect(baseline.ok, baseline.output).to.equal(true);
      expect((await session.flash.compare(128 * KIB, image)).matches).to.equal(true);
    });

    it('boot(): bootloader in internal flash, app image in QSPI; the UART shows HIL-BOOT then HIL-APP; state booted', async () => {
      const firmware = buildFixtureFirmware();
      await session.programInternalFlash(firmware.bootloaderElf);
      expect((await session.flash.program(firmware.appImage)).verify?.ok).to.equal(true);
      await session.boot();
      expect(session.state).to.equal('booted');
      expect((await session.uart.expect(/^HIL-BOOT stage=start/, 10_000)).text).to.match(/check_crc=1/);
      expect((await session.uart.expect(/^HIL-APP /, 10_000)).text).to.match(/vtor=0x90000400/);
      // The next flash operation brings the target back to flash-ready (reset init) by itself.
      expect((await session.flash.compare(0, new Uint8Array(0x10).fill(0xff))).matches).to.equal(false);
      expect(session.state).to.equal('flash-ready');
    });

    it('mass erase (stmqspi mass_erase) is allowed on the virtual board and takes a plausible time', async () => {
      const result = await session.flash.massErase();
      expect(result.plausibility.plausible, result.plausibility.explanation).to.equal(true);
      expect((await session.flash.blankCheck({ offset: 0, length: 128 * KIB })).blank).to.equal(true);
    });

    it('kill-openocd at write:50% lands after 8192 acknowledged bytes; reconnect() starts the next run, which completes', async () => {
      const image = randomBytes(16 * KIB);
      const result = await session.flash.program(image, { faultPoint: parseFaultPoint('write:50%'), injector: 'kill-openocd' });
      expect(result.completed).to.equal(false);
      expect(result.landing).to.include({ injector: 'kill-openocd', point: 'write:50%', phase: 'write', lastAckedByte: 8192, lastErasedUnit: 0 });
      let refused: unknown;
      try {
        await session.flash.program(image);
      } catch (e) {
        refused = e;
      }
      expect(refused).to.be.instanceOf(SessionInterruptedError);
      expect((await session.reconnect()).ok).to.equal(true);
      const next = await session.flash.program(image);
      expect(next.verify?.ok).to.equal(true);
    });

    it('kill-openocd at time:250ms fires mid-command: the write in flight is recorded as interrupted', async () => {
      // A command long enough that 250 ms lands inside it at the ST-LINK's speed (~1 MiB/s, so
      // about a second): one 1 MiB chunk, after the 16 erases.
      const result = await session.flash.program(randomBytes(1024 * KIB), {
        faultPoint: parseFaultPoint('time:250ms'),
        injector: 'kill-openocd',
        chunkSize: 1024 * KIB,
      });
      expect(result.landing?.inFlightCommand).to.match(/^flash (write_bank|erase_sector)/);
      expect(result.landing?.inFlightOutcome).to.equal('interrupted');
      expect(result.landing!.elapsedMs).to.be.within(250, 1000);
      await session.reconnect();
    });

    it('OpenOCD dying on its own breaks the session: later calls fail fast with the first cause until reconnect()', async () => {
      process.kill(session.openOcdProcess!.pid!, 'SIGKILL');
      await session.openOcdProcess!.exited;
      await new Promise((r) => setTimeout(r, 100));
      expect(session.broken).to.be.instanceOf(OpenOcdExitedError);
      const t0 = performance.now();
      let error: unknown;
      try {
        await session.flash.program(new Uint8Array(4 * KIB));
      } catch (e) {
        error = e;
      }
      expect(error).to.be.instanceOf(SessionBrokenError);
      expect((error as Error).message).to.match(/exited unexpectedly/);
      expect(performance.now() - t0).to.be.below(100);
      expect((await session.reconnect()).ok).to.equal(true);
      expect(session.broken).to.equal(undefined);
    });

    it('tcl-shutdown after erasing the first unit: OpenOCD exits, nothing was written', async () => {
      const proc = session.openOcdProcess!;
      const result = await session.flash.program(randomBytes(8 * KIB), { faultPoint: parseFaultPoint('erase:after:first'), injector: 'tcl-shutdown' });
      expect(result.landing).to.include({ injector: 'tcl-shutdown', phase: 'erase', lastErasedUnit: 0, lastAckedByte: 0 });
      expect(proc.running).to.equal(false);
      await session.reconnect();
      expect((await session.flash.blankCheck({ offset: 0, length: 64 * KIB })).blank).to.equal(true);
    });

    it('srst after 4096 bytes: MCU reset only, OpenOCD keeps serving; the next run needs no reconnect', async () => {
      const image = randomBytes(8 * KIB);
      const result = await session.flash.program(image, { faultPoint: parseFaultPoint('write:4096'), injector: 'srst' });
      expect(result.landing).to.include({ injector: 'srst', lastAckedByte: 4096 });
      expect(session.interrupted).to.equal(undefined);
      expect(session.state).to.equal('powered');
      expect((await session.flash.program(image)).verify?.ok).to.equal(true);
    });

    it("power-cut through the board's relay after 4096 bytes: written data stays, the rest is erased", async () => {
      const image = randomBytes(8 * KIB);
      const result = await session.flash.program(image, { faultPoint: parseFaultPoint('write:4096'), injector: 'power-cut' });
      expect(result.landing).to.include({ injector: 'power-cut', lastAckedByte: 4096 });
      expect(result.landing?.notes.join(' ')).to.match(/serial relay .* channel 1/);
      await session.reconnect();
      const map = await session.flash.sectorMap({ expected: image });
      expect(map.map.sectors.slice(0, 2).map((s) => s.state)).to.deep.equal(['match', 'erased']);
    });

    it('faults.fire("power-cut") outside a run: a manual landing, the session is interrupted until reconnect()', async () => {
      const landing = await session.faults.fire('power-cut', 'pull the plug now');
      expect(landing).to.include({ injector: 'power-cut', point: 'manual', description: 'pull the plug now' });
      expect(session.interrupted?.injector).to.equal('power-cut');
      expect(session.faults.landings.at(-1)).to.equal(landing);
      await session.reconnect();
      expect(session.interrupted).to.equal(undefined);
    });

    it('sector map after a write cut at byte 6144: sector 0 match, sector 1 partial, sectors 2-3 erased (SVG shows it)', async () => {
      const image = randomBytes(16 * KIB);
      await session.flash.program(image, { faultPoint: parseFaultPoint('write:6144'), injector: 'kill-openocd' });
      await session.reconnect();
      const result = await session.flash.sectorMap({ expected: image });
      expect(result.map.sectors.slice(0, 4).map((s) => s.state)).to.deep.equal(['match', 'partial', 'erased', 'erased']);
      expect(result.map.sectors.slice(4).every((s) => s.state === 'match')).to.equal(true); // rest of the unit: blank as expected
      expect(result.unitsReadBack).to.deep.equal([0]);
      expect(result.svg).to.match(/data-offset="0x00001000" data-state="partial"/);
      expect(result.svg).to.match(/partial: 1/);
    });

    it("sector map after a fault before erasing unit 1: unit 0 erased, the old image's sector in unit 1 stale", async () => {
      const old = randomBytes(68 * KIB);
      expect((await session.flash.program(old, { chunkSize: 32 * KIB })).verify?.ok).to.equal(true);
      const image = randomBytes(68 * KIB);
      const result = await session.flash.program(image, { faultPoint: parseFaultPoint('erase:before:1'), injector: 'kill-openocd' });
      expect(result.landing).to.include({ phase: 'erase', lastErasedUnit: 0 });
      await session.reconnect();
      const map = (await session.flash.sectorMap({ expected: image, previous: old })).map;
      expect(map.sectors.slice(0, 16).every((s) => s.state === 'erased')).to.equal(true);
      expect(map.sectors[16]!.state).to.equal('stale');
      expect(map.blocks().map((b) => b.state)).to.deep.equal(['erased', 'stale']);
    });
  });
});
