/**
 * The health check a session runs when it opens and after every reconnect: OpenOCD answers,
 * the target is examined, the QSPI bank probes after `reset init`, the JEDEC id is the board
 * entry's, the UART is open, and the UART answers: `reset run` and any `HIL-BOOT` line within a
 * timeout. The first failing check ends it with a HealthCheckError (no verdict: the board was not
 * fit to judge); the report so far is recorded either way.
 *
 * The UART is proven by a boot only when something can print: a bootloader in internal flash.
 * A fresh virtual board has none at open, so the spec support proves it right after programming
 * the bootloader (`BoardSession.proveUart`); the report says which ("UART open" names why the
 * proof did not run, "UART answers" is the proof). Not at `reconnect()`: a boot then would let
 * the bootloader touch the QSPI flash before an interrupted run's landing is read.
 */
import type { BoardRecord } from '../boards/types.js';
import type { OpenOcdCommands } from '../openocd/index.js';
import { UartExpectTimeoutError, type UartConsole } from '../serial/uart-console.js';
import { HealthCheckError } from './errors.js';
import type { HealthCheckEntry, HealthReport } from './evidence.js';

/** Name of the check that proves the UART by a boot. */
export const UART_PROOF_CHECK = 'UART answers';

/** The bootloader's lines (fixtures/firmware/BOOT_LOG.md); any of them proves the UART. */
const BOOT_LINE = /^\s*HIL-BOOT\b/;

export interface UartProofParts {
  readonly console: () => UartConsole | undefined;
  /** Why the UART is not proven by a boot this time (recorded in the report); undefined: prove it now. */
  readonly skipReason: () => Promise<string | undefined>;
  /** `reset run` with the UART's earlier lines marked consumed, so only this boot's lines count. */
  readonly resetRun: () => Promise<void>;
  readonly timeoutMs: number;
}

export interface HealthCheckParts {
  readonly board: BoardRecord;
  readonly openocd: OpenOcdCommands;
  /** `reset init` and `flash probe` of the QSPI bank (the lifecycle's flash-ready). */
  readonly flashReady: () => Promise<void>;
  readonly jedecId: () => Promise<string>;
  /** The session's UART; absent when the session opens none (nothing to check then). */
  readonly uart?: UartProofParts;
  /** A check that ran but judged the board unfit breaks the session. */
  readonly markBroken: (error: HealthCheckError) => void;
  /** Receives the report, also a partial one when a check failed. */
  readonly record: (report: HealthReport) => void;
}

type Verdict = { readonly ok: boolean; readonly detail: string };

/** True when the report holds a passed UART proof (a HIL-BOOT line after `reset run`). */
export function uartProven(report: HealthReport | undefined): boolean {
  return report?.checks.some((c) => c.check === UART_PROOF_CHECK && c.ok) ?? false;
}

/** Runs checks in order into one report; the first failure records the partial report and throws. */
class Checks {
  readonly entries: HealthCheckEntry[];
  /** What the checks read so far, for a partial report too. */
  readonly learned: { openOcdVersion?: string; jedecId?: string };

  constructor(
    private readonly board: BoardRecord,
    private readonly parts: Pick<HealthCheckParts, 'markBroken' | 'record'>,
    base?: HealthReport,
  ) {
    this.entries = [...(base?.checks ?? [])];
    this.learned = {
      ...(base?.openOcdVersion !== undefined ? { openOcdVersion: base.openOcdVersion } : {}),
      ...(base?.jedecId !== undefined ? { jedecId: base.jedecId } : {}),
    };
  }

  finish(): HealthReport {
    const { entries, learned } = this;
    const report: HealthReport = {
      ok: entries.every((c) => c.ok),
      checks: entries.map((c) => ({ ...c, elapsedMs: Math.round(c.elapsedMs * 10) / 10 })),
      ...(learned.openOcdVersion !== undefined ? { openOcdVersion: learned.openOcdVersion.trim() } : {}),
      ...(learned.jedecId !== undefined ? { jedecId: learned.jedecId } : {}),
    };
    this.parts.record(report);
    return report;
  }

  async check<T>(name: string, command: string, body: () => Promise<T>, judge: (value: T) => Verdict): Promise<T> {
    const t0 = performance.now();
    let value: T;
    try {
      value = await body();
    } catch (error) {
      const detail = error instanceof Error ? error.message : String(error);
      this.entries.push({ check: name, command, ok: false, detail, elapsedMs: performance.now() - t0 });
      this.finish();
      throw new HealthCheckError(this.board.id, name, command, detail, { cause: error });
    }
    const verdict = judge(value);
    this.entries.push({ check: name, command, ok: verdict.ok, detail: verdict.detail, elapsedMs: performance.now() - t0 });
    if (!verdict.ok) {
      this.finish();
      const error = new HealthCheckError(this.board.id, name, command, verdict.detail);
      this.parts.markBroken(error);
      throw error;
    }
    return value;
  }

  /** `reset run`, then any HIL-BOOT line within the timeout; silence is a HealthCheckError. */
  async uartAnswers(uart: UartProofParts, console: UartConsole): Promise<void> {
    const command = `reset run; expect ${String(BOOT_LINE)} on ${console.path} within ${uart.timeoutMs} ms`;
    await this.check(
      UART_PROOF_CHECK,
      command,
      async () => {
        await uart.resetRun();
        const t0 = performance.now();
        try {
          const line = await console.expect(BOOT_LINE, uart.timeoutMs);
          return { line: line.text, afterMs: performance.now() - t0 };
        } catch (error) {
          // A timeout (UartExpectTimeoutError) is judged below; a vanished tty stays its own error.
          if (!(error instanceof UartExpectTimeoutError)) throw error;
          return { line: undefined, afterMs: performance.now() - t0, lastLines: console.lastLines(5) };
        }
      },
      (r) =>
        r.line !== undefined
          ? { ok: true, detail: `"${r.line.trim()}" ${Math.round(r.afterMs)} ms after reset run` }
          : {
              ok: false,
              detail:
                `${console.path} is open but silent: no HIL-BOOT line within ${uart.timeoutMs} ms of reset run although a bootloader is in ` +
                `internal flash (check the tty is this board's, its baud rate (${this.board.uart.baud}) and the wiring); last lines: ` +
                `${r.lastLines?.length ? r.lastLines.join(' | ') : '(nothing)'}`,
            },
    );
  }
}

export async function runHealthCheck(parts: HealthCheckParts): Promise<HealthReport> {
  const { board, openocd } = parts;
  const checks = new Checks(board, parts);

  checks.learned.openOcdVersion = await checks.check(
    'OpenOCD answers',
    'version',
    () => openocd.version(),
    (v) => ({ ok: /Open On-Chip Debugger/.test(v), detail: v.trim() }),
  );
  await checks.check(
    'target examined',
    'targets',
    () => openocd.targets(),
    (targets) => {
      const current = targets.find((t) => t.current) ?? targets[0];
      return {
        ok: current !== undefined && current.state !== 'unknown' && current.state !== 'tap-disabled',
        detail: current ? `${current.name} (${current.type}) ${current.state}` : 'no target',
      };
    },
  );
  await checks.check('QSPI bank probed', `reset init; flash probe ${board.qspi.bank}`, parts.flashReady, () => ({
    ok: true,
    detail: 'stmqspi bank probed after reset init',
  }));
  checks.learned.jedecId = await checks.check('QSPI JEDEC id', `stmqspi cmd ${board.qspi.bank} 3 0x9f`, parts.jedecId, (id) => ({
    ok: id === board.qspi.jedecId.toLowerCase(),
    detail: `read ${id}, expected ${board.qspi.jedecId}`,
  }));
  const uart = parts.uart;
  if (uart) {
    const { console, skip } = await checks.check(
      'UART open',
      'open tty',
      async () => ({ console: uart.console(), skip: await uart.skipReason() }),
      ({ console, skip }) => ({
        ok: console !== undefined,
        detail: console ? `${console.path} open${skip !== undefined ? `; not proven by a boot: ${skip}` : ''}` : 'not open',
      }),
    );
    if (console && skip === undefined) await checks.uartAnswers(uart, console);
  }
  return checks.finish();
}

/**
 * Proves the UART now (after the bootloader was programmed), adding "UART answers" to the
 * session's last report. Silence is a HealthCheckError: the bootloader was just written and
 * verified, so a silent tty is the rig's.
 */
export async function proveUart(
  parts: Pick<HealthCheckParts, 'board' | 'markBroken' | 'record'> & {
    readonly uart: UartProofParts;
    readonly console: UartConsole;
    readonly base?: HealthReport;
  },
): Promise<HealthReport> {
  const checks = new Checks(parts.board, parts, parts.base);
  await checks.uartAnswers(parts.uart, parts.console);
  return checks.finish();
}
