/**
 * The `hil` board commands end to end, as a person runs them: each command a child process
 * (`node --import tsx harness/cli.ts ...`) on a virtual board driven by real OpenOCD 0.12, with
 * the board's flash kept in a state file between commands (one story across one-shot commands).
 * A temp boards file names two virtual boards (one forbids mass erase), a temp state dir and a
 * temp lock dir keep the run apart from a developer's .hil/ and from other suites. A third board
 * adds command procedures (a tool that fails, one that cannot start) for `hil program --procedure`.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { expect } from 'chai';
import { setTimeout as delay } from 'node:timers/promises';
import { REPO_ROOT } from '../boards/select.js';
import { buildFixtureFirmware, type FixtureFirmware } from '../session/testing/fixture-firmware.js';
import { descendantsOf, isAlive } from '../session/testing/process-tree.js';

const CLI = fileURLToPath(new URL('../cli.ts', import.meta.url));
const TSX = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
const TIME_SCALE = '0.001';

interface CliRun {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

describe('hil board commands on the virtual board (child processes, real OpenOCD)', function () {
  this.timeout(60_000);
  let dir: string;
  let boardsFile: string;
  let firmware: FixtureFirmware;
  const children = new Set<ReturnType<typeof spawn>>();

  function hil(...args: string[]): Promise<CliRun> {
    const env: NodeJS.ProcessEnv = { ...process.env, HIL_STATE_DIR: join(dir, 'state'), HIL_LOCK_DIR: join(dir, 'locks') };
    delete env.HIL_BOARD;
    delete env.HIL_BOARDS;
    delete env.HIL_ALLURE_RESULTS_DIR;
    // `hil test --procedure x` sets it for the whole run: these commands choose their own.
    delete env.HIL_PROCEDURE;
    const child = spawn(process.execPath, ['--import', TSX, CLI, ...args], { cwd: REPO_ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    children.add(child);
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    return new Promise((resolve) =>
      child.once('exit', (code) => {
        children.delete(child);
        resolve({ code, stdout, stderr });
      }),
    );
  }
  const onBoard = (command: string, ...args: string[]): Promise<CliRun> =>
    hil(command, ...args, '--boards', boardsFile, '--board', 'cli-virtual', '--time-scale', TIME_SCALE);
  const explain = (r: CliRun): string => `exit ${r.code}\n--- stdout\n${r.stdout}\n--- stderr\n${r.stderr}`;

  before(function () {
    this.timeout(300_000);
    firmware = buildFixtureFirmware();
    dir = mkdtempSync(join(tmpdir(), 'hil-cli-'));
    const entry = JSON.parse(readFileSync(join(REPO_ROOT, 'boards.json'), 'utf8')).boards.find((b: { id: string }) => b.id === 'virtual-h745');
    entry.openocd.configs = entry.openocd.configs.map((c: string) => join(REPO_ROOT, c));
    // The boards file lives elsewhere: a procedure's tool path and folder are made absolute (derivedVirtualBoard's way).
    entry.procedures = ((entry.procedures ?? []) as { argv?: string[]; cwd?: string; shell?: boolean }[]).map((p) => ({
      ...p,
      ...(p.argv && !p.shell && p.argv[0]!.includes('/') ? { argv: [join(REPO_ROOT, p.argv[0]!), ...p.argv.slice(1)] } : {}),
      cwd: join(REPO_ROOT, p.cwd ?? '.'),
    }));
    const tool = (id: string, argv: string[]) => ({ id, kind: 'command', description: id, argv, timeoutSeconds: 60 });
    boardsFile = join(dir, 'boards.json');
    writeFileSync(
      boardsFile,
      JSON.stringify(
        {
          boards: [
            { ...entry, id: 'cli-virtual' },
            { ...entry, id: 'cli-virtual-no-mass-erase', allows: { massErase: false, powerCut: true } },
            {
              ...entry,
              id: 'cli-virtual-tools',
              procedures: [
                ...entry.procedures,
                tool('fails', ['/bin/sh', '-c', 'echo erasing...; echo giving up >&2; exit 1']),
                tool('missing', ['/nonexistent/flash-tool', '{image}']),
              ],
            },
          ],
        },
        null,
        2,
      ),
    );
  });

  after(() => {
    for (const child of children) if (child.pid !== undefined && child.exitCode === null) process.kill(child.pid, 'SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });

  it('hil program <app.img> --json: one JSON document on stdout, programmed and verified, exit 0; the state file is written', async () => {
    const r = await onBoard('program', firmware.appImage, '--json');
    expect(r.code, explain(r)).to.equal(0);
    const doc = JSON.parse(r.stdout) as {
      method: string;
      completed: boolean;
      verify: { ok: boolean };
      image: { offset: number; length: number; container: { image: string } };
      erases: unknown[];
    };
    expect(doc.method).to.equal('plan');
    expect(doc.completed).to.equal(true);
    expect(doc.verify.ok).to.equal(true);
    expect(doc.image.offset).to.equal(0);
    expect(doc.image.container.image).to.equal('ok');
    expect(doc.erases).to.have.length(1);
    expect(r.stderr, 'plain progress lines go to stderr with --json').to.match(/write +100% +\d+\/\d+ bytes written/);
    expect(existsSync(join(dir, 'state', 'cli-virtual.flash'))).to.equal(true);
  });

  it('hil map <app.img> in a new process: the image range is all match (the state file kept the flash); --svg writes the picture', async () => {
    const svg = join(dir, 'map.svg');
    const r = await onBoard('map', firmware.appImage, '--svg', svg);
    expect(r.code, explain(r)).to.equal(0);
    expect(r.stdout).to.include(`0x00000000  ${'#'.repeat(16)}`);
    expect(r.stdout).to.include('every sector holds the image: match 16');
    expect(readFileSync(svg, 'utf8')).to.match(/^<svg/);
  });

  it('hil blank-check before and after hil erase --sectors 0-15: exit 1 listing the block, then exit 0; hil map then shows the image erased (exit 1)', async () => {
    const before = await onBoard('blank-check', '--sectors', '0-15');
    expect(before.code, explain(before)).to.equal(1);
    expect(before.stdout).to.match(/0x00000000\.\.0x00010000 is NOT blank: 1 block\(s\) hold data: 0x00000000/);
    const erase = await onBoard('erase', '--sectors', '0-15');
    expect(erase.code, explain(erase)).to.equal(0);
    expect(erase.stdout).to.match(/erased 0x00000000\.\.0x00010000 \(1 x 64 KiB block/);
    const after = await onBoard('blank-check', '--sectors', '0-15', '--json');
    expect(after.code, explain(after)).to.equal(0);
    expect(JSON.parse(after.stdout)).to.include({ blank: true, exitCode: 0 });
    const map = await onBoard('map', firmware.appImage, '--json');
    expect(map.code, explain(map)).to.equal(1);
    const doc = JSON.parse(map.stdout) as { map: { clean: boolean; counts: Record<string, number> } };
    expect(doc.map.clean).to.equal(false);
    expect(doc.map.counts.erased).to.equal(1);
  });

  it('hil program --internal <bootloader.elf>, hil program <app.img>, then hil boot prints image=ok and the app line (exit 0)', async () => {
    const bl = await onBoard('program', '--internal', firmware.bootloaderElf);
    expect(bl.code, explain(bl)).to.equal(0);
    const app = await onBoard('program', firmware.appImage);
    expect(app.code, explain(app)).to.equal(0);
    expect(app.stdout).to.include('programmed and verified');
    const boot = await onBoard('boot', '--timeout', '10s');
    expect(boot.code, explain(boot)).to.equal(0);
    expect(boot.stdout).to.match(/HIL-BOOT image=ok version=1/);
    expect(boot.stdout).to.match(/bootloader verdict: image=ok; app started: HIL-APP version=/);
  });

  it('one story: hil program --fault write:50% --injector kill-openocd (exit 0, landing printed), hil map shows the partial sector (exit 1), hil boot shows the CRC rejection (exit 0)', async () => {
    const cut = await onBoard('program', firmware.appImage, '--chunk-size', '512', '--fault', 'write:50%', '--injector', 'kill-openocd', '--json');
    expect(cut.code, explain(cut)).to.equal(0);
    const doc = JSON.parse(cut.stdout) as { completed: boolean; landing: { injector: string; phase: string; lastAckedByte: number }; verdict: string };
    expect(doc.completed).to.equal(false);
    expect(doc.landing).to.include({ injector: 'kill-openocd', phase: 'write' });
    expect(doc.landing.lastAckedByte).to.be.within(1, 3111);
    expect(doc.verdict).to.equal('interrupted by kill-openocd at write:50% as asked');
    const map = await onBoard('map', firmware.appImage);
    expect(map.code, explain(map)).to.equal(1);
    expect(map.stdout).to.include(`0x00000000  p${'#'.repeat(15)}`);
    expect(map.stdout).to.include('p partial: write stopped part way (1 sector)');
    const boot = await onBoard('boot', '--timeout', '10s');
    expect(boot.code, explain(boot)).to.equal(0);
    expect(boot.stdout).to.match(/bootloader verdict: image=rejected reason=crc-mismatch/);
  });

  it('hil virtual runs a board in the foreground, prints its endpoints and the OpenOCD line, and Ctrl-C (SIGINT) stops it with exit 0', async () => {
    const env: NodeJS.ProcessEnv = { ...process.env, HIL_STATE_DIR: join(dir, 'state'), HIL_LOCK_DIR: join(dir, 'locks') };
    const child = spawn(process.execPath, ['--import', TSX, CLI, 'virtual', '--boards', boardsFile, '--board', 'cli-virtual', '--fresh', '--json'], {
      cwd: REPO_ROOT,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    children.add(child);
    let stdout = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    const doc = await new Promise<{ pid: number; jtag: string; stlink: string; openocd: string; stateFile: null }>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no JSON document from hil virtual: ${stdout}`)), 30_000);
      child.stdout.on('data', () => {
        try {
          const parsed = JSON.parse(stdout) as { pid: number; jtag: string; stlink: string; openocd: string; stateFile: null };
          clearTimeout(timer);
          resolve(parsed);
        } catch {
          // not complete yet
        }
      });
    });
    expect(doc.jtag).to.match(/^127\.0\.0\.1:\d+$/);
    expect(doc.stlink).to.match(/^127\.0\.0\.1:\d+$/);
    expect(doc.stlink).to.not.equal(doc.jtag);
    expect(doc.openocd).to.include(`set VIRTUAL_BOARD_PORT ${doc.jtag.split(':')[1]}`);
    expect(doc.openocd).to.include(`set VIRTUAL_BOARD_STLINK_PORT ${doc.stlink.split(':')[1]}`);
    // virtual-h745 is reached through the ST-LINK: its config reads VIRTUAL_BOARD_STLINK_PORT.
    expect(doc.openocd).to.include(join(REPO_ROOT, 'fixtures/openocd/virtual-h745.cfg'));
    expect(doc.stateFile).to.equal(null);
    child.kill('SIGINT');
    expect(await exited).to.equal(0);
    children.delete(child);
    expect(() => process.kill(doc.pid, 0), 'the virtual board process is gone').to.throw();
  });

  it('hil report with no results: exit 2 saying to run the suite first', async () => {
    const r = await hil('report', '--results-dir', join(dir, 'no-results'));
    expect(r.code).to.equal(2);
    expect(r.stderr.trim()).to.match(/^hil report: no test results in .*no-results: run the suite first/);
  });

  it('hil boards --health on the virtual board: every check ok, exit 0', async () => {
    const r = await hil('boards', '--boards', boardsFile, '--health', '--board', 'cli-virtual', '--time-scale', TIME_SCALE, '--json');
    expect(r.code, explain(r)).to.equal(0);
    const doc = JSON.parse(r.stdout) as { boards: { board: string; ok: boolean; health: { jedecId: string; checks: { check: string }[] } }[] };
    expect(doc.boards).to.have.length(1);
    expect(doc.boards[0]!.ok).to.equal(true);
    expect(doc.boards[0]!.health.jedecId).to.equal('ef4020');
  });

  it('hil erase --all where the board allows it: stmqspi mass_erase, duration plausible for the scaled chip, exit 0; hil map then shows the image erased', async () => {
    const r = await onBoard('erase', '--all', '--json');
    expect(r.code, explain(r)).to.equal(0);
    const doc = JSON.parse(r.stdout) as { all: boolean; plausibility: { plausible: boolean } };
    expect(doc.all).to.equal(true);
    expect(doc.plausibility.plausible).to.equal(true);
    const map = await onBoard('map', firmware.appImage, '--json');
    expect(map.code, explain(map)).to.equal(1);
    expect((JSON.parse(map.stdout) as { map: { summary: string } }).map.summary).to.equal('match 15, erased 1 (0x00000000)');
  });

  it('hil recover on a healthy chip: JEDEC ef4020 before and after, nothing wrong found, no protection, exit 0', async () => {
    const r = await onBoard('recover');
    expect(r.code, explain(r)).to.equal(0);
    expect(r.stdout).to.include('JEDEC id before ef4020, after ef4020');
    expect(r.stdout).to.include('found: nothing wrong');
    expect(r.stdout).to.match(/protection: no block protection/);
  });

  it('Ctrl-C (SIGINT) during a one-shot command: exit 2 with one line, the session closes (virtual board saves its state file), no process left behind', async function () {
    this.timeout(90_000);
    const stateDir = join(dir, 'state-sigint');
    const env: NodeJS.ProcessEnv = { ...process.env, HIL_STATE_DIR: stateDir, HIL_LOCK_DIR: join(dir, 'locks') };
    // A fresh board has no bootloader: hil boot waits for the UART for the whole timeout.
    const child = spawn(
      process.execPath,
      ['--import', TSX, CLI, 'boot', '--timeout', '60s', '--boards', boardsFile, '--board', 'cli-virtual', '--time-scale', TIME_SCALE],
      { cwd: REPO_ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    children.add(child);
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    const isOpenOcd = (pid: number): boolean => {
      try {
        return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('openocd');
      } catch {
        return false;
      }
    };
    let started: number[] = [];
    for (let i = 0; i < 600 && !started.some(isOpenOcd) && child.exitCode === null; i++) {
      await delay(100);
      started = descendantsOf(child.pid!);
    }
    expect(started.some(isOpenOcd), `OpenOCD started (hil exit code ${child.exitCode}, stderr: ${stderr})`).to.equal(true);
    await delay(6000); // health check done, waiting on the UART
    started = descendantsOf(child.pid!);
    child.kill('SIGINT');
    expect(await exited).to.equal(2);
    children.delete(child);
    expect(stderr.trim()).to.equal('hil: interrupted by SIGINT: no verdict');
    expect(started.filter(isAlive), 'processes left behind').to.deep.equal([]);
    expect(existsSync(join(stateDir, 'cli-virtual.flash')), 'state file saved by the closing virtual board').to.equal(true);
  });

  it('hil erase --all on a board that forbids mass erase: exit 2 with a one-line cause, nothing started', async () => {
    const r = await hil('erase', '--all', '--boards', boardsFile, '--board', 'cli-virtual-no-mass-erase');
    expect(r.code, explain(r)).to.equal(2);
    expect(r.stderr.trim()).to.match(
      /^hil erase: board cli-virtual-no-mass-erase does not allow a mass erase \(allows\.massErase is false in .*boards\.json\): erase what you need with --sectors a-b or --range instead$/,
    );
    expect(r.stdout).to.equal('');
  });

  it('a missing image file: exit 2 with a clear message, also as a JSON document with --json', async () => {
    const r = await onBoard('program', join(dir, 'no-such.img'));
    expect(r.code, explain(r)).to.equal(2);
    expect(r.stderr).to.match(/^hil program: image .*no-such\.img: no such file: give the path of a \.img, \.bin, \.hex or \.elf/);
    const j = await onBoard('map', join(dir, 'no-such.img'), '--json');
    expect(j.code).to.equal(2);
    expect(JSON.parse(j.stdout)).to.deep.include({ command: 'map', exitCode: 2 });
  });

  it('usage mistakes exit 2 and show the command usage', async () => {
    const r = await hil('erase', '--sectors', '3-1');
    expect(r.code).to.equal(2);
    expect(r.stderr).to.include('hil erase: --sectors: "3-1" ends before it starts');
    expect(r.stderr).to.include('usage: hil erase');
  });

  describe('hil program --procedure <id>', () => {
    const onTools = (...args: string[]): Promise<CliRun> =>
      hil('program', ...args, '--boards', boardsFile, '--board', 'cli-virtual-tools', '--time-scale', TIME_SCALE);

    it("--procedure openocd-program-sh programs a 1 MiB+ image with the board's own tool (exit 0, its progress and output in the document); hil map then shows it all", async function () {
      this.timeout(240_000);
      const image = join(dir, 'big.bin');
      writeFileSync(image, randomBytes(1024 * 1024 + 64 * 1024));
      const r = await onBoard('program', image, '--procedure', 'openocd-program-sh', '--json');
      expect(r.code, explain(r)).to.equal(0);
      const doc = JSON.parse(r.stdout) as {
        method: string;
        procedure: { id: string; kind: string; chosenBy: string };
        succeeded: boolean;
        exit: { exitCode: number };
        commandLine: string;
        progress: { samples: number; last: { percent: number } };
        transcript: string[];
        verdict: string;
      };
      expect(doc.method).to.equal('procedure');
      expect(doc.procedure).to.deep.equal({ id: 'openocd-program-sh', kind: 'command', chosenBy: '--procedure' });
      expect(doc.succeeded).to.equal(true);
      expect(doc.exit.exitCode).to.equal(0);
      expect(doc.commandLine).to.include('openocd-program.sh');
      expect(doc.progress.samples).to.be.greaterThan(1);
      expect(doc.progress.last.percent).to.equal(100);
      expect(doc.transcript.join('\n')).to.include('** Programming Finished **');
      expect(doc.verdict).to.equal('programmed with procedure openocd-program-sh');
      const map = await onBoard('map', image, '--json');
      expect(map.code, explain(map)).to.equal(0);
      expect((JSON.parse(map.stdout) as { map: { clean: boolean; summary: string } }).map).to.include({ clean: true, summary: 'match 272' });
    });

    it('a tool that fails by itself: exit 1, "procedure failed", its output printed', async () => {
      const r = await onTools(firmware.appImage, '--procedure', 'fails');
      expect(r.code, explain(r)).to.equal(1);
      expect(r.stdout).to.match(/^procedure failed: board cli-virtual-tools: procedure fails \(.*\) exited with code 1 \(success: 0\)$/m);
      expect(r.stdout).to.match(/^ {4}.* stdout erasing\.\.\.$/m);
      expect(r.stdout).to.match(/^ {4}.* stderr giving up$/m);
      expect(r.stdout).to.include('exit: code 1 after');
    });

    it('a tool that cannot start: exit 2 "cannot start"; an unknown procedure: exit 2 naming the known ones; an unreachable fault: exit 2 before the board', async () => {
      const missing = await onTools(firmware.appImage, '--procedure', 'missing');
      expect(missing.code, explain(missing)).to.equal(2);
      expect(missing.stderr).to.match(/^hil program: cannot start procedure command \/nonexistent\/flash-tool: /);
      const [unknown, nearMiss, unreachable, serverKill] = await Promise.all([
        onTools(firmware.appImage, '--procedure', 'nope'),
        hil('program', firmware.appImage, '--boards', boardsFile, '--board', 'cli-virtual-tools', '--json', '--procedure', 'fail'),
        onTools(firmware.appImage, '--procedure', 'openocd-program-sh', '--fault', 'progress:50%', '--injector', 'kill-openocd'),
        onTools(firmware.appImage, '--procedure', 'openocd-server-sh', '--fault', 'erase-in-flight:first:50%', '--injector', 'kill-tool'),
      ]);
      expect(unknown.code, explain(unknown)).to.equal(2);
      expect(unknown.stderr.trim()).to.equal(
        'hil program: board cli-virtual-tools: unknown procedure "nope" (from --procedure); known: openocd-plan, openocd-program, openocd-program-sh, openocd-server-sh, fails, missing',
      );
      expect(nearMiss.code, explain(nearMiss)).to.equal(2);
      expect(JSON.parse(nearMiss.stdout)).to.deep.include({ command: 'program', exitCode: 2 });
      expect(nearMiss.stderr).to.include('did you mean "fails"?');
      expect(unreachable.code, explain(unreachable)).to.equal(2);
      expect(unreachable.stderr.trim()).to.equal(
        "hil program: board cli-virtual-tools: procedure openocd-program-sh cannot be interrupted by kill-openocd at progress:50%: the tool runs its own programmer: kill-tool kills the tool's process group",
      );
      expect(unreachable.stdout).to.equal('');
      expect(serverKill.code, explain(serverKill)).to.equal(2);
      expect(serverKill.stderr.trim()).to.equal(
        "hil program: board cli-virtual-tools: procedure openocd-server-sh cannot be interrupted by kill-tool at erase-in-flight:first:50%: procedure openocd-server-sh programs through the harness's OpenOCD (usesHarnessOpenOcd): killing the tool leaves OpenOCD's work running; kill-openocd interrupts it",
      );
    });
  });
});
