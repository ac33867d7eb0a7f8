/**
 * One run of a programming plan over OpenOCD: erase each unit with `flash erase_sector`, timing
 * each erase against the chip's physics, write in chunks with `flash write_bank` from chunk
 * files, verify with `verify_image` (on-target CRC), report progress, and fire the plan's fault
 * through its injector.
 *
 * The tracker holds what OpenOCD acknowledged so far; `fireFault` reads it at the moment the
 * injector fires and is the one place a landing is recorded, so "where did the fault land?" is
 * answered from what really happened, not from what the plan asked for.
 */
import { settledWithin } from './settled-within.js';
import { ImageVerifyError, tclCommand } from '../openocd/index.js';
import { TimedAim, type Aim, type AimReport, type OperationTarget } from '../faults/aim.js';
import type { FaultLanding } from '../faults/injectors.js';
import { prepareConfirmation, type FaultConfirmation } from '../faults/confirmation.js';
import { formatFaultPoint } from '../faults/fault-point.js';
import { RunTracker } from '../faults/run-tracker.js';
import type { ArmedFault } from './armed-fault.js';
import { checkEraseTime } from './erase-plausibility.js';
import { FlashOperationError } from './errors.js';
import { failureText } from './failure-text.js';
import { eraseUnitOf } from './chips.js';
import { PAGE_SIZE, type PlanStep, type ProgrammingPlan } from './programming-plan.js';
import type { EraseRecord, ProgrammingResult, ProgressEvent } from './programming-result.js';
import { writeTempFile, type QspiTarget } from './qspi-target.js';

/** What OpenOCD 0.12's stmqspi erases on this chip: the unit `flash erase_sector` addresses. */
export const DEFAULT_ERASE_UNIT = 64 * 1024;

/** After a power cut OpenOCD may take its own timeouts to give up on the command in flight. */
const IN_FLIGHT_OUTCOME_BOUND_MS = 30_000;

export interface RunSettings {
  readonly eraseUnit: number;
  /** Fraction of the typical erase time below which an erase is implausible (checkEraseTime's default if unset). */
  readonly eraseFloorFraction?: number;
  readonly onProgress?: (event: ProgressEvent) => void;
}

type StepOf<K extends PlanStep['kind']> = Extract<PlanStep, { kind: K }>;
type EraseUnit = StepOf<'erase'> | StepOf<'erase-interrupted'>;

/** Stops the step loop once a fault fired. */
class FaultFired extends Error {}

const tenths = (ms: number): number => Math.round(ms * 10) / 10;

export class ProgrammingRun {
  private readonly tracker = new RunTracker();
  private readonly erases: EraseRecord[] = [];
  /** The last command sent: the fault path waits on it to learn what became of it. */
  private lastCommand: Promise<unknown> | undefined;
  /** Set once, by the first fireFault; resolves to the landing. */
  private firing: Promise<FaultLanding> | undefined;
  private verifyOutcome: ProgrammingResult['verify'];
  /** For a fault inside a chip operation: the aim and whether it saw the moment come. */
  private aiming: { aim: Aim; hit: boolean } | undefined;
  /** Wall ms per page of the last completed write command: a timed aim's pace inside a write. */
  private msPerPage: number | undefined;
  /** The pending confirmation of a fault that resets the MCU (its reset flags cleared before the run). */
  private confirmation: FaultConfirmation | undefined;

  /** Construct right before `execute`: the run's clock starts here. */
  constructor(
    private readonly target: QspiTarget,
    private readonly bytes: Uint8Array,
    private readonly plan: ProgrammingPlan,
    private readonly settings: RunSettings,
    private readonly fault: ArmedFault | undefined,
  ) {}

  async execute(): Promise<ProgrammingResult> {
    // Before any step: once the fault fires OpenOCD may be busy, and the board held or off.
    if (this.fault) this.confirmation = await prepareConfirmation(this.fault.wiring.env, this.fault.injector.kind);
    const timer = this.startFaultTimer();
    try {
      for (const step of this.plan.steps) {
        if (this.firing) break;
        await this.runStep(step);
      }
    } catch (error) {
      if (!(error instanceof FaultFired)) throw error;
    } finally {
      clearTimeout(timer);
    }
    const landing = await this.firing;
    return {
      completed: landing === undefined,
      plan: this.plan,
      erases: this.erases,
      implausibleErases: this.erases.filter((e) => !e.plausibility.plausible),
      bytesWritten: this.tracker.lastAckedByte,
      verify: this.verifyOutcome,
      landing,
      elapsedMs: this.tracker.elapsedMs(),
    };
  }

  private async runStep(step: PlanStep): Promise<void> {
    switch (step.kind) {
      case 'erase':
        return this.eraseUnit(step);
      case 'erase-interrupted':
        return this.eraseInFlight(step, this.armed(step));
      case 'write':
        return this.writeChunk(step);
      case 'write-interrupted':
        return this.writeInFlight(step, this.armed(step));
      case 'verify':
        return this.verify(step);
      case 'fault':
        await this.fireFault(this.armed(step), step.description);
    }
  }

  /** planProgramming emits fault steps only for a fault point, and the entry arms every fault point. */
  private armed(step: PlanStep): ArmedFault {
    if (this.fault) return this.fault;
    throw new RangeError(`the plan's ${step.kind} step has no injector to fire`);
  }

  /** A `time:<ms>` point fires on a wall-clock timer, whatever step is running then. */
  private startFaultTimer(): NodeJS.Timeout | undefined {
    const fault = this.fault;
    if (fault?.point.kind !== 'time') return undefined;
    const afterMs = fault.point.afterMs;
    // An injector failure surfaces when execute() awaits the firing.
    return setTimeout(() => void this.fireFault(fault, `${afterMs} ms after the run started`).catch(() => undefined), afterMs);
  }

  private async eraseUnit(step: StepOf<'erase'>): Promise<void> {
    this.tracker.phase = 'erase';
    const erase = this.eraseCommand(step.offset);
    const t0 = performance.now();
    await this.run(`erase of unit ${step.unitIndex}`, erase.command, erase.send, (r) =>
      this.erased(step, { elapsedMs: performance.now() - t0, openOcdSeconds: r.seconds }),
    );
    this.progress(step);
  }

  /** Sends the erase and fires the fault at the aimed moment inside it, without waiting for the erase. */
  private async eraseInFlight(step: StepOf<'erase-interrupted'>, fault: ArmedFault): Promise<void> {
    this.tracker.phase = 'erase';
    const erase = this.eraseCommand(step.offset);
    const typicalMs = eraseUnitOf(this.target.chip, step.length).time.typicalMs * this.target.timeScale;
    // A fixed delay ("20ms") is wall time whatever the board: a timed aim reaching it at fraction 1.
    const target: OperationTarget =
      'fraction' in step.at
        ? { op: 'erase', unitIndex: step.unitIndex, offset: step.offset, length: step.length, fraction: step.at.fraction, typicalMs }
        : { op: 'erase', unitIndex: step.unitIndex, offset: step.offset, length: step.length, fraction: 1, typicalMs: step.at.delayMs };
    const aim = 'fraction' in step.at ? this.aimOf(fault) : new TimedAim();
    await this.sendAimed(fault, aim, target, `erase of unit ${step.unitIndex}`, erase.command, erase.send, () => this.erased(step));
  }

  /** Sends the write carrying the target page and fires the fault while the chip programs that page. */
  private async writeInFlight(step: StepOf<'write-interrupted'>, fault: ArmedFault): Promise<void> {
    this.tracker.phase = 'write';
    const write = await this.writeCommand(step);
    const target: OperationTarget = {
      op: 'program',
      unitIndex: step.unitIndex,
      offset: step.pageOffset,
      length: PAGE_SIZE,
      fraction: step.fraction,
      typicalMs: this.target.chip.pageProgram.typicalMs * this.target.timeScale,
      pagesBefore: step.pagesBefore,
      ...(this.msPerPage !== undefined ? { msPerPage: this.msPerPage } : {}),
    };
    await this.sendAimed(fault, this.aimOf(fault), target, write.stepName, write.command, write.send, () => {
      this.tracker.lastAckedByte = step.imageOffset + step.length;
    });
  }

  private aimOf(fault: ArmedFault): Aim {
    if (fault.aim) return fault.aim;
    throw new RangeError(`fault point ${formatFaultPoint(fault.point)} lies inside a chip operation but was armed without an aim`);
  }

  /** Arms the aim, sends the command without waiting for it, fires at the aimed moment. */
  private async sendAimed<T>(
    fault: ArmedFault,
    aim: Aim,
    target: OperationTarget,
    stepName: string,
    command: string,
    body: () => Promise<T>,
    acknowledge: (value: T) => void,
  ): Promise<void> {
    const env = fault.wiring.env;
    await aim.arm(env, target);
    // Its failure is the fault's doing: the landing's in-flight outcome reports it.
    const sent = this.send(stepName, command, body, acknowledge);
    sent.catch(() => undefined);
    const hit = await aim.moment(env, target, sent);
    this.aiming = { aim, hit };
    const where = `${(target.fraction * 100).toFixed(1)} % into the ${target.op === 'erase' ? 'erase' : 'page program'} at 0x${target.offset.toString(16)} (unit ${target.unitIndex})`;
    await this.fireFault(fault, hit ? where : `after ${stepName} finished: the aim never saw ${where}`);
  }

  private async writeCommand(step: {
    imageOffset: number;
    offset: number;
    length: number;
  }): Promise<{ stepName: string; command: string; send: () => Promise<string> }> {
    const offset = `0x${step.offset.toString(16)}`;
    const chunk = this.bytes.subarray(step.imageOffset, step.imageOffset + step.length);
    const file = await writeTempFile(this.target, `chunk-${step.offset.toString(16)}.bin`, chunk);
    const command = tclCommand('flash', 'write_bank', this.target.bank, file, offset);
    return { stepName: `write of ${step.length} bytes at ${offset}`, command, send: () => this.target.commands.raw(command, { timeoutMs: 600_000 }) };
  }

  private async writeChunk(step: StepOf<'write'>): Promise<void> {
    this.tracker.phase = 'write';
    const write = await this.writeCommand(step);
    const t0 = performance.now();
    await this.run(write.stepName, write.command, write.send, () => {
      this.tracker.lastAckedByte = step.imageOffset + step.length;
    });
    this.msPerPage = (performance.now() - t0) / Math.max(1, Math.ceil(step.length / PAGE_SIZE));
    this.progress(step);
  }

  private async verify(step: StepOf<'verify'>): Promise<void> {
    this.tracker.phase = 'verify';
    const file = await writeTempFile(this.target, 'image.bin', this.bytes);
    const address = this.target.base + step.offset;
    const command = tclCommand('verify_image', file, `0x${address.toString(16)}`, 'bin');
    try {
      await this.run(
        'verify',
        command,
        () => this.target.commands.verifyImage(file, { offset: address, type: 'bin' }),
        () => undefined,
      );
      this.verifyOutcome = { ok: true, differences: [] };
    } catch (error) {
      if (!(error instanceof ImageVerifyError)) throw error;
      // A mismatch is a verdict on the flash, not a failed command: the command is over.
      this.tracker.end();
      this.verifyOutcome = { ok: false, differences: error.differences };
    }
    this.tracker.phase = 'done';
    this.progress(step);
  }

  /**
   * Fires the injector once (later calls share that firing) and records where the fault landed:
   * the phase and in-flight command at the moment it fired, what became of that command (bounded
   * wait), and what OpenOCD had acknowledged by then.
   */
  private fireFault(fault: ArmedFault, description: string): Promise<FaultLanding> {
    this.firing ??= this.land(fault, description);
    return this.firing;
  }

  private async land(fault: ArmedFault, description: string): Promise<FaultLanding> {
    // Read synchronously: the moment of firing, before the injector changes anything.
    const firedAt = this.tracker.elapsedMs();
    const { inFlight, phase } = this.tracker;
    const beforeFault = { lastErasedUnit: this.tracker.lastErasedUnit, lastAckedByte: this.tracker.lastAckedByte };
    let settledAt: number | undefined;
    const settling = inFlight
      ? this.lastCommand?.then(
          () => ((settledAt = this.tracker.elapsedMs()), 'completed' as const),
          () => ((settledAt = this.tracker.elapsedMs()), 'interrupted' as const),
        )
      : undefined;
    const result = await fault.injector.fire(fault.wiring.env);
    // Before waiting on OpenOCD: a held board answers OpenOCD only once the aim lets it go.
    const aimed: AimReport | undefined = this.aiming ? await this.aiming.aim.after(fault.wiring.env, this.aiming.hit) : undefined;
    const injectorDoneAt = this.tracker.elapsedMs();
    const inFlightOutcome = settling ? await settledWithin(settling, IN_FLIGHT_OUTCOME_BOUND_MS) : 'none';
    const acknowledged = this.tracker.snapshot();
    const landing: FaultLanding = {
      injector: fault.injector.kind,
      point: formatFaultPoint(fault.point),
      description,
      phase,
      lastAckedByte: acknowledged.lastAckedByte,
      lastErasedUnit: acknowledged.lastErasedUnit,
      lastErasedOffset: acknowledged.lastErasedOffset,
      acknowledgedBeforeFault: beforeFault,
      elapsedMs: tenths(firedAt),
      inFlightCommand: inFlight?.command,
      inFlightOutcome,
      ...(settledAt !== undefined && inFlight ? { inFlightSettledAtMs: tenths(settledAt) } : {}),
      injectorDoneAtMs: tenths(injectorDoneAt),
      notes: result.notes,
      ...(result.virtual ? { virtual: result.virtual } : {}),
      ...(aimed ? { aim: aimed } : {}),
      ...(this.confirmation ? { confirmation: this.confirmation } : {}),
    };
    fault.wiring.onFired?.(landing, fault.injector);
    return landing;
  }

  /**
   * An erase OpenOCD acknowledged: the tracker's last erased unit and, for a timed erase, its
   * record with the plausibility verdict. An erase the fault cut into is not timed: its duration
   * measures the fault, not the chip.
   */
  private erased(unit: EraseUnit, timing?: { elapsedMs: number; openOcdSeconds: number }): void {
    this.tracker.lastErasedUnit = unit.unitIndex;
    this.tracker.lastErasedOffset = unit.offset;
    if (!timing) return;
    const plausibility = checkEraseTime(
      this.target.chip,
      { bytes: unit.length, units: 1, elapsedMs: timing.elapsedMs },
      { timeScale: this.target.timeScale, floorFraction: this.settings.eraseFloorFraction },
    );
    this.erases.push({ unitIndex: unit.unitIndex, offset: unit.offset, length: unit.length, ...timing, plausibility });
  }

  /** `flash erase_sector` for the stmqspi sector size, `flash erase_address` for any other unit. */
  private eraseCommand(offset: number): { command: string; send: () => Promise<{ seconds: number }> } {
    const { target, settings } = this;
    if (settings.eraseUnit === DEFAULT_ERASE_UNIT) {
      const n = offset / settings.eraseUnit;
      return { command: tclCommand('flash', 'erase_sector', target.bank, n, n), send: () => target.commands.flashEraseSector(target.bank, n, n) };
    }
    const address = target.base + offset;
    return {
      command: tclCommand('flash', 'erase_address', `0x${address.toString(16)}`, settings.eraseUnit),
      send: () => target.commands.flashEraseAddress(address, settings.eraseUnit),
    };
  }

  /** Sends one command as the in-flight one; `acknowledge` runs once OpenOCD reports it done. */
  private send<T>(stepName: string, command: string, body: () => Promise<T>, acknowledge: (value: T) => void): Promise<T> {
    this.tracker.begin(stepName, command);
    const sent = body().then((value) => {
      acknowledge(value);
      this.tracker.end();
      return value;
    });
    this.lastCommand = sent;
    return sent;
  }

  /** Sends one command and waits for it; a failure the fault caused stops the loop instead. */
  private async run<T>(stepName: string, command: string, body: () => Promise<T>, acknowledge: (value: T) => void): Promise<T> {
    try {
      return await this.send(stepName, command, body, acknowledge);
    } catch (error) {
      if (this.firing) throw new FaultFired();
      if (error instanceof ImageVerifyError) throw error;
      throw new FlashOperationError(this.target.boardId, stepName, command, failureText(error), { cause: error });
    }
  }

  private progress(step: PlanStep): void {
    this.settings.onProgress?.({
      phase: this.tracker.phase,
      bytesWritten: this.tracker.lastAckedByte,
      totalBytes: this.bytes.length,
      unitsErased: this.erases.length,
      totalUnits: this.plan.eraseUnits.length,
      elapsedMs: this.tracker.elapsedMs(),
      step,
    });
  }
}
