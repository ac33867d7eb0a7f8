/**
 * BoardSession: the per-spec board fixture. Takes the board lock, starts the virtual board (for
 * virtual entries), powers the board, starts OpenOCD with the board's configs (or attaches to a
 * served one), opens the UART, health-checks, and hands out the parts: `openocd` (typed
 * commands), `uart`, `power`, `flash` (QspiFlash), `faults`, `health`, `evidence`.
 *
 *   const session = await BoardSession.open(selectBoard().board, { timeScale: 0.001 });
 *   try {
 *     const result = await session.flash.program(image, { faultPoint, injector: 'kill-openocd' });
 *     await session.reconnect();                 // the next run
 *     await session.flash.program(image);
 *   } finally {
 *     await session.close();                     // reverse teardown, first error kept
 *   }
 *
 * Lifecycle: off → powered → halted → flash-ready → booted (session/lifecycle.ts). Flash
 * operations bring the target to flash-ready themselves. A failure during bring-up or a
 * transition breaks the session: later calls fail fast with the first cause until a successful
 * `reconnect()`. A fault injector that ended OpenOCD or cut power marks the session interrupted:
 * flash operations refuse until `reconnect()` (the next run, stated explicitly by the spec).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { acquireBoardLock, lockKeyFor } from './boards/lock.js';
import type { BoardRecord } from './boards/types.js';
import { isNoVerdictError } from './exit-codes.js';
import { createInjector, fireNow, type FaultEnvironment, type FaultInjector, type FaultLanding, type InjectorKind, type InjectorOptions } from './faults/injectors.js';
import { VirtualBoardControl } from './faults/virtual-control.js';
import { W25Q512JV } from './flash/chips.js';
import { QspiFlash } from './flash/qspi-flash.js';
import type { QspiTarget } from './flash/qspi-target.js';
import type { RecoveryReport } from './flash/recovery.js';
import { OpenOcdCommands, OpenOcdProcess, TclRpcClient, type CallOptions, type TclCaller } from './openocd/index.js';
import { openPowerSwitch, type PowerSwitch } from './power/power-switch.js';
import { bridgeTcpUart } from './serial/pty-pair.js';
import { UartConsole } from './serial/uart-console.js';
import { HealthCheckError, SessionError, SessionInterruptedError, SessionStateError } from './session/errors.js';
import { SessionEvidence, type HealthCheckEntry, type HealthReport } from './session/evidence.js';
import { Lifecycle, type SessionState } from './session/lifecycle.js';
import { trackForSignals, untrackForSignals } from './session/signals.js';
import { TeardownError, TeardownStack } from './session/teardown.js';
import { openOcdPortVariables, startVirtualBoardProcess, type VirtualBoardProcess } from '../fixtures/virtual-board/process-launcher.js';

export { HealthCheckError, SessionBrokenError, SessionError, SessionInterruptedError, SessionStateError } from './session/errors.js';
export { SessionEvidence } from './session/evidence.js';
export type { HealthCheckEntry, HealthReport, TclTranscriptEntry, TimingEntry } from './session/evidence.js';
export { Lifecycle, SESSION_STATES } from './session/lifecycle.js';
export type { LifecycleActions, SessionState } from './session/lifecycle.js';
export { TeardownError, TeardownStack } from './session/teardown.js';
export { useBoardSession, withBoardSession } from './session/mocha.js';
export type { UseBoardSessionOptions } from './session/mocha.js';

export interface BoardSessionOptions {
  /** Virtual board: flash time scale (default: the board entry's `virtual.timeScale`). */
  readonly timeScale?: number;
  /** Virtual board: power-loss PRNG seed. */
  readonly seed?: number;
  /** Virtual board: keep the flash contents in this file between runs. */
  readonly stateFile?: string;
  /** Open the UART (default true). */
  readonly uart?: boolean;
  /** Run the health check while opening (default true). */
  readonly healthCheck?: boolean;
  /** Take the board lock (default true). */
  readonly lock?: boolean;
  readonly lockDir?: string;
  /** OpenOCD start timeout (default 60 s). */
  readonly openOcdStartTimeoutMs?: number;
  /** Extra OpenOCD arguments (e.g. ['-d3']). */
  readonly openOcdExtraArgs?: readonly string[];
  /** Close on SIGINT/SIGTERM (default true). */
  readonly handleSignals?: boolean;
  /**
   * When the health check fails at the QSPI steps (reset init, probe, JEDEC id), run
   * `flash.recover()` and check again instead of failing (default false). The recovery report
   * is kept in `session.recovery`.
   */
  readonly recoverOnOpen?: boolean;
  /** Injector options used by `faults.injector(kind)` and `faults.fire(kind)`. */
  readonly injectors?: InjectorOptions;
}

/** What the session offers spec code about faults. */
export interface SessionFaults {
  /** The environment injectors act through (resolved at fire time). */
  readonly env: FaultEnvironment;
  /** Every landing so far, oldest first. */
  readonly landings: readonly FaultLanding[];
  injector(kind: InjectorKind): FaultInjector;
  /** Fires an injector now, outside a programming run ("pull the plug now"). */
  fire(kind: InjectorKind | FaultInjector, description?: string): Promise<FaultLanding>;
}

export class BoardSession {
  readonly evidence = new SessionEvidence();
  readonly openocd: OpenOcdCommands;
  readonly flash: QspiFlash;
  readonly faults: SessionFaults;
  private readonly lifecycle: Lifecycle;
  private readonly teardown = new TeardownStack();
  private proc: OpenOcdProcess | undefined;
  private attached: TclRpcClient | undefined;
  private uartConsole: UartConsole | undefined;
  private powerSwitch: PowerSwitch | undefined;
  private controlClient: VirtualBoardControl | undefined;
  private virtualBoard: VirtualBoardProcess | undefined;
  private workDir = '';
  private interruptedBy: FaultLanding | undefined;
  /** The OpenOCD (process or attached connection) that last probed the QSPI bank. */
  private probedBy: object | undefined;
  private closing: Promise<void> | undefined;
  private healthReport: HealthReport | undefined;
  private recoveryReport: RecoveryReport | undefined;
  private readonly timeScale: number;

  private constructor(
    readonly board: BoardRecord,
    private readonly options: BoardSessionOptions,
  ) {
    this.timeScale = board.kind === 'virtual' ? (options.timeScale ?? board.virtual?.timeScale ?? 1) : 1;
    // Failures of a lifecycle step are infrastructure: typed, naming the board and the command.
    const step = (action: string, body: () => Promise<void>) => async (): Promise<void> => {
      try {
        await body();
      } catch (error) {
        if (isNoVerdictError(error)) throw error;
        throw new SessionError(board.id, action, error instanceof Error ? error.message : String(error), { cause: error });
      }
    };
    this.lifecycle = new Lifecycle(board.id, {
      powerOn: step('power on and start OpenOCD', () => this.powerOnAndConnect()),
      powerOff: () => this.powerOffBoard(),
      halt: step('reset halt', () => this.openocd.reset('halt')),
      flashReady: step(`reset init; flash probe ${board.qspi.bank}`, async () => {
        await this.openocd.reset('init');
        await this.openocd.flashProbe(board.qspi.bank);
        this.probedBy = this.proc ?? this.attached;
      }),
      boot: step('reset run', () => this.openocd.reset('run')),
    });
    this.openocd = new OpenOcdCommands(this.tclCaller());
    const currentWorkDir = (): string => this.workDir;
    const target: QspiTarget = {
      boardId: board.id,
      commands: this.openocd,
      bank: board.qspi.bank,
      base: board.qspi.base,
      chip: W25Q512JV,
      timeScale: this.timeScale,
      get workDir(): string {
        return currentWorkDir();
      },
      ensureReady: () => this.ensure('flash-ready', 'flash'),
      allowsMassErase: board.allows.massErase,
      isProbed: () => this.probedBy !== undefined && this.probedBy === (this.proc ?? this.attached),
    };
    const env: FaultEnvironment = {
      board,
      openOcdProcess: () => this.proc,
      openSideChannel: async () => {
        if (this.proc) return this.proc.connect();
        return this.connectAttached();
      },
      power: () => this.powerSwitch,
      control: () => this.controlClient,
    };
    const onFired = (landing: FaultLanding, injector: FaultInjector): void => this.noteFault(landing, injector);
    this.flash = new QspiFlash(target, { env, onFired }, {
      onTiming: (name, ms, ok) => this.evidence.recordTiming(`flash: ${name}`, ms, ok),
      onSectorMap: (result, title) => this.evidence.sectorMaps.push({ name: `sector map ${this.evidence.sectorMaps.length + 1}${title ? ` (${title})` : ''}`, svg: result.svg, summary: result.map.summary() }),
    });
    this.evidence.fileDir = () => (this.workDir && !this.lifecycle.isClosed ? this.workDir : undefined);
    const landings = this.evidence.faults;
    this.faults = {
      env,
      landings,
      injector: (kind) => createInjector(kind, options.injectors),
      fire: async (kind, description) => {
        this.lifecycle.check('faults.fire');
        const injector = typeof kind === 'string' ? createInjector(kind, options.injectors) : kind;
        const landing = await fireNow(env, injector, description);
        this.noteFault(landing, injector);
        return landing;
      },
    };
  }

  /** Brings the board up and health-checks it; on failure everything started is torn down again. */
  static async open(board: BoardRecord, options: BoardSessionOptions = {}): Promise<BoardSession> {
    const session = new BoardSession(board, options);
    try {
      await session.bringUp();
    } catch (error) {
      await session.close().catch(() => undefined);
      throw error;
    }
    return session;
  }

  get state(): SessionState {
    return this.lifecycle.status;
  }

  /** The first cause, when the session is broken. */
  get broken(): unknown {
    return this.lifecycle.broken;
  }

  /** The landing of the fault that interrupted the session, until `reconnect()`. */
  get interrupted(): FaultLanding | undefined {
    return this.interruptedBy;
  }

  get uart(): UartConsole {
    if (!this.uartConsole) throw new SessionStateError(this.board.id, 'uart', this.state, 'the UART was not opened (options.uart false)');
    return this.uartConsole;
  }

  get power(): PowerSwitch | undefined {
    return this.powerSwitch;
  }

  get health(): HealthReport | undefined {
    return this.healthReport;
  }

  /** The last recovery run by `open({ recoverOnOpen })` or `reconnect({ recover })`. */
  get recovery(): RecoveryReport | undefined {
    return this.recoveryReport;
  }

  /** The OpenOCD process the session started (undefined when attached). */
  get openOcdProcess(): OpenOcdProcess | undefined {
    return this.proc;
  }

  /** The virtual board process (virtual boards only). */
  get virtual(): VirtualBoardProcess | undefined {
    return this.virtualBoard;
  }

  /** The virtual board's control socket: extra evidence only, never a verdict. */
  get control(): VirtualBoardControl | undefined {
    return this.controlClient;
  }

  /** Moves the board through its lifecycle (off / powered / halted / flash-ready / booted). */
  async transition(to: SessionState): Promise<void> {
    if (this.interruptedBy && to !== 'off') throw new SessionInterruptedError(this.board.id, `transition('${to}')`, this.interruptedBy.injector);
    await this.evidence.time(`transition to ${to}`, () => this.lifecycle.transition(to));
  }

  /** `reset run`, with the UART's earlier lines marked consumed so `uart.expect` sees this boot. */
  async boot(): Promise<void> {
    await this.ensure('flash-ready', 'boot');
    // The core is halted now: whatever the UART said before (a boot cut short included) is not
    // this boot's.
    this.uartConsole?.skipReceived();
    await this.transition('booted');
  }

  /**
   * Programs the MCU's internal flash (the bootloader ELF) the way a user would: `flash
   * write_image erase <elf>`, then `verify_image <elf>`.
   */
  async programInternalFlash(elfFile: string): Promise<{ bytes: number; elapsedMs: number }> {
    await this.ensure('flash-ready', 'programInternalFlash');
    return this.evidence.time('program internal flash', async () => {
      const t0 = performance.now();
      const written = await this.openocd.flashWriteImage(elfFile, { erase: true });
      await this.openocd.verifyImage(elfFile);
      return { bytes: written.bytes, elapsedMs: performance.now() - t0 };
    });
  }

  /**
   * The next run after a fault (or a broken session): stops what is left of OpenOCD, restores
   * power, starts OpenOCD again and health-checks. Clears the broken and interrupted marks.
   */
  async reconnect(options: { recover?: boolean } = {}): Promise<HealthReport> {
    if (this.lifecycle.isClosed) throw new SessionStateError(this.board.id, 'reconnect', 'closed', 'the session is closed');
    return this.evidence.time('reconnect', async () => {
      await this.stopOpenOcd();
      this.lifecycle.clearBroken();
      this.lifecycle.force('off');
      this.interruptedBy = undefined;
      await this.lifecycle.transition('powered');
      return this.healthCheckWithRecovery(options.recover ?? false);
    });
  }

  /** Health check; with `recover`, a failure at the QSPI steps runs recovery and checks again. */
  private async healthCheckWithRecovery(recover: boolean): Promise<HealthReport> {
    try {
      return await this.runHealthCheck();
    } catch (error) {
      const qspiStep = error instanceof HealthCheckError && (error.check === 'QSPI bank probed' || error.check === 'QSPI JEDEC id');
      if (!recover || !qspiStep) throw error;
      this.lifecycle.clearBroken();
      this.recoveryReport = await this.flash.recover();
      this.lifecycle.force('powered');
      return this.runHealthCheck();
    }
  }

  /** Tears everything down in reverse order; keeps the first error, still runs every step. Idempotent. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      this.lifecycle.close();
      const failures = await this.teardown.run();
      if (failures.length > 0) throw new TeardownError(failures);
    })();
    return this.closing;
  }

  // --------------------------------------------------------------------------------------------

  private async bringUp(): Promise<void> {
    const board = this.board;
    if (this.options.handleSignals ?? true) {
      trackForSignals(this);
      this.teardown.push('signal handlers', () => untrackForSignals(this));
    }
    if (this.options.lock ?? true) {
      const lock = acquireBoardLock(board.id, { key: lockKeyFor(board), ...(this.options.lockDir !== undefined ? { dir: this.options.lockDir } : {}) });
      this.teardown.push('board lock', () => lock.release());
    }
    this.workDir = await mkdtemp(join(tmpdir(), `hil-session-${board.id}-`));
    const dir = this.workDir;
    this.teardown.push('work dir', () => rm(dir, { recursive: true, force: true }));

    if (board.kind === 'virtual') {
      const vb = await this.evidence.time('start virtual board', () =>
        startVirtualBoardProcess({
          timeScale: this.timeScale,
          ...(this.options.seed !== undefined ? { seed: this.options.seed } : {}),
          ...(this.options.stateFile !== undefined ? { stateFile: this.options.stateFile } : {}),
        }),
      );
      this.virtualBoard = vb;
      this.evidence.virtualBoardStderr = () => vb.stderr();
      this.teardown.push('virtual board', () => vb.stop());
      if (vb.control) {
        const control = await VirtualBoardControl.connect(vb.control);
        this.controlClient = control;
        this.teardown.push('virtual board control', () => control.close());
        this.evidence.virtualBoardState = async () => ({ status: await control.status(), operations: (await control.operations()).slice(-200) });
      }
    }
    const power = await this.evidence.time('open power switch', () => openPowerSwitch(board, this.virtualBoard?.relay));
    if (power) {
      this.powerSwitch = power;
      this.teardown.push('power switch', () => power.close());
    }
    // OpenOCD is stopped through whatever process is current at teardown (reconnect replaces it).
    this.teardown.push('OpenOCD', () => this.stopOpenOcd());
    await this.transition('powered');

    if (this.options.uart ?? true) {
      let path = board.uart.kind === 'tty' ? board.uart.path : board.uart.kind === 'virtual' ? this.virtualBoard?.uart : undefined;
      if (board.uart.kind === 'network') {
        // A UART served on the board's host (ser2net / socat): bridged to a local pty, read like any tty.
        const { host, port } = board.uart;
        const bridge = await this.evidence.time('bridge network UART', () => bridgeTcpUart(host, port));
        this.teardown.push(`network UART bridge (socat pid ${bridge.pid})`, () => bridge.stop());
        path = bridge.path;
      }
      if (!path) throw new HealthCheckError(board.id, 'UART open', 'open UART', 'the virtual board reported no UART tty');
      const uart = await this.evidence.time('open UART', () => UartConsole.open({ path, baudRate: board.uart.baud ?? 115200, boardId: board.id }));
      this.uartConsole = uart;
      this.evidence.uartText = () => uart.transcriptText();
      this.teardown.push('UART', () => uart.close());
    }
    if (this.options.healthCheck ?? true) await this.healthCheckWithRecovery(this.options.recoverOnOpen ?? false);
  }

  private async powerOnAndConnect(): Promise<void> {
    if (this.powerSwitch) await this.evidence.time('power on', () => this.powerSwitch!.on());
    if (this.board.openocd.tclPort !== undefined) {
      this.attached = await this.connectAttached();
      return;
    }
    if (this.proc?.running) return;
    const board = this.board;
    const proc = await this.evidence.time('start OpenOCD', () =>
      OpenOcdProcess.start({
        ...(board.openocd.binary !== undefined ? { binary: board.openocd.binary } : {}),
        preConfigCommands: this.virtualBoard ? openOcdPortVariables(this.virtualBoard) : [],
        configFiles: board.openocd.configs,
        searchDirs: board.openocd.searchDirs,
        commands: [...board.openocd.commands, 'init'],
        extraArgs: this.options.openOcdExtraArgs ?? [],
        startTimeoutMs: this.options.openOcdStartTimeoutMs ?? 60_000,
      }),
    );
    this.proc = proc;
    this.evidence.addOpenOcdLog(proc.pid, proc.log);
    proc.on('unexpected-exit', (error) => this.lifecycle.markBroken(error));
  }

  private async powerOffBoard(): Promise<void> {
    if (!this.powerSwitch) throw new SessionStateError(this.board.id, "transition('off')", this.state, `the board has no power switch (power.type ${this.board.power.type})`);
    await this.powerSwitch.off();
  }

  private async connectAttached(): Promise<TclRpcClient> {
    return TclRpcClient.connect({ host: this.board.openocd.tclHost ?? '127.0.0.1', port: this.board.openocd.tclPort! });
  }

  private async stopOpenOcd(): Promise<void> {
    const proc = this.proc;
    this.proc = undefined;
    if (proc) await proc.stop();
    const attached = this.attached;
    this.attached = undefined;
    if (attached) await attached.close();
  }

  /** The Tcl caller behind `openocd`: always the current connection, every call in the transcript. */
  private tclCaller(): TclCaller {
    return {
      call: async (command: string, options?: CallOptions): Promise<string> => {
        const client = this.proc?.tcl ?? this.attached;
        if (!client) throw new SessionStateError(this.board.id, 'openocd', this.state, this.interruptedBy ? `OpenOCD was ended by a ${this.interruptedBy.injector} fault: call reconnect()` : 'OpenOCD is not running');
        const startedAt = this.evidence.sinceOpenMs();
        try {
          const reply = await client.call(command, options);
          this.evidence.recordTcl(command, startedAt, true, reply);
          return reply;
        } catch (error) {
          this.evidence.recordTcl(command, startedAt, false, error instanceof Error ? error.message : String(error));
          throw error;
        }
      },
    };
  }

  private async ensure(state: SessionState, method: string): Promise<void> {
    this.lifecycle.check(method);
    if (this.interruptedBy) throw new SessionInterruptedError(this.board.id, method, this.interruptedBy.injector);
    if (this.lifecycle.status !== state) await this.transition(state);
  }

  private noteFault(landing: FaultLanding, injector: FaultInjector): void {
    this.evidence.faults.push(landing);
    if (injector.endsOpenOcd || injector.cutsPower) {
      this.interruptedBy = landing;
      this.lifecycle.force('off');
    } else {
      // SRST: the MCU restarted (the chip did not); OpenOCD still serves.
      this.lifecycle.force('powered');
    }
  }

  private async runHealthCheck(): Promise<HealthReport> {
    const checks: HealthCheckEntry[] = [];
    const board = this.board;
    let openOcdVersion: string | undefined;
    let jedecId: string | undefined;
    const check = async <T>(name: string, command: string, body: () => Promise<T>, judge: (value: T) => { ok: boolean; detail: string }): Promise<T> => {
      const t0 = performance.now();
      let value: T;
      try {
        value = await body();
      } catch (error) {
        const detail = error instanceof Error ? error.message : String(error);
        checks.push({ check: name, command, ok: false, detail, elapsedMs: performance.now() - t0 });
        this.finishHealth(checks, openOcdVersion, jedecId);
        throw new HealthCheckError(board.id, name, command, detail, { cause: error });
      }
      const verdict = judge(value);
      checks.push({ check: name, command, ok: verdict.ok, detail: verdict.detail, elapsedMs: performance.now() - t0 });
      if (!verdict.ok) {
        this.finishHealth(checks, openOcdVersion, jedecId);
        const error = new HealthCheckError(board.id, name, command, verdict.detail);
        this.lifecycle.markBroken(error);
        throw error;
      }
      return value;
    };
    return this.evidence.time('health check', async () => {
      openOcdVersion = await check('OpenOCD answers', 'version', () => this.openocd.version(), (v) => ({ ok: /Open On-Chip Debugger/.test(v), detail: v.trim() }));
      await check('target examined', 'targets', () => this.openocd.targets(), (targets) => {
        const current = targets.find((t) => t.current) ?? targets[0];
        return { ok: current !== undefined && current.state !== 'unknown' && current.state !== 'tap-disabled', detail: current ? `${current.name} (${current.type}) ${current.state}` : 'no target' };
      });
      await check('QSPI bank probed', `reset init; flash probe ${board.qspi.bank}`, () => this.ensure('flash-ready', 'health'), () => ({ ok: true, detail: 'stmqspi bank probed after reset init' }));
      jedecId = await check('QSPI JEDEC id', `stmqspi cmd ${board.qspi.bank} 3 0x9f`, () => this.flash.jedecId(), (id) => ({ ok: id === board.qspi.jedecId.toLowerCase(), detail: `read ${id}, expected ${board.qspi.jedecId}` }));
      if (this.options.uart ?? true) {
        await check('UART open', 'open tty', async () => this.uartConsole, (uart) => ({ ok: uart !== undefined, detail: uart ? `${uart.path} open` : 'not open' }));
      }
      return this.finishHealth(checks, openOcdVersion, jedecId);
    });
  }

  private finishHealth(checks: HealthCheckEntry[], openOcdVersion: string | undefined, jedecId: string | undefined): HealthReport {
    const report: HealthReport = {
      ok: checks.every((c) => c.ok),
      checks: checks.map((c) => ({ ...c, elapsedMs: Math.round(c.elapsedMs * 10) / 10 })),
      ...(openOcdVersion !== undefined ? { openOcdVersion: openOcdVersion.trim() } : {}),
      ...(jedecId !== undefined ? { jedecId } : {}),
    };
    this.healthReport = report;
    this.evidence.health = report;
    return report;
  }
}

/** True for failures that mean "no verdict" (infrastructure), as opposed to a board assertion. */
export { isNoVerdictError };
