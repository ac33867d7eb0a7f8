/**
 * A fault is confirmed by the MCU, never assumed: a relay on the wrong channel cuts nothing and
 * an SRST line that is not wired resets nothing, yet the run stops at the fault point just the
 * same. The STM32H745 records why it last reset in RCC_RSR (RM0399), so before a power cut or an
 * SRST the flags are cleared, and once OpenOCD serves the board again they are read: a power cut
 * must have left PORRSTF or BORRSTF, an SRST PINRSTF. Then they are cleared again.
 *
 * The landing carries the record (`confirmation`): `pending` from the moment the flags were
 * cleared until `confirmFault` reads them, then `confirmed` or `not-confirmed` (which throws
 * FaultNotConfirmedError: no verdict). MCUs whose flags the harness does not know are `skipped`.
 */
import type { BoardRecord } from '../boards/types.js';
import { NoVerdictError } from '../exit-codes.js';
import { OpenOcdCommands, type TclCaller } from '../openocd/index.js';
import type { FaultEnvironment, FaultLanding, InjectorKind } from './injector.js';

/** RCC_RSR (RM0399, RCC base 0x58024400 + 0xD0; RCC_C1_RSR at +0x130 shows the same flags). */
export const RCC_RSR_ADDRESS = 0x580244d0;
const RMVF = 1 << 16;

/** RCC_RSR flag bits, RM0399 names (the single-core RM0433 says CPURSTF, SFTRSTF, ... for bits 17, 24). */
const RSR_FLAGS: readonly (readonly [string, number])[] = [
  ['C1RSTF', 17],
  ['C2RSTF', 18],
  ['D1RSTF', 19],
  ['D2RSTF', 20],
  ['BORRSTF', 21],
  ['PINRSTF', 22],
  ['PORRSTF', 23],
  ['SFT1RSTF', 24],
  ['SFT2RSTF', 25],
  ['IWDG1RSTF', 26],
  ['IWDG2RSTF', 27],
  ['WWDG1RSTF', 28],
  ['WWDG2RSTF', 29],
  ['LPWR1RSTF', 30],
  ['LPWR2RSTF', 31],
];

/** The names of the flags set in an RCC_RSR value, low bit first. */
export function decodeResetFlags(value: number): string[] {
  return RSR_FLAGS.filter(([, bit]) => ((value >>> bit) & 1) === 1).map(([name]) => name);
}

/** What the MCU must have recorded for the fault to have happened. */
export type ResetEvidence = 'power-on' | 'pin-reset';

interface EvidenceRule {
  /** Any one of these flags proves the fault. */
  readonly flags: readonly string[];
  readonly expected: string;
  /** What the flags say happened. */
  readonly meaning: string;
}

const RULES: Readonly<Record<ResetEvidence, EvidenceRule>> = {
  'power-on': { flags: ['PORRSTF', 'BORRSTF'], expected: 'PORRSTF or BORRSTF (a power-on reset)', meaning: 'the MCU went through a power-on reset' },
  'pin-reset': { flags: ['PINRSTF'], expected: 'PINRSTF (NRST asserted)', meaning: 'NRST reset the MCU' },
};

/** Which reset the injector's fault must leave in the MCU's flags; undefined when it resets nothing. */
export function resetEvidenceOf(kind: InjectorKind): ResetEvidence | undefined {
  switch (kind) {
    case 'power-cut':
    case 'virtual-chip-power-cut':
      return 'power-on';
    case 'srst':
      return 'pin-reset';
    default:
      return undefined;
  }
}

/** What the flags said (as read, before they were cleared again). */
export interface ResetFlagsReading {
  readonly register: 'RCC_RSR';
  readonly address: string;
  readonly value: string;
  readonly flags: readonly string[];
}

export type ConfirmationStatus = 'pending' | 'confirmed' | 'not-confirmed' | 'skipped';

/**
 * The landing's confirmation record. Made `pending` before the fault fires and completed in
 * place by `confirmFault`, so every holder of the landing (the run's result, the session's
 * evidence) sees the outcome.
 */
export interface FaultConfirmation {
  status: ConfirmationStatus;
  readonly evidence: ResetEvidence;
  /** The flags that prove the fault, in words. */
  readonly expected: string;
  /** The flags were cleared right before the run (so a stale flag cannot confirm). */
  readonly clearedBefore: boolean;
  reading?: ResetFlagsReading;
  /** The flags were cleared again after the reading. */
  clearedAfter?: boolean;
  note: string;
}

export class FaultNotConfirmedError extends NoVerdictError {
  constructor(
    readonly boardId: string,
    readonly injector: InjectorKind,
    readonly point: string,
    readonly confirmation: FaultConfirmation,
    detail: string,
  ) {
    super(`board ${boardId}: fault not confirmed: ${detail}`);
  }
}

/** The flags could not be cleared before the fault: it could never be confirmed. */
export class FaultNotConfirmableError extends NoVerdictError {
  constructor(boardId: string, kind: InjectorKind, cause: unknown) {
    const why = cause instanceof Error ? cause.message : String(cause);
    super(`board ${boardId}: cannot clear RCC_RSR before the ${kind} fault, so it could not be confirmed: ${why}`, { cause });
  }
}

/** What it means, in rig terms, when the flags are missing. */
function failureOf(kind: InjectorKind): string {
  switch (kind) {
    case 'power-cut':
      return 'power switch did not cut power';
    case 'virtual-chip-power-cut':
      return "the virtual board's power switch did not cut power";
    default:
      return 'SRST did not reset the MCU';
  }
}

/** Boards whose reset-cause register the harness knows. */
function knowsResetFlags(board: BoardRecord): boolean {
  return board.target.mcu === 'STM32H745';
}

/** The session's main Tcl connection when it offers one (transcript evidence), else a side channel. */
async function withOpenOcd<T>(env: FaultEnvironment, body: (commands: OpenOcdCommands) => Promise<T>): Promise<T> {
  const main = env.tcl?.();
  if (main) return body(new OpenOcdCommands(main));
  const side: TclCaller & { close(): Promise<void> } = await env.openSideChannel();
  try {
    return await body(new OpenOcdCommands(side));
  } finally {
    await side.close().catch(() => undefined);
  }
}

/**
 * RMVF set, then released: RM0399 has it set and reset by software, so it is not left set where
 * it might keep the next reset from being recorded.
 */
async function clearFlags(commands: OpenOcdCommands): Promise<void> {
  await commands.writeMemory(RCC_RSR_ADDRESS, 32, [RMVF]);
  await commands.writeMemory(RCC_RSR_ADDRESS, 32, [0]);
}

/**
 * Before a fault that resets the MCU fires: clears RCC_RSR (OpenOCD must be idle and the target
 * examined) and returns the pending record the landing will carry; undefined for injectors that
 * reset nothing. A board whose flags the harness does not know gets a `skipped` record.
 */
export async function prepareConfirmation(env: FaultEnvironment, kind: InjectorKind): Promise<FaultConfirmation | undefined> {
  const evidence = resetEvidenceOf(kind);
  if (!evidence) return undefined;
  const { expected } = RULES[evidence];
  if (!knowsResetFlags(env.board))
    return {
      status: 'skipped',
      evidence,
      expected,
      clearedBefore: false,
      note: `no reset-cause register known for MCU ${env.board.target.mcu}: the fault is not confirmed (and not claimed)`,
    };
  try {
    await withOpenOcd(env, clearFlags);
  } catch (error) {
    throw new FaultNotConfirmableError(env.board.id, kind, error);
  }
  return { status: 'pending', evidence, expected, clearedBefore: true, note: 'RCC_RSR cleared before the fault; read once OpenOCD serves the board again' };
}

/**
 * Reads RCC_RSR and settles the landing's pending confirmation in place: confirmed when a flag
 * the fault must leave is set, otherwise FaultNotConfirmedError. Clears the flags afterwards.
 * Call it once OpenOCD serves the board again (after `reconnect()` for a power cut) and before
 * anything else resets the MCU (for SRST: the next `reset init` sets PINRSTF by itself).
 * Returns the record (undefined for landings of injectors that reset nothing); a settled record
 * is returned as it is.
 */
export async function confirmFault(env: FaultEnvironment, landing: FaultLanding): Promise<FaultConfirmation | undefined> {
  const record = landing.confirmation;
  if (record?.status !== 'pending') return record;
  const fail = (detail: string): never => {
    record.status = 'not-confirmed';
    record.note = detail;
    throw new FaultNotConfirmedError(env.board.id, landing.injector, landing.point, record, detail);
  };
  let value: number;
  try {
    value = await withOpenOcd(env, async (commands) => (await commands.readMemory(RCC_RSR_ADDRESS, 32, 1))[0]!);
  } catch (error) {
    return fail(`RCC_RSR could not be read after ${landing.injector} at ${landing.point}: ${error instanceof Error ? error.message : String(error)}`);
  }
  const flags = decodeResetFlags(value);
  const hex = `0x${value.toString(16).padStart(8, '0')}`;
  record.reading = { register: 'RCC_RSR', address: `0x${RCC_RSR_ADDRESS.toString(16)}`, value: hex, flags };
  // Cleared whatever the outcome, so this reading cannot confirm the next fault.
  record.clearedAfter = await withOpenOcd(env, clearFlags).then(
    () => true,
    () => false,
  );
  const rule = RULES[record.evidence];
  const seen = rule.flags.filter((flag) => flags.includes(flag));
  const reading = `RCC_RSR=${hex} (${flags.join(' ') || 'no flags'}) after ${landing.injector} at ${landing.point}`;
  if (seen.length === 0) {
    const how = landing.injector === 'power-cut' && landing.notes[0] ? `; ${landing.notes[0]}` : '';
    return fail(`${failureOf(landing.injector)}: ${reading} (no ${rule.flags.join('/')} flag${how})`);
  }
  record.status = 'confirmed';
  record.note = `${reading}: ${seen.join(' and ')} set, ${rule.meaning}`;
  return record;
}
