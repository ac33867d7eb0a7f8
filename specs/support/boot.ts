/**
 * Boot the board and read what a person with a probe and a terminal would see: the
 * bootloader's verdict line, the app's first line or a fault report on the UART, and the core's
 * fault status registers (CFSR/HFSR) and lockup bit read through OpenOCD afterwards.
 */
import { explainFault, imageVerdictOf, parseBootLogLine, type FaultEvent } from '../../harness/serial/boot-log.js';
import { UartExpectTimeoutError } from '../../harness/serial/uart-console.js';
import type { BoardSession } from '../../harness/session/index.js';

/** ARMv7-M system control block: CFSR, HFSR (B3.2.15/16) and DHCSR (C1.6.2). */
const CFSR = 0xe000ed28;
const HFSR = 0xe000ed2c;
const DHCSR = 0xe000edf0;
const DHCSR_S_LOCKUP = 1 << 19;

export interface BootObservation {
  /** `image=` of the HIL-BOOT verdict line (ok / rejected / absent / unchecked), undefined if none came. */
  readonly image: string | undefined;
  readonly reason: string | undefined;
  /** `version=` of an accepted image. */
  readonly version: number | undefined;
  readonly verdictLine: string | undefined;
  /** The app's first HIL-APP line, when the app ran. */
  readonly appLine: string | undefined;
  /** A HIL-FAULT report, if the UART showed one. */
  readonly fault: FaultEvent | undefined;
  /** Read through the debug port after the boot. */
  readonly cfsr: number;
  readonly hfsr: number;
  readonly lockedUp: boolean;
  /** Where the halted core was (`reg pc`): in internal flash means the bootloader still runs. */
  readonly pc: number | undefined;
  /** CFSR/HFSR bits, decoded. */
  readonly faultExplanation: readonly string[];
  /** Every UART line of this boot. */
  readonly lines: readonly string[];
}

function lastIndexOf(lines: readonly string[], pattern: RegExp, from: number): number {
  for (let i = lines.length - 1; i >= from; i--) if (pattern.test(lines[i]!)) return i;
  return from;
}

function isExpectTimeout(error: unknown): boolean {
  return error instanceof UartExpectTimeoutError;
}

const hex8 = (n: number): string => `0x${(n >>> 0).toString(16).padStart(8, '0')}`;

/** The STM32H745's internal flash (both banks): where the bootloader's code lives. */
export function inBootloader(boot: BootObservation): boolean {
  return boot.pc !== undefined && boot.pc >= 0x08000000 && boot.pc < 0x08200000;
}

/** A fault seen either way (UART report, fault status registers, lockup). */
export function faultSeen(boot: BootObservation): boolean {
  return boot.fault !== undefined || boot.lockedUp || boot.cfsr !== 0 || (boot.hfsr & ~0x80000000) !== 0;
}

/** One line for assertion messages and the report. */
export function describeBoot(boot: BootObservation): string {
  const regs = `CFSR=${hex8(boot.cfsr)} HFSR=${hex8(boot.hfsr)}${boot.lockedUp ? ' core locked up' : ''}`;
  const explained = boot.faultExplanation.length ? ` (${boot.faultExplanation.join('; ')})` : '';
  const pc = boot.pc !== undefined ? ` pc=${hex8(boot.pc)}` : '';
  return `${boot.verdictLine ?? 'no HIL-BOOT image= line'}; ${boot.appLine ?? boot.fault?.line ?? 'no app line'}; ${regs}${pc}${explained}`;
}

/**
 * `reset run`, then waits for the verdict line; after an accepting verdict also for the app's
 * first line or a fault; after a refusing one a short while for a fault that must not come.
 * Then halts the core and reads CFSR/HFSR/DHCSR.
 */
export async function bootAndObserve(session: BoardSession, options: { verdictTimeoutMs?: number; settleMs?: number } = {}): Promise<BootObservation> {
  // Lines still arriving from an earlier run (a health check's proof boot) are not this boot's.
  session.uart.skipReceived();
  const firstLine = session.uart.transcript.length;
  await session.boot();
  const uart = session.uart;
  let verdictLine: string | undefined;
  let startIndex = firstLine;
  try {
    // This boot starts at its own `stage=start` line: a line cut short when `reset init` halted an
    // earlier run (e.g. "HIL-BOOT image=re") is not this boot's verdict.
    await uart.expect(/^\s*HIL-BOOT stage=start/, options.verdictTimeoutMs ?? 15_000);
    startIndex = lastIndexOf(
      session.uart.transcript.map((l) => l.text),
      /^\s*HIL-BOOT stage=start/,
      firstLine,
    );
    verdictLine = (await uart.expect(/^\s*HIL-(BOOT image=(ok|rejected|absent|unchecked)\b|FAULT)/, options.verdictTimeoutMs ?? 15_000)).text;
  } catch (error) {
    if (!isExpectTimeout(error)) throw error;
  }
  let appLine: string | undefined;
  const accepted = verdictLine !== undefined && /image=(ok|unchecked)/.test(verdictLine);
  try {
    const next = await uart.expect(/^\s*HIL-(APP|FAULT)/, accepted ? 5_000 : (options.settleMs ?? 400));
    if (/HIL-APP/.test(next.text)) appLine = next.text;
  } catch (error) {
    if (!isExpectTimeout(error)) throw error;
  }
  // Give a fault that follows the app's first line a moment to show.
  if (appLine) await new Promise((r) => setTimeout(r, 200));
  const lines = session.uart.transcript.slice(startIndex).map((l) => l.text);
  const events = lines.map(parseBootLogLine);
  const fault = events.find((e): e is FaultEvent => e.kind === 'fault');
  const verdictEvent = events.find((e) => imageVerdictOf(e) !== undefined);
  const verdict = verdictEvent ? imageVerdictOf(verdictEvent) : undefined;
  await session.openocd.halt();
  const [cfsr = 0] = await session.openocd.readMemory(CFSR, 32, 1);
  const [hfsr = 0] = await session.openocd.readMemory(HFSR, 32, 1);
  const [dhcsr = 0] = await session.openocd.readMemory(DHCSR, 32, 1);
  const pcText = await session.openocd.capture('reg pc').catch(() => '');
  const pcMatch = /0x([0-9a-f]{8})/i.exec(pcText);
  const version = verdictEvent && verdictEvent.kind === 'boot' ? verdictEvent.numbers.version : undefined;
  return {
    image: verdict?.image,
    reason: verdict?.reason,
    version,
    verdictLine: verdictEvent && verdictEvent.kind !== 'other' ? verdictEvent.line : undefined,
    appLine,
    fault,
    cfsr,
    hfsr,
    lockedUp: (dhcsr & DHCSR_S_LOCKUP) !== 0,
    pc: pcMatch ? parseInt(pcMatch[1]!, 16) : undefined,
    faultExplanation: explainFault(cfsr, hfsr),
    lines,
  };
}
