/**
 * Programming the QSPI bank the way OpenOCD users do, as references for the harness's own plan:
 *
 * - `programWithOpenOcd`: what a person types, one command per Tcl call so each failure is its
 *   own: `reset init`, `flash write_image erase <file> <addr> bin`, `verify_image <file> <addr> bin`.
 * - `programWithProgramCommand`: OpenOCD's `program` proc itself (the baseline: it hides the
 *   reason of a failure behind "** Programming Failed **").
 *
 * A failure OpenOCD reports is the procedure's (a verdict); OpenOCD dying or the Tcl connection
 * lost under either is the rig's and goes through as broken (errors.ts `rigFailureIn`).
 */
import { ImageVerifyError, tclCommand } from '../openocd/index.js';
import { FlashOperationError, rigFailureIn } from './errors.js';
import { failureText } from './failure-text.js';
import type { QspiTarget } from './qspi-target.js';

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
      steps.push({ command, ok: false, elapsedMs: performance.now() - t0, output: failureText(error) });
      throw error;
    }
  };
  try {
    if (options.resetInit ?? true)
      await record(
        'reset init',
        () => target.commands.reset('init'),
        () => '',
      );
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
        await record(
          command,
          () => target.commands.verifyImage(file, { offset: address, type: 'bin' }),
          (r) => r.output,
        );
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
    throw new FlashOperationError(target.boardId, 'programming with OpenOCD', last?.command ?? '?', last?.output ?? failureText(error), { cause: error });
  }
}

export interface ProgramCommandResult {
  readonly ok: boolean;
  readonly command: string;
  /** What `program` echoed ("** Programming Started **" ...) or its error text. */
  readonly output: string;
  readonly elapsedMs: number;
}

/**
 * OpenOCD's `program <file> [verify] <address>` proc, as the baseline users run. `{ ok: false }`
 * only when OpenOCD ran `program` and reported it failed; a dead OpenOCD, a lost or silent Tcl
 * connection, a config without `program` throw (broken: no verdict about the board).
 */
export async function programWithProgramCommand(
  target: QspiTarget,
  file: string,
  options: { offset?: number; verify?: boolean } = {},
): Promise<ProgramCommandResult> {
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
    if (rigFailureIn(error) !== undefined) throw error;
    return { ok: false, command, output: failureText(error), elapsedMs: performance.now() - started };
  }
}
