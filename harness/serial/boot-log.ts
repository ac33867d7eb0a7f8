/**
 * Parser of the fixture firmware's boot log (fixtures/firmware/BOOT_LOG.md): one event a UART
 * line, a fixed prefix (HIL-BOOT, HIL-APP, HIL-FAULT), then space-separated `key=value` fields
 * and bare words. Lines without a prefix are kept as `other`, never dropped, so a transcript
 * parses completely. Fault lines get their registers as numbers and CFSR/HFSR decoded.
 */

export type BootLogKind = 'boot' | 'app' | 'fault';

const PREFIXES: readonly (readonly [string, BootLogKind])[] = [
  ['HIL-BOOT', 'boot'],
  ['HIL-APP', 'app'],
  ['HIL-FAULT', 'fault'],
];

interface EventBase {
  /** The line as received, without its line ending. */
  readonly line: string;
  /** Bare words in order (e.g. `heartbeat`). */
  readonly words: readonly string[];
  /** `key=value` fields as text. */
  readonly fields: Readonly<Record<string, string>>;
  /** The fields whose value is a number: `0x…` hex or decimal. */
  readonly numbers: Readonly<Record<string, number>>;
  /** Tokens that are neither a word nor `key=value` (e.g. `=x`): the line was damaged. */
  readonly malformed: readonly string[];
}

export interface BootEvent extends EventBase {
  readonly kind: 'boot';
}

export interface AppEvent extends EventBase {
  readonly kind: 'app';
}

export interface FaultRegisters {
  readonly cfsr?: number;
  readonly hfsr?: number;
  readonly mmfar?: number;
  readonly bfar?: number;
  readonly pc?: number;
  readonly lr?: number;
  readonly xpsr?: number;
  readonly sp?: number;
  readonly excReturn?: number;
}

export interface FaultEvent extends EventBase {
  readonly kind: 'fault';
  /** `type=` (HardFault, MemManage, BusFault, UsageFault, NMI, IRQ, ...). */
  readonly type: string;
  /** `in=`: which image faulted, `bootloader` or `app`. */
  readonly where?: string;
  readonly registers: FaultRegisters;
  /** One entry per set CFSR/HFSR bit, e.g. "IACCVIOL: instruction access violation". */
  readonly explanation: readonly string[];
}

export interface OtherLine {
  readonly kind: 'other';
  readonly line: string;
}

export type BootLogEvent = BootEvent | AppEvent | FaultEvent | OtherLine;

/** ARMv7-M ARM B3.2.15 (CFSR = MMFSR | BFSR << 8 | UFSR << 16) and B3.2.16 (HFSR). */
const CFSR_BITS: readonly (readonly [number, string])[] = [
  [0, 'IACCVIOL: instruction access violation (MPU or execute-never region)'],
  [1, 'DACCVIOL: data access violation (MPU)'],
  [3, 'MUNSTKERR: MemManage fault on exception return unstacking'],
  [4, 'MSTKERR: MemManage fault on exception entry stacking'],
  [5, 'MLSPERR: MemManage fault during lazy FP state preservation'],
  [7, 'MMARVALID: MMFAR holds the faulting address'],
  [8, 'IBUSERR: instruction bus error (prefetch from an address nothing answers)'],
  [9, 'PRECISERR: precise data bus error (BFAR valid if BFARVALID)'],
  [10, 'IMPRECISERR: imprecise data bus error'],
  [11, 'UNSTKERR: bus fault on exception return unstacking'],
  [12, 'STKERR: bus fault on exception entry stacking'],
  [13, 'LSPERR: bus fault during lazy FP state preservation'],
  [15, 'BFARVALID: BFAR holds the faulting address'],
  [16, 'UNDEFINSTR: undefined instruction (erased flash reads 0xFFFF, an undefined encoding)'],
  [17, 'INVSTATE: invalid state (branch to an address without the Thumb bit)'],
  [18, 'INVPC: invalid PC load on exception return (bad EXC_RETURN)'],
  [19, 'NOCP: coprocessor instruction with the coprocessor disabled or absent'],
  [24, 'UNALIGNED: unaligned access trapped'],
  [25, 'DIVBYZERO: division by zero trapped'],
];
const HFSR_BITS: readonly (readonly [number, string])[] = [
  [1, 'VECTTBL: bus fault reading the vector table'],
  [30, 'FORCED: a configurable fault escalated to HardFault (its handler disabled or it could not run)'],
  [31, 'DEBUGEVT: debug event with halting debug disabled'],
];

/** Names and meanings of the set bits of CFSR and HFSR. */
export function explainFault(cfsr: number, hfsr: number): string[] {
  const out: string[] = [];
  for (const [bit, text] of HFSR_BITS) if ((hfsr >>> bit) & 1) out.push(text);
  for (const [bit, text] of CFSR_BITS) if ((cfsr >>> bit) & 1) out.push(text);
  return out;
}

function parseNumber(value: string): number | undefined {
  if (/^0x[0-9a-f]+$/i.test(value)) return parseInt(value.slice(2), 16);
  if (/^[0-9]+$/.test(value)) return parseInt(value, 10);
  return undefined;
}

/**
 * Strips what a reset or a line glitch leaves in front of the prefix (NUL, 0xFF, U+FFFD,
 * control characters, spaces) and the line ending.
 */
function clean(line: string): string {
  let start = 0;
  while (start < line.length) {
    const c = line.charCodeAt(start);
    if (c > 0x20 && c < 0x7f) break; // printable ASCII: the prefix may start here
    start++;
  }
  return line
    .slice(start)
    .replace(/[\r\n]+$/, '')
    .trimEnd();
}

/** One line of the boot log to one event. */
export function parseBootLogLine(raw: string): BootLogEvent {
  const line = clean(raw);
  const match = PREFIXES.find(([prefix]) => line === prefix || line.startsWith(`${prefix} `));
  if (!match) return { kind: 'other', line: raw.replace(/[\r\n]+$/, '') };
  const [prefix, kind] = match;
  const words: string[] = [];
  const fields: Record<string, string> = {};
  const numbers: Record<string, number> = {};
  const malformed: string[] = [];
  for (const token of line.slice(prefix.length).split(' ')) {
    if (token === '') continue;
    const eq = token.indexOf('=');
    if (eq < 0) {
      words.push(token);
      continue;
    }
    const key = token.slice(0, eq);
    const value = token.slice(eq + 1);
    if (!/^[a-z][a-z0-9_]*$/i.test(key)) {
      malformed.push(token);
      continue;
    }
    fields[key] = value;
    const n = parseNumber(value);
    if (n !== undefined) numbers[key] = n;
  }
  const base = { line, words, fields, numbers, malformed };
  if (kind !== 'fault') return { kind, ...base };
  const registers: FaultRegisters = {
    cfsr: numbers.cfsr,
    hfsr: numbers.hfsr,
    mmfar: numbers.mmfar,
    bfar: numbers.bfar,
    pc: numbers.pc,
    lr: numbers.lr,
    xpsr: numbers.xpsr,
    sp: numbers.sp,
    excReturn: numbers.exc_return,
  };
  return {
    kind: 'fault',
    ...base,
    type: fields.type ?? 'unknown',
    ...(fields.in === undefined ? {} : { where: fields.in }),
    registers,
    explanation: explainFault(numbers.cfsr ?? 0, numbers.hfsr ?? 0),
  };
}

/** Every line of a transcript (`\n` or `\r\n` separated) to events; a trailing partial line is included. */
export function parseBootLog(text: string): BootLogEvent[] {
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  return lines.filter((l) => l.replace(/\r$/, '') !== '').map(parseBootLogLine);
}

/**
 * Incremental framing for bytes as they arrive: `push(chunk)` returns the events of the lines
 * it completed and keeps the unfinished tail for the next chunk, so a split anywhere in a line
 * (even inside a multi-byte character) gives the same events as the whole text.
 */
export class BootLogParser {
  private tail = '';
  private readonly decoder = new TextDecoder('latin1');

  push(chunk: Uint8Array | string): BootLogEvent[] {
    this.tail += typeof chunk === 'string' ? chunk : this.decoder.decode(chunk, { stream: true });
    const events: BootLogEvent[] = [];
    let nl: number;
    while ((nl = this.tail.indexOf('\n')) >= 0) {
      const line = this.tail.slice(0, nl);
      this.tail = this.tail.slice(nl + 1);
      if (line.replace(/\r$/, '') !== '') events.push(parseBootLogLine(line));
    }
    return events;
  }

  /** The unfinished last line, parsed (end of capture). */
  flush(): BootLogEvent[] {
    const rest = this.tail;
    this.tail = '';
    return rest.replace(/\r$/, '') === '' ? [] : [parseBootLogLine(rest)];
  }
}

/** The bootloader's verdict line (`HIL-BOOT image=...`) as `{ image, reason? }`, or undefined. */
export function imageVerdictOf(event: BootLogEvent): { image: string; reason?: string } | undefined {
  if (event.kind !== 'boot' || event.fields.image === undefined) return undefined;
  return event.fields.reason === undefined ? { image: event.fields.image } : { image: event.fields.image, reason: event.fields.reason };
}
