/**
 * The health check a session runs when it opens and after every reconnect: OpenOCD answers,
 * the target is examined, the QSPI bank probes after `reset init`, the JEDEC id is the board
 * entry's, the UART is open. The first failing check ends it with a HealthCheckError; the
 * report so far is recorded either way.
 */
import type { BoardRecord } from '../boards/types.js';
import type { OpenOcdCommands } from '../openocd/index.js';
import type { UartConsole } from '../serial/uart-console.js';
import { HealthCheckError } from './errors.js';
import type { HealthCheckEntry, HealthReport } from './evidence.js';

export interface HealthCheckParts {
  readonly board: BoardRecord;
  readonly openocd: OpenOcdCommands;
  /** `reset init` and `flash probe` of the QSPI bank (the lifecycle's flash-ready). */
  readonly flashReady: () => Promise<void>;
  readonly jedecId: () => Promise<string>;
  /** The session's UART; absent when the session opens none (nothing to check then). */
  readonly uart?: () => UartConsole | undefined;
  /** A check that ran but judged the board unfit breaks the session. */
  readonly markBroken: (error: HealthCheckError) => void;
  /** Receives the report, also a partial one when a check failed. */
  readonly record: (report: HealthReport) => void;
}

type Verdict = { readonly ok: boolean; readonly detail: string };

export async function runHealthCheck(parts: HealthCheckParts): Promise<HealthReport> {
  const { board, openocd } = parts;
  const checks: HealthCheckEntry[] = [];
  // What the checks read so far, for a partial report too.
  const learned: { openOcdVersion?: string; jedecId?: string } = {};
  const finish = (): HealthReport => {
    const report: HealthReport = {
      ok: checks.every((c) => c.ok),
      checks: checks.map((c) => ({ ...c, elapsedMs: Math.round(c.elapsedMs * 10) / 10 })),
      ...(learned.openOcdVersion !== undefined ? { openOcdVersion: learned.openOcdVersion.trim() } : {}),
      ...(learned.jedecId !== undefined ? { jedecId: learned.jedecId } : {}),
    };
    parts.record(report);
    return report;
  };
  const check = async <T>(name: string, command: string, body: () => Promise<T>, judge: (value: T) => Verdict): Promise<T> => {
    const t0 = performance.now();
    let value: T;
    try {
      value = await body();
    } catch (error) {
      const detail = error instanceof Error ? error.message : String(error);
      checks.push({ check: name, command, ok: false, detail, elapsedMs: performance.now() - t0 });
      finish();
      throw new HealthCheckError(board.id, name, command, detail, { cause: error });
    }
    const verdict = judge(value);
    checks.push({ check: name, command, ok: verdict.ok, detail: verdict.detail, elapsedMs: performance.now() - t0 });
    if (!verdict.ok) {
      finish();
      const error = new HealthCheckError(board.id, name, command, verdict.detail);
      parts.markBroken(error);
      throw error;
    }
    return value;
  };

  learned.openOcdVersion = await check(
    'OpenOCD answers',
    'version',
    () => openocd.version(),
    (v) => ({ ok: /Open On-Chip Debugger/.test(v), detail: v.trim() }),
  );
  await check(
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
  await check('QSPI bank probed', `reset init; flash probe ${board.qspi.bank}`, parts.flashReady, () => ({
    ok: true,
    detail: 'stmqspi bank probed after reset init',
  }));
  learned.jedecId = await check('QSPI JEDEC id', `stmqspi cmd ${board.qspi.bank} 3 0x9f`, parts.jedecId, (id) => ({
    ok: id === board.qspi.jedecId.toLowerCase(),
    detail: `read ${id}, expected ${board.qspi.jedecId}`,
  }));
  const uart = parts.uart;
  if (uart)
    await check(
      'UART open',
      'open tty',
      async () => uart(),
      (console) => ({ ok: console !== undefined, detail: console ? `${console.path} open` : 'not open' }),
    );
  return finish();
}
