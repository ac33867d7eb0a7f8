/**
 * Programming the QSPI bank over OpenOCD, three ways:
 *
 * - `programWithOpenOcd`: what a person types, one command per Tcl call so each failure is its
 *   own: `reset init`, `flash write_image erase <file> <addr> bin`, `verify_image <file> <addr> bin`.
 * - `programWithProgramCommand`: OpenOCD's `program` proc itself (the baseline: it hides the
 *   reason of a failure behind "** Programming Failed **").
 * - `runProgrammingPlan`: the harness's plan (planProgramming): erase each unit with
 *   `flash erase_sector`, timing each erase against the chip's physics, write in chunks with
 *   `flash write_bank` from chunk files, verify with `verify_image` (on-target CRC), reporting
 *   progress and firing the plan's fault through an injector.
 */
import { readFile } from 'node:fs/promises';
import { setTimeout as delay } from 'node:timers/promises';
import { ImageVerifyError, TclCommandError, tclCommand } from '../openocd/index.js';
import { createInjector, type FaultEnvironment, type FaultInjector, type FaultLanding, type InjectorKind } from '../faults/injectors.js';
import { formatFaultPoint, type FaultPoint } from '../faults/fault-point.js';
import { RunTracker, type RunPhase } from '../faults/run-tracker.js';
import { checkEraseTime, type PlausibilityVerdict } from './erase-plausibility.js';
import { FlashOperationError } from './errors.js';
import { planProgramming, type PlanStep, type ProgrammingPlan } from './programming-plan.js';
import { writeTempFile, type QspiTarget } from './qspi-target.js';
import { assertRangeWritable } from './recovery.js';

export const DEFAULT_ERASE_UNIT = 64 * 1024;
export const DEFAULT_CHUNK_SIZE = 4096;

export type ImageSource = Uint8Array | string;

async function imageBytes(image: ImageSource): Promise<Uint8Array> {
  return typeof image === 'string' ? new Uint8Array(await readFile(image)) : image;
}

function message(error: unknown): string {
  if (error instanceof TclCommandError) return `${error.tclMessage}${error.logLines.length ? `\n${error.logLines.join('\n')}` : ''}`;
  return error instanceof Error ? error.message : String(error);
}

// ---------------------------------------------------------------------------------------------
// OpenOCD's own path

export interface OpenOcdStepRecord {
  readonly command: string;
  readonly ok: boolean;
  readonly elapsedMs: number;
  readonly output: string;
}

export interface OpenOcdProgramResult {
  readonly steps: readonly OpenOcdStepRecord[];
  /** Bytes OpenOCD reported written. */
  readonly bytesWritten: number;
  /** Undefined when verify was not asked for. */
  readonly verified: boolean | undefined;
  readonly differences: readonly { address: number; actual: number; expected: number }[];
  readonly elapsedMs: number;
}

export interface OpenOcdProgramOptions {
  /** Flash offset from the bank start. Default 0. */
  readonly offset?: number;
  /** Default true. */
  readonly verify?: boolean;
  /** Run `reset init` first (default true). */
  readonly resetInit?: boolean;
}

/** `reset init`, `flash write_image erase`, `verify_image`, each its own call. */
export async function programWithOpenOcd(target: QspiTarget, file: string, options: OpenOcdProgramOptions = {}): Promise<OpenOcdProgramResult> {
  const started = performance.now();
  const address = target.base + (options.offset ?? 0);
  const steps: OpenOcdStepRecord[] = [];
  const record = async <T>(command: string, body: () => Promise<T>, describe: (value: T) => string): Promise<T> => {
    const t0 = performance.now();
    try {
      const value = await body();
      steps.push({ command, ok: true, elapsedMs: performance.now() - t0, output: describe(value) });
      return value;
    } catch (error) {
      steps.push({ command, ok: false, elapsedMs: performance.now() - t0, output: message(error) });
      throw error;
    }
  };
  try {
    if (options.resetInit ?? true) await record('reset init', () => target.commands.reset('init'), () => '');
    const written = await record(
      tclCommand('flash', 'write_image', 'erase', file, `0x${address.toString(16)}`, 'bin'),
      () => target.commands.flashWriteImage(file, { erase: true, offset: address, type: 'bin' }),
      (r) => r.output,
    );
    let verified: boolean | undefined;
    let differences: OpenOcdProgramResult['differences'] = [];
    if (options.verify ?? true) {
      const command = tclCommand('verify_image', file, `0x${address.toString(16)}`, 'bin');
      try {
        await record(command, () => target.commands.verifyImage(file, { offset: address, type: 'bin' }), (r) => r.output);
        verified = true;
      } catch (error) {
        if (!(error instanceof ImageVerifyError)) throw error;
        verified = false;
        differences = error.differences;
      }
    }
    return { steps, bytesWritten: written.bytes, verified, differences, elapsedMs: performance.now() - started };
  } catch (error) {
    if (error instanceof ImageVerifyError) throw error;
    const last = steps[steps.length - 1];
    throw new FlashOperationError(target.boardId, 'programming with OpenOCD', last?.command ?? '?', last?.output ?? message(error), { cause: error });
  }
}

export interface ProgramCommandResult {
  readonly ok: boolean;
  readonly command: string;
  /** What `program` echoed ("** Programming Started **" ...) or its error text. */
  readonly output: string;
  readonly elapsedMs: number;
}

/** OpenOCD's `program <file> [verify] <address>` proc, as the baseline users run. */
export async function programWithProgramCommand(target: QspiTarget, file: string, options: { offset?: number; verify?: boolean } = {}): Promise<ProgramCommandResult> {
  const address = target.base + (options.offset ?? 0);
  const words = ['program', file];
  if (options.verify ?? true) words.push('verify');
  words.push(`0x${address.toString(16)}`);
  const command = tclCommand(...words);
  const started = performance.now();
  try {
    const output = await target.commands.capture(command, { timeoutMs: 600_000 });
    return { ok: true, command, output, elapsedMs: performance.now() - started };
  } catch (error) {
    return { ok: false, command, output: message(error), elapsedMs: performance.now() - started };
  }
}

// ---------------------------------------------------------------------------------------------
// The harness-driven plan

export interface ProgressEvent {
  readonly phase: RunPhase;
  readonly bytesWritten: number;
  readonly totalBytes: number;
  readonly unitsErased: number;
  readonly totalUnits: number;
  readonly elapsedMs: number;
  /** The step just completed. */
  readonly step: PlanStep;
}

export interface EraseRecord {
  readonly unitIndex: number;
  readonly offset: number;
  readonly length: number;
  /** Wall time of the `flash erase_sector` call, as the host measured it. */
  readonly elapsedMs: number;
  /** The time OpenOCD itself reported. */
  readonly openOcdSeconds: number;
  readonly plausibility: PlausibilityVerdict;
}

export interface FaultWiring {
  readonly env: FaultEnvironment;
  /** Told once the injector fired and the landing is known (the session updates its state). */
  readonly onFired?: (landing: FaultLanding, injector: FaultInjector) => void;
}

export interface PlanRunOptions {
  /** Flash offset (from the bank start). Default 0. */
  readonly offset?: number;
  readonly chunkSize?: number;
  /** Default 64 KiB: what OpenOCD 0.12's stmqspi erases on this chip. */
  readonly eraseUnit?: number;
  /** Image header length, for the `after-header` point. */
  readonly headerLength?: number;
  readonly faultPoint?: FaultPoint;
  readonly injector?: FaultInjector | InjectorKind;
  readonly faults?: FaultWiring;
  readonly onProgress?: (event: ProgressEvent) => void;
  /** Refuse (FlashProtectedError) when BP/TB/CMP protect the range. Default true. */
  readonly checkProtection?: boolean;
  /** Fraction of the typical erase time below which an erase is implausible. Default 0.5. */
  readonly eraseFloorFraction?: number;
}

export interface ProgrammingResult {
  /** Every step ran (no fault fired). */
  readonly completed: boolean;
  readonly plan: ProgrammingPlan;
  readonly erases: readonly EraseRecord[];
  /** Erases that finished faster than the chip can erase. */
  readonly implausibleErases: readonly EraseRecord[];
  readonly bytesWritten: number;
  /** Undefined when the run stopped before its verify step. */
  readonly verify: { readonly ok: boolean; readonly differences: readonly { address: number; actual: number; expected: number }[] } | undefined;
  readonly landing: FaultLanding | undefined;
  readonly elapsedMs: number;
}

/** Stops the step loop once a fault fired. */
class FaultFired extends Error {}

export async function runProgrammingPlan(target: QspiTarget, image: ImageSource, options: PlanRunOptions = {}): Promise<ProgrammingResult> {
  const bytes = await imageBytes(image);
  const flashOffset = options.offset ?? 0;
  const eraseUnit = options.eraseUnit ?? DEFAULT_ERASE_UNIT;
  // Throws ImageTooLargeError (and bad fault points) before anything touches the board.
  const plan = planProgramming({
    imageLength: bytes.length,
    flashOffset,
    flashSize: target.chip.sizeBytes,
    eraseUnit,
    chunkSize: options.chunkSize ?? DEFAULT_CHUNK_SIZE,
    ...(options.headerLength !== undefined ? { headerLength: options.headerLength } : {}),
    ...(options.faultPoint ? { faultPoint: options.faultPoint } : {}),
  });
  const injector = typeof options.injector === 'string' ? createInjector(options.injector) : options.injector;
  if (options.faultPoint && !injector) throw new RangeError(`fault point ${formatFaultPoint(options.faultPoint)} needs an injector`);
  if (injector && !options.faults) throw new RangeError('an injector needs the fault wiring (options.faults: the session provides it)');
  if (injector) injector.preflight(options.faults!.env);

  await target.ensureReady?.();
  if (options.checkProtection ?? true) await assertRangeWritable(target, flashOffset, bytes.length);

  const tracker = new RunTracker();
  const erases: EraseRecord[] = [];
  let landing: FaultLanding | undefined;
  let firing: Promise<void> | undefined;
  let current: Promise<unknown> | undefined;
  let verify: ProgrammingResult['verify'];
  const pointText = options.faultPoint ? formatFaultPoint(options.faultPoint) : 'manual';

  const fire = (description: string): Promise<void> => {
    if (firing) return firing;
    const firedAt = tracker.elapsedMs();
    const inFlight = tracker.inFlight;
    const phase = tracker.phase;
    const pending = current;
    firing = (async () => {
      let settledAt: number | undefined;
      const outcomePromise = pending?.then(
        () => ((settledAt = tracker.elapsedMs()), 'completed' as const),
        () => ((settledAt = tracker.elapsedMs()), 'interrupted' as const),
      );
      const result = await injector!.fire(options.faults!.env);
      const injectorDoneAt = tracker.elapsedMs();
      let outcome: FaultLanding['inFlightOutcome'] = 'none';
      if (inFlight && outcomePromise) {
        // Bounded: after a power cut OpenOCD may take its own timeouts to give up.
        outcome = await Promise.race([outcomePromise, delay(30_000).then(() => 'interrupted' as const)]);
      }
      const snap = tracker.snapshot();
      landing = {
        injector: injector!.kind,
        point: pointText,
        description,
        phase,
        lastAckedByte: snap.lastAckedByte,
        lastErasedUnit: snap.lastErasedUnit,
        lastErasedOffset: snap.lastErasedOffset,
        elapsedMs: Math.round(firedAt * 10) / 10,
        inFlightCommand: inFlight?.command,
        inFlightOutcome: outcome,
        ...(settledAt !== undefined && inFlight ? { inFlightSettledAtMs: Math.round(settledAt * 10) / 10 } : {}),
        injectorDoneAtMs: Math.round(injectorDoneAt * 10) / 10,
        notes: result.notes,
        ...(result.virtual ? { virtual: result.virtual } : {}),
      };
      options.faults!.onFired?.(landing, injector!);
    })();
    return firing;
  };

  const progress = (step: PlanStep): void =>
    options.onProgress?.({
      phase: tracker.phase,
      bytesWritten: tracker.lastAckedByte,
      totalBytes: bytes.length,
      unitsErased: erases.length,
      totalUnits: plan.eraseUnits.length,
      elapsedMs: tracker.elapsedMs(),
      step,
    });

  /** Runs one command as the in-flight one; a failure caused by the fault stops the loop. */
  const run = async <T>(stepName: string, command: string, body: () => Promise<T>, onDone: (value: T) => void): Promise<T> => {
    tracker.begin(stepName, command);
    const promise = body().then((value) => {
      onDone(value);
      tracker.end();
      return value;
    });
    current = promise;
    try {
      return await promise;
    } catch (error) {
      if (firing) throw new FaultFired();
      if (error instanceof ImageVerifyError) throw error;
      throw new FlashOperationError(target.boardId, stepName, command, message(error), { cause: error });
    }
  };

  const sectorIndex = (offset: number): number => offset / eraseUnit;
  const eraseCommand = (offset: number): { command: string; send: () => Promise<{ seconds: number }> } => {
    if (eraseUnit === DEFAULT_ERASE_UNIT) {
      const n = sectorIndex(offset);
      return { command: tclCommand('flash', 'erase_sector', target.bank, n, n), send: () => target.commands.flashEraseSector(target.bank, n, n) };
    }
    const address = target.base + offset;
    return { command: tclCommand('flash', 'erase_address', `0x${address.toString(16)}`, eraseUnit), send: () => target.commands.flashEraseAddress(address, eraseUnit) };
  };

  let timer: NodeJS.Timeout | undefined;
  if (injector && options.faultPoint?.kind === 'time') {
    const afterMs = options.faultPoint.afterMs;
    timer = setTimeout(() => void fire(`${afterMs} ms after the run started`).catch(() => undefined), afterMs);
  }

  try {
    for (const step of plan.steps) {
      if (firing) break;
      switch (step.kind) {
        case 'erase': {
          tracker.phase = 'erase';
          const { command, send } = eraseCommand(step.offset);
          const t0 = performance.now();
          await run(`erase of unit ${step.unitIndex}`, command, send, (r) => {
            const elapsedMs = performance.now() - t0;
            tracker.lastErasedUnit = step.unitIndex;
            tracker.lastErasedOffset = step.offset;
            erases.push({
              unitIndex: step.unitIndex,
              offset: step.offset,
              length: step.length,
              elapsedMs,
              openOcdSeconds: r.seconds,
              plausibility: checkEraseTime(target.chip, { bytes: step.length, units: 1, elapsedMs }, {
                timeScale: target.timeScale,
                ...(options.eraseFloorFraction !== undefined ? { floorFraction: options.eraseFloorFraction } : {}),
              }),
            });
          });
          progress(step);
          break;
        }
        case 'erase-interrupted': {
          tracker.phase = 'erase';
          const { command, send } = eraseCommand(step.offset);
          const eraseTarget = { unitIndex: step.unitIndex, offset: step.offset, length: step.length, delayMs: step.delayMs };
          await injector!.prepareForErase?.(options.faults!.env, eraseTarget);
          tracker.begin(`erase of unit ${step.unitIndex}`, command);
          const promise = send().then(() => {
            tracker.lastErasedUnit = step.unitIndex;
            tracker.lastErasedOffset = step.offset;
            tracker.end();
          });
          promise.catch(() => undefined);
          current = promise;
          if (injector!.waitForEraseMoment) await injector!.waitForEraseMoment(options.faults!.env, eraseTarget);
          else await delay(step.delayMs);
          break;
        }
        case 'write': {
          tracker.phase = 'write';
          const chunk = bytes.subarray(step.imageOffset, step.imageOffset + step.length);
          const file = await writeTempFile(target, `chunk-${step.offset.toString(16)}.bin`, chunk);
          const command = tclCommand('flash', 'write_bank', target.bank, file, `0x${step.offset.toString(16)}`);
          await run(`write of ${step.length} bytes at 0x${step.offset.toString(16)}`, command, () => target.commands.raw(command, { timeoutMs: 600_000 }), () => {
            tracker.lastAckedByte = step.imageOffset + step.length;
          });
          progress(step);
          break;
        }
        case 'verify': {
          tracker.phase = 'verify';
          const file = await writeTempFile(target, 'image.bin', bytes);
          const address = target.base + step.offset;
          const command = tclCommand('verify_image', file, `0x${address.toString(16)}`, 'bin');
          try {
            await run('verify', command, () => target.commands.verifyImage(file, { offset: address, type: 'bin' }), () => undefined);
            verify = { ok: true, differences: [] };
          } catch (error) {
            if (!(error instanceof ImageVerifyError)) throw error;
            tracker.end();
            verify = { ok: false, differences: error.differences };
          }
          tracker.phase = 'done';
          progress(step);
          break;
        }
        case 'fault':
          break;
      }
      if (step.kind === 'fault' || step.kind === 'erase-interrupted') {
        await fire(step.kind === 'fault' ? step.description : `${step.delayMs} ms into the erase of unit ${step.unitIndex}`);
        break;
      }
    }
  } catch (error) {
    if (!(error instanceof FaultFired)) throw error;
  } finally {
    clearTimeout(timer);
  }
  if (firing) await firing;
  const implausibleErases = erases.filter((e) => !e.plausibility.plausible);
  return {
    completed: landing === undefined,
    plan,
    erases,
    implausibleErases,
    bytesWritten: tracker.lastAckedByte,
    verify,
    landing,
    elapsedMs: tracker.elapsedMs(),
  };
}
