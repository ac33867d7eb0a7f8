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
 *
 * Verdict or broken (README): a health check that fails at open is broken, the board was never
 * fit to judge. After an injected fault the session knows the board passed before it, so a chip
 * that no longer probes or answers at `reconnect()` is a verdict (ChipLostAfterFaultError). The
 * UART is proven by a boot (health-check.ts): at open when a bootloader is in internal flash,
 * else by `proveUart()` once the spec support has programmed one.
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
import { rigFailureIn } from '../flash/errors.js';
import { claimBoard, openSessionPower, openSessionUart, startSessionBoard } from './bring-up.js';
import { ChipLostAfterFaultError, ChipLostAfterProcedureError, HealthCheckError, SessionInterruptedError, SessionStateError, sessionStep } from './errors.js';
import { SessionEvidence, type HealthReport } from './evidence.js';
import { createSessionFlash } from './flash-target.js';
import { proveUart, runHealthCheck, type UartProofParts } from './health-check.js';
import { Lifecycle, SESSION_STATES, type SessionState } from './lifecycle.js';
import { OpenOcdConnection } from './openocd-connection.js';
import type { BoardSessionOptions } from './options.js';
import { createFaultEnvironment, createSessionFaults, type SessionFaults } from './session-faults.js';
import { TeardownError, TeardownStack } from './teardown.js';

/** STM32H745 internal flash, bank 1: the CM7 boots from its vector table (initial SP, reset vector). */
const INTERNAL_FLASH = 0x08000000;
const INTERNAL_FLASH_END = 0x08200000;
/** The health-check steps that ask the QSPI chip itself: failing after a fault, the chip is lost. */
const CHIP_CHECKS = new Set(['QSPI bank probed', 'QSPI JEDEC id']);
/** A bootloader prints its first line within milliseconds of reset; this is slack for a loaded CI host. */
const DEFAULT_UART_PROOF_TIMEOUT_MS = 3000;

const hex8 = (n: number): string => `0x${(n >>> 0).toString(16).padStart(8, '0')}`;

export class BoardSession {
  readonly evidence = new SessionEvidence();
  readonly openocd: OpenOcdCommands;
  readonly flash: QspiFlash;
  readonly faults: SessionFaults;
  private readonly lifecycle: Lifecycle;
  private readonly teardown = new TeardownStack();
  private readonly connection: OpenOcdConnection;
  private readonly timeScale: number;
  /** The session's scratch folder (image files, a tool's config and caches); removed at close. */
  readonly workDir: string;
  private started: StartedBoard | undefined;
  private powerSwitch: PowerSwitch | undefined;
  private uartConsole: UartConsole | undefined;
  private interruptedBy: FaultLanding | undefined;
  /** Who has the probe while the harness's OpenOCD is stopped for it (releaseProbe), until reconnect(). */
  private probeHolder: string | undefined;
  /** The last injected fault the QSPI bank has not probed since: a health check failing now is the chip's. */
  private faultSinceProbe: FaultLanding | undefined;
  /** How the UART was proven by a boot in this session (undefined: not yet). */
  private uartProvenBy: string | undefined;
  /** True while `reconnect()` health-checks: no UART proof there (it would boot before the landing is read). */
  private reconnecting = false;
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
    this.workDir = workDir.path;
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
        this.faultSinceProbe = undefined;
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

  /** Where the harness's OpenOCD serves Tcl RPC now, for a tool that programs through it (usesHarnessOpenOcd). */
  get openOcdTclEndpoint(): { readonly host: string; readonly port: number } | undefined {
    return this.connection.tclEndpoint;
  }

  /**
   * A tool drove the target while the harness's OpenOCD kept the probe (it may have reset, halted or
   * run the MCU, or reconfigured the QSPI bank): the session no longer knows the target's state, so
   * the next step starts again from `powered` (reset init, flash probe).
   */
  forgetTargetState(): void {
    this.lifecycle.check('forgetTargetState');
    if (SESSION_STATES.indexOf(this.lifecycle.status) > SESSION_STATES.indexOf('powered')) this.lifecycle.force('powered');
    this.probedInGeneration = undefined;
  }

  /** The `-c` lines OpenOCD needs before the board's configs (the virtual board's ports), for a tool's own OpenOCD too. */
  get openOcdPreConfig(): readonly string[] {
    return this.started?.openOcdPreConfig ?? [];
  }

  /** The started board's control channel: extra evidence and in-chip triggers, never a verdict. */
  get control(): VirtualBoardControl | undefined {
    return this.started?.control;
  }

  /** Who has the probe (releaseProbe) until `reconnect()`; undefined while the harness's OpenOCD has it. */
  get probeReleasedTo(): string | undefined {
    return this.probeHolder;
  }

  /**
   * Stops the harness's OpenOCD so a programming tool can have the probe to itself (a single-probe
   * tool: an ST-LINK serves one client). Power and the UART stay as they are; flash and Tcl calls
   * refuse until `reconnect()` brings OpenOCD back and health-checks the board.
   */
  async releaseProbe(to: string): Promise<void> {
    this.lifecycle.check('releaseProbe');
    if (this.interruptedBy) throw new SessionInterruptedError(this.board.id, 'releaseProbe', this.interruptedBy.injector);
    if (this.board.openocd.tclPort !== undefined)
      throw new SessionStateError(
        this.board.id,
        'releaseProbe',
        this.state,
        'OpenOCD runs on another host (openocd.tclPort): the harness cannot hand the probe over',
      );
    await this.evidence.time(`release the probe to ${to}`, () => this.connection.stop());
    this.probeHolder = to;
    this.lifecycle.force('off');
  }

  /** Moves the board through its lifecycle (off / powered / halted / flash-ready / booted). */
  async transition(to: SessionState): Promise<void> {
    if (this.probeHolder !== undefined && to !== 'off')
      throw new SessionStateError(this.board.id, `transition('${to}')`, this.state, `the probe is released to ${this.probeHolder}: call reconnect()`);
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
   * Proves the UART by a boot (`reset run`, any HIL-BOOT line within the timeout) and adds "UART
   * answers" to the health report. The spec support calls it right after programming the
   * bootloader: a fresh virtual board has none at open, so nothing could print then. Silence is
   * broken (HealthCheckError: the bootloader was just verified, the tty is the rig's); once
   * proven, silence later in the session is the board's, a verdict. Runs once a session.
   */
  async proveUart(): Promise<HealthReport> {
    const console = this.uart;
    this.lifecycle.check('proveUart');
    if (this.uartProvenBy !== undefined && this.healthReport) return this.healthReport;
    return this.evidence.time('prove UART', () =>
      proveUart({
        board: this.board,
        uart: this.uartProofParts(),
        console,
        ...(this.healthReport ? { base: this.healthReport } : {}),
        markBroken: (error) => this.lifecycle.markBroken(error),
        record: (report) => this.recordHealth(report),
      }),
    );
  }

  /**
   * The next run after a fault (or a broken session): stops what is left of OpenOCD, restores
   * power, starts OpenOCD again and health-checks. Clears the broken and interrupted marks.
   * After an injected fault the chip failing the QSPI checks is a verdict: ChipLostAfterFaultError.
   */
  async reconnect(options: { recover?: boolean } = {}): Promise<HealthReport> {
    if (this.lifecycle.isClosed) throw new SessionStateError(this.board.id, 'reconnect', 'closed', 'the session is closed');
    return this.evidence.time('reconnect', async () => {
      const fault = this.faultSinceProbe;
      const holder = this.probeHolder;
      await this.connection.stop();
      this.lifecycle.clearBroken();
      this.lifecycle.force('off');
      this.interruptedBy = undefined;
      this.probeHolder = undefined;
      await this.lifecycle.transition('powered');
      this.reconnecting = true;
      try {
        return await this.healthCheckWithRecovery(options.recover ?? false);
      } catch (error) {
        // The probe may have passed before the JEDEC id failed: the fault still stands.
        this.faultSinceProbe ??= fault;
        throw this.chipLostAfter(fault, holder, error) ?? error;
      } finally {
        this.reconnecting = false;
      }
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
    const why = this.interruptedBy
      ? `OpenOCD was ended by a ${this.interruptedBy.injector} fault: call reconnect()`
      : this.probeHolder !== undefined
        ? `OpenOCD is stopped while ${this.probeHolder} has the probe: call reconnect()`
        : 'OpenOCD is not running';
    return new SessionStateError(this.board.id, 'openocd', this.state, why);
  }

  private async ensure(state: SessionState, method: string): Promise<void> {
    this.lifecycle.check(method);
    if (this.interruptedBy) throw new SessionInterruptedError(this.board.id, method, this.interruptedBy.injector);
    if (this.probeHolder !== undefined)
      throw new SessionStateError(this.board.id, method, this.state, `the probe is released to ${this.probeHolder}: call reconnect()`);
    if (this.lifecycle.status !== state) await this.transition(state);
  }

  private noteFault(landing: FaultLanding, injector: FaultInjector): void {
    this.evidence.recordFault(landing);
    this.faultSinceProbe = landing;
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
        ...((this.options.uart ?? true) ? { uart: this.uartProofParts() } : {}),
        markBroken: (error) => this.lifecycle.markBroken(error),
        record: (report) => this.recordHealth(report),
      }),
    );
  }

  private recordHealth(report: HealthReport): void {
    this.healthReport = report;
    this.evidence.recordHealth(report);
    const proof = report.checks.find((c) => c.check === 'UART answers' && c.ok);
    if (proof) this.uartProvenBy ??= proof.detail;
  }

  private uartProofParts(): UartProofParts {
    return {
      console: () => this.uartConsole,
      skipReason: () => this.uartProofSkipReason(),
      resetRun: () => this.boot(),
      timeoutMs: this.options.uartProofTimeoutMs ?? DEFAULT_UART_PROOF_TIMEOUT_MS,
    };
  }

  /** Why the health check does not prove the UART by a boot now; undefined: it does. */
  private async uartProofSkipReason(): Promise<string | undefined> {
    if (this.uartProvenBy !== undefined) return `proven earlier in this session (${this.uartProvenBy})`;
    if (this.reconnecting)
      return 'not at reconnect: a boot would let the bootloader touch the QSPI flash before the interrupted run is read; proveUart() after programming a bootloader';
    if (this.options.uartProofAtOpen === false) return 'not asked for at open (uartProofAtOpen: false)';
    let words: number[];
    try {
      words = await this.openocd.readMemory(INTERNAL_FLASH, 32, 2);
    } catch (error) {
      return `internal flash at ${hex8(INTERNAL_FLASH)} unreadable (${error instanceof Error ? error.message.split('\n')[0] : String(error)})`;
    }
    const [sp = 0xffffffff, reset = 0xffffffff] = words;
    const inRam = sp >= 0x20000000 && sp < 0x40000000;
    const inFlash = (reset & 1) === 1 && reset >= INTERNAL_FLASH && reset < INTERNAL_FLASH_END;
    if (inRam && inFlash) return undefined;
    const what = sp === 0xffffffff && reset === 0xffffffff ? 'erased' : `no vector table (sp=${hex8(sp)} reset=${hex8(reset)})`;
    return `internal flash at ${hex8(INTERNAL_FLASH)} is ${what}: no bootloader to print yet; proveUart() once one is programmed`;
  }

  /**
   * A QSPI health-check failure after an injected fault, or after a programming tool had the probe
   * (the board passed before either), as the verdict it is; undefined otherwise.
   */
  private chipLostAfter(
    fault: FaultLanding | undefined,
    holder: string | undefined,
    error: unknown,
  ): ChipLostAfterFaultError | ChipLostAfterProcedureError | undefined {
    if (!fault && holder === undefined) return undefined;
    if (!(error instanceof HealthCheckError) || !CHIP_CHECKS.has(error.check)) return undefined;
    // OpenOCD dying during the check is still the rig's, whatever it was asking.
    if (rigFailureIn(error.cause) !== undefined) return undefined;
    return fault ? new ChipLostAfterFaultError(this.board.id, fault, error) : new ChipLostAfterProcedureError(this.board.id, holder!, error);
  }
}
