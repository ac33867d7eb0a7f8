/**
 * A board on another host: the farm's board host serves OpenOCD's Tcl port, and boards.json says
 * `openocd.tclHost/tclPort`; the harness attaches instead of starting OpenOCD. Tested here with
 * the virtual board served on a second loopback address (127.0.0.2) by an OpenOCD this test
 * starts itself, the way a board host would (`bindto`).
 *
 * The UART is served the same way (`uart: { host, port }`, what ser2net or `socat tcp-listen:…
 * file:/dev/tty…` gives on the board host); the session bridges it to a local pty and reads the
 * boot log through it like any tty.
 */
import { expect } from 'chai';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../../lib/free-port.js';
import { openOcdPortVariables, startVirtualBoardProcess, type VirtualBoardProcess } from '../../fixtures/virtual-board/process-launcher.js';
import { loadBoardsFile, REPO_ROOT } from '../../harness/boards/index.js';
import { FaultNotSupportedError, parseFaultPoint } from '../../harness/faults/index.js';
import { attachJson, attachSessionEvidence, attachText, labels } from '../../harness/report/index.js';
import { BoardSession } from '../../harness/session/index.js';
import { specImages } from '../support/images.js';
import { ensureFirmwareBuilt } from '../../fixtures/firmware/build.js';

const SECOND_LOOPBACK = '127.0.0.2';

async function waitConnectable(host: string, port: number, timeoutMs: number, output: () => string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const socket = connect({ host, port }, () => (socket.destroy(), resolve(true)));
      socket.once('error', () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`OpenOCD did not serve ${host}:${port} within ${timeoutMs} ms:\n${output()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('A board served by another host (openocd.tclHost/tclPort), here on 127.0.0.2', function () {
  this.timeout(120_000);
  let board: VirtualBoardProcess | undefined;
  let openocd: ChildProcess | undefined;
  let openocdOutput = '';
  let dir: string;
  let tclPort: number;
  let uartPort: number;
  let uartServer: ChildProcess | undefined;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'hil-served-'));
    board = await startVirtualBoardProcess({ ttys: true, timeScale: 0.002 });
    tclPort = await freePort(SECOND_LOOPBACK);
    uartPort = await freePort(SECOND_LOOPBACK);
    // What the board host runs for the console: the UART tty served over TCP on its own address.
    uartServer = spawn('socat', [`tcp-listen:${uartPort},bind=${SECOND_LOOPBACK},reuseaddr,fork`, `file:${board.uart!},raw,echo=0`], { stdio: 'ignore' });
    await waitConnectable(SECOND_LOOPBACK, uartPort, 10_000, () => 'socat serving the UART did not listen');
    // What the board host runs: OpenOCD with the board's config, serving Tcl on its own address only.
    openocd = spawn(
      'openocd',
      [
        ...openOcdPortVariables(board).flatMap((command) => ['-c', command]),
        '-f',
        join(REPO_ROOT, 'fixtures/openocd/virtual-h745.cfg'),
        '-c',
        `bindto ${SECOND_LOOPBACK}`,
        '-c',
        `tcl_port ${tclPort}`,
        '-c',
        'gdb_port disabled',
        '-c',
        'telnet_port disabled',
        '-c',
        'init',
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    openocd.stdout?.on('data', (d: Buffer) => (openocdOutput += d.toString()));
    openocd.stderr?.on('data', (d: Buffer) => (openocdOutput += d.toString()));
    await waitConnectable(SECOND_LOOPBACK, tclPort, 30_000, () => openocdOutput);
  });

  after(async () => {
    await attachText('served OpenOCD output', openocdOutput).catch(() => undefined);
    if (openocd && openocd.exitCode === null && openocd.signalCode === null) {
      const exited = new Promise((r) => openocd!.once('exit', r));
      openocd.kill('SIGTERM');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
      if (openocd.exitCode === null && openocd.signalCode === null) openocd.kill('SIGKILL');
    }
    if (uartServer && uartServer.exitCode === null && uartServer.signalCode === null) {
      const exited = new Promise((r) => uartServer!.once('exit', r));
      uartServer.kill('SIGTERM');
      await exited;
    }
    await board?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('boards.json with tclHost 127.0.0.2: the session attaches, health-checks, programs and verifies; kill-openocd is refused; the served OpenOCD keeps running', async () => {
    await labels({ epic: 'harness', feature: 'board farm', severity: 'normal' });
    const boardsFile = join(dir, 'boards.json');
    await writeFile(
      boardsFile,
      JSON.stringify(
        {
          boards: [
            {
              id: 'served-virtual-h745',
              description: 'the virtual board behind an OpenOCD served on 127.0.0.2 (a board host of the farm)',
              kind: 'real',
              openocd: { configs: [], tclHost: SECOND_LOOPBACK, tclPort },
              target: { mcu: 'STM32H745', core: 'cm7' },
              qspi: { bank: 'stm32h7x.qspi', base: 0x90000000, chip: 'W25Q512JV', jedecId: 'ef4020' },
              uart: { host: SECOND_LOOPBACK, port: uartPort, baud: 115200 },
              power: { type: 'none' },
              reset: { srst: true },
              allows: { massErase: false, powerCut: false },
            },
          ],
        },
        null,
        2,
      ),
    );
    const served = loadBoardsFile(boardsFile).boards.find((b) => b.id === 'served-virtual-h745')!;
    expect(served.openocd.tclHost).to.equal(SECOND_LOOPBACK);
    const session = await BoardSession.open(served, { lockDir: dir, timeScale: 0.002 });
    try {
      await attachJson('health check through 127.0.0.2', session.health);
      expect(session.health?.jedecId).to.equal('ef4020');
      expect(session.openOcdProcess).to.equal(undefined);
      const { image } = specImages();
      const run = await session.flash.program(image);
      expect(run.verify?.ok).to.equal(true);
      expect((await session.flash.sectorMap({ expected: image, title: 'programmed through a served OpenOCD' })).map.clean).to.equal(true);
      let refused: unknown;
      try {
        await session.flash.program(image, { faultPoint: parseFaultPoint('write:50%'), injector: 'kill-openocd' });
      } catch (error) {
        refused = error;
      }
      expect(refused, 'kill-openocd must be refused: the harness does not own a served OpenOCD').to.be.instanceOf(FaultNotSupportedError);
      // The boot log through the served UART: bootloader in internal flash, the image in QSPI.
      await session.programInternalFlash(ensureFirmwareBuilt().bootloaderElf);
      await session.flash.program(image);
      await session.boot();
      const verdict = await session.uart.expect(/^HIL-BOOT image=/, 15_000);
      expect(verdict.text).to.match(/^HIL-BOOT image=ok /);
      await attachSessionEvidence(session);
    } finally {
      await session.close();
    }
    expect(openocd?.exitCode).to.equal(null);
  });
});
