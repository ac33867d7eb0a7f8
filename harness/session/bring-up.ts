/**
 * The parts a session brings up around OpenOCD, each registered for teardown as soon as it
 * exists: the board lock and signal handling, the board itself (kinds the harness starts, e.g.
 * virtual), the power switch, the UART (a tty, the started board's, or one served on the network).
 */
import { startBoard, type StartedBoard } from '../boards/board-kinds.js';
import { acquireBoardLock, lockKeyFor } from '../boards/lock.js';
import type { BoardRecord } from '../boards/types.js';
import { openPowerSwitch, type PowerSwitch } from '../power/power-switch.js';
import { bridgeTcpUart } from '../serial/pty-pair.js';
import { UartConsole } from '../serial/uart-console.js';
import { HealthCheckError } from './errors.js';
import type { SessionEvidence } from './evidence.js';
import type { BoardSessionOptions } from './options.js';
import { trackForSignals, untrackForSignals, type Closable } from './signals.js';
import type { TeardownStack } from './teardown.js';

export interface BringUpContext {
  readonly board: BoardRecord;
  readonly evidence: SessionEvidence;
  readonly teardown: TeardownStack;
}

export interface StartOptions {
  readonly timeScale: number;
  readonly seed?: number;
  readonly stateFile?: string;
}

/** Takes the board lock and closes `session` on SIGINT/SIGTERM, each unless the options say not to. */
export function claimBoard({ board, teardown }: BringUpContext, session: Closable, options: BoardSessionOptions): void {
  if (options.handleSignals ?? true) {
    trackForSignals(session);
    teardown.push('signal handlers', () => untrackForSignals(session));
  }
  if (options.lock ?? true) {
    const lock = acquireBoardLock(board.id, { key: lockKeyFor(board), ...(options.lockDir !== undefined ? { dir: options.lockDir } : {}) });
    teardown.push('board lock', () => lock.release());
  }
}

/** Starts the board through its kind; a real board is already there (undefined). */
export async function startSessionBoard({ board, evidence, teardown }: BringUpContext, options: StartOptions): Promise<StartedBoard | undefined> {
  if (board.kind === 'real') return undefined;
  const started = await evidence.time(`start ${board.kind} board`, () => startBoard(board.kind, options));
  teardown.push(`${board.kind} board (pid ${started.pid})`, () => started.stop());
  const control = started.control;
  evidence.useBoard({
    stderr: () => started.stderr(),
    state: async () => (control ? { status: await control.status(), operations: (await control.operations()).slice(-200) } : undefined),
  });
  return started;
}

export async function openSessionPower({ board, evidence, teardown }: BringUpContext, started: StartedBoard | undefined): Promise<PowerSwitch | undefined> {
  const power = await evidence.time('open power switch', () => openPowerSwitch(board, started?.relay));
  if (power) teardown.push('power switch', () => power.close());
  return power;
}

export async function openSessionUart({ board, evidence, teardown }: BringUpContext, started: StartedBoard | undefined): Promise<UartConsole> {
  let path = board.uart.kind === 'tty' ? board.uart.path : board.uart.kind === 'virtual' ? started?.uart : undefined;
  if (board.uart.kind === 'network') {
    // A UART served on the board's host (ser2net / socat): bridged to a local pty, read like any tty.
    const { host, port } = board.uart;
    const bridge = await evidence.time('bridge network UART', () => bridgeTcpUart(host, port));
    teardown.push(`network UART bridge (socat pid ${bridge.pid})`, () => bridge.stop());
    path = bridge.path;
  }
  if (!path) throw new HealthCheckError(board.id, 'UART open', 'open UART', `the ${board.kind} board reported no UART tty`);
  const uartPath = path;
  const uart = await evidence.time('open UART', () => UartConsole.open({ path: uartPath, baudRate: board.uart.baud ?? 115200, boardId: board.id }));
  evidence.useUart(uart);
  teardown.push('UART', () => uart.close());
  return uart;
}
