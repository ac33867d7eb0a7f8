/**
 * BoardSession: the per-spec board fixture. Takes the board lock, starts the board (kinds the
 * harness starts, e.g. virtual), powers it, starts OpenOCD with the board's configs (or attaches
 * to a served one), opens the UART, health-checks, and hands out the parts: `openocd` (typed
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
 * Lifecycle: off → powered → halted → flash-ready → booted (lifecycle.ts). Flash operations
 * bring the target to flash-ready themselves. A failure during bring-up or a transition breaks
 * the session: later calls fail fast with the first cause until a successful `reconnect()`. A
 * fault injector that ended OpenOCD or cut power marks the session interrupted: flash
 * operations refuse until `reconnect()` (the next run, stated explicitly by the spec).
 */
import type { StartedBoard } from '../boards/board-kinds.js';
import type { BoardRecord } from '../boards/types.js';
import type { VirtualBoardControl } from '../boards/virtual-board-control.js';
import type { FaultInjector, FaultLanding } from '../faults/injectors.js';
import type { QspiFlash } from '../flash/qspi-flash.js';
import { makeWorkDir } from '../flash/qspi-target.js';
import type { RecoveryReport } from '../flash/recovery.js';
import { OpenOcdCommands, type OpenOcdProcess } from '../openocd/index.js';
import type { PowerSwitch } from '../power/power-switch.js';
import type { UartConsole } from '../serial/uart-console.js';
import { claimBoard, openSessionPower, openSessionUart, startSessionBoard } from './bring-up.js';
import { HealthCheckError, SessionInterruptedError, SessionStateError, sessionStep } from './errors.js';
import { SessionEvidence, type HealthReport } from './evidence.js';
import { createSessionFlash } from './flash-target.js';
import { runHealthCheck } from './health-check.js';
import { Lifecycle, type SessionState } from './lifecycle.js';
import { OpenOcdConnection } from './openocd-connection.js';
import type { BoardSessionOptions } from './options.js';
import { createFaultEnvironment, createSessionFaults, type SessionFaults } from './session-faults.js';
import { TeardownError, TeardownStack } from './teardown.js';

export class BoardSession {
  readonly evidence = new SessionEvidence();
  readonly openocd: OpenOcdCommands;
  readonly flash: QspiFlash;
  readonly faults: SessionFaults;
  private readonly lifecycle: Lifecycle;
  private readonly teardown = new TeardownStack();
  private readonly connection: OpenOcdConnection;
  private readonly timeScale: number;
  private started: StartedBoard | undefined;
  private powerSwitch: PowerSwitch | undefined;
  private uartConsole: UartConsole | undefined;
  private interruptedBy: FaultLanding | undefined;
  /** The OpenOCD connection generation in which the QSPI bank was last probed. */
  private probedInGeneration: number | undefined;
  private closing: Promise<void> | undefined;
  private healthReport: HealthReport | undefined;
  private recoveryReport: RecoveryReport | undefined;

  private constructor(
    readonly board: BoardRecord,
    private readonly options: BoardSessionOptions,
    workDir: { readonly path: string; remove(): Promise<void> },
  ) {
    // Made before anything else (flash files go there): removed last.
    this.teardown.push('work dir', () => workDir.remove());
    this.timeScale = board.kind === 'real' ? 1 : (options.timeScale ?? board.virtual?.timeScale ?? 1);
    this.lifecycle = new Lifecycle(board.id, {
      powerOn: sessionStep(board.id, 'power on and start OpenOCD', () => this.powerOn()),
      powerOff: () => this.powerOff(),
      halt: sessionStep(board.id, 'reset halt', () => this.openocd.reset('halt')),
      flashReady: sessionStep(board.id, `reset init; flash probe ${board.qspi.bank}`, async () => {
        await this.openocd.reset('init');
        await this.openocd.flashProbe(board.qspi.bank);
        this.probedInGeneration = this.connection.generation;
      }),
      boot: sessionStep(board.id, 'reset run', () => this.openocd.reset('run')),
    });
    this.connection = new OpenOcdConnection(board, this.evidence, {
      extraArgs: options.openOcdExtraArgs ?? [],
      startTimeoutMs: options.openOcdStartTimeoutMs ?? 60_000,
      onUnexpectedExit: (error) => this.lifecycle.markBroken(error),
    });
    this.openocd = new OpenOcdCommands(this.connection.caller(() => this.notConnected()));
    const faultEnv = createFaultEnvironment(board, { openocd: this.connection, power: () => this.powerSwitch, control: () => this.control });
    const onFired = (landing: FaultLanding, injector: FaultInjector): void => this.noteFault(landing, injector);
    this.flash = createSessionFlash({
      board,
      commands: this.openocd,
      timeScale: this.timeScale,
      workDir: workDir.path,
      ensureReady: () => this.ensure('flash-ready', 'flash'),
      isProbed: () => this.probedInGeneration === this.connection.generation,
      faultEnv,
      onFired,
      evidence: this.evidence,
    });
    this.faults = createSessionFaults(faultEnv, options.injectors, this.evidence.faults, { check: (method) => this.lifecycle.check(method), onFired });
  }

  /** Brings the board up and health-checks it; on failure everything started is torn down again. */
  static async open(board: BoardRecord, options: BoardSessionOptions = {}): Promise<BoardSession> {
    const session = new BoardSession(board, options, await makeWorkDir(`hil-session-${board.id}-`));
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
    return this.connection.process;
  }

  /** The board the session started (simulated kinds such as virtual; undefined for real boards). */
  get virtual(): StartedBoard | undefined {
    return this.started;
  }

  /** The started board's control channel: extra evidence and in-chip triggers, never a verdict. */
  get control(): VirtualBoardControl | undefined {
    return this.started?.control;
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
      await this.connection.stop();
      this.lifecycle.clearBroken();
      this.lifecycle.force('off');
      this.interruptedBy = undefined;
      await this.lifecycle.transition('powered');
      return this.healthCheckWithRecovery(options.recover ?? false);
    });
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

  private async bringUp(): Promise<void> {
    const { board, options, evidence, teardown } = this;
    const context = { board, evidence, teardown };
    claimBoard(context, this, options);
    this.started = await startSessionBoard(context, { timeScale: this.timeScale, seed: options.seed, stateFile: options.stateFile });
    this.powerSwitch = await openSessionPower(context, this.started);
    // Stopped through whatever connection is current at teardown (reconnect replaces it).
    teardown.push('OpenOCD', () => this.connection.stop());
    await this.transition('powered');
    if (options.uart ?? true) this.uartConsole = await openSessionUart(context, this.started);
    if (options.healthCheck ?? true) await this.healthCheckWithRecovery(options.recoverOnOpen ?? false);
  }

  private async powerOn(): Promise<void> {
    const power = this.powerSwitch;
    if (power) await this.evidence.time('power on', () => power.on());
    await this.connection.connect(this.started?.openOcdPreConfig ?? []);
  }

  private async powerOff(): Promise<void> {
    if (!this.powerSwitch)
      throw new SessionStateError(this.board.id, "transition('off')", this.state, `the board has no power switch (power.type ${this.board.power.type})`);
    await this.powerSwitch.off();
  }

  private notConnected(): Error {
    const why = this.interruptedBy ? `OpenOCD was ended by a ${this.interruptedBy.injector} fault: call reconnect()` : 'OpenOCD is not running';
    return new SessionStateError(this.board.id, 'openocd', this.state, why);
  }

  private async ensure(state: SessionState, method: string): Promise<void> {
    this.lifecycle.check(method);
    if (this.interruptedBy) throw new SessionInterruptedError(this.board.id, method, this.interruptedBy.injector);
    if (this.lifecycle.status !== state) await this.transition(state);
  }

  private noteFault(landing: FaultLanding, injector: FaultInjector): void {
    this.evidence.recordFault(landing);
    if (injector.endsOpenOcd || injector.cutsPower) {
      this.interruptedBy = landing;
      this.lifecycle.force('off');
    } else {
      // SRST: the MCU restarted (the chip did not); OpenOCD still serves.
      this.lifecycle.force('powered');
    }
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

  private runHealthCheck(): Promise<HealthReport> {
    return this.evidence.time('health check', () =>
      runHealthCheck({
        board: this.board,
        openocd: this.openocd,
        flashReady: () => this.ensure('flash-ready', 'health'),
        jedecId: () => this.flash.jedecId(),
        ...((this.options.uart ?? true) ? { uart: () => this.uartConsole } : {}),
        markBroken: (error) => this.lifecycle.markBroken(error),
        record: (report) => {
          this.healthReport = report;
          this.evidence.recordHealth(report);
        },
      }),
    );
  }
}
