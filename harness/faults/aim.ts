/**
 * Aiming a fault inside a chip operation (an erase, one page program). The run sends the
 * command that starts the operation without waiting for it and asks the aim for the moment to
 * fire:
 *
 * - `ChipTriggerAim` (virtual boards): the chip itself holds the board at the exact fraction of
 *   the operation (control socket `arm-trigger`), the injector fires during the hold, then the
 *   board runs on. Exact whatever the host's latency; the hold record says where it was.
 * - `TimedAim` (silicon, or any board on request): fires after the time the chip needs to reach
 *   that fraction, from the moment the command was sent, scaled by the chip's timings; for a
 *   page inside a write, after the pages before it at the pace earlier writes showed. The
 *   observed landing tells whether it hit; `correctionMs` lets the caller re-aim.
 *
 * An aim that sees the operation never happen (the command settled first) reports a miss
 * instead of firing blind; the run fires anyway and the landing carries the miss.
 */
import { setTimeout as delay } from 'node:timers/promises';
import type { ChipTriggerStatus } from '../boards/virtual-board-control.js';
import { FaultNotSupportedError, type FaultEnvironment } from './injector.js';

/** The chip operation a fault aims at. */
export interface OperationTarget {
  readonly op: 'erase' | 'program';
  readonly unitIndex: number;
  /** Flash offset of the operation (erase: the unit; program: the page). */
  readonly offset: number;
  readonly length: number;
  readonly fraction: number;
  /** The operation's typical duration on this chip at the board's time scale, in ms. */
  readonly typicalMs: number;
  /** Program only: pages of the same write command programmed before the target page. */
  readonly pagesBefore?: number;
  /** Program only: wall ms per page that earlier write commands of this run took (undefined: none yet). */
  readonly msPerPage?: number;
}

export interface AimReport {
  readonly aim: AimKind;
  /** True when the fault fired inside the target operation as far as the aim could see. */
  readonly hit: boolean;
  readonly notes: readonly string[];
  /** The chip trigger's record (virtual boards): the operation and the fraction it was held at. */
  readonly trigger?: ChipTriggerStatus;
  /** TimedAim: the delay it waited after the command was sent. */
  readonly firedAfterMs?: number;
}

export type AimKind = 'chip-trigger' | 'time';

export interface Aim {
  readonly kind: AimKind;
  /** Before the command that starts the operation is sent. */
  arm(env: FaultEnvironment, target: OperationTarget): Promise<void>;
  /**
   * Resolves at the moment to fire (true), or false when `settled` (the command) finished first:
   * the operation never ran where the aim looked.
   */
  moment(env: FaultEnvironment, target: OperationTarget, settled: Promise<unknown>): Promise<boolean>;
  /** Right after the injector fired (before waiting on OpenOCD): lets the board run on, says where it was. */
  after(env: FaultEnvironment, hit: boolean): Promise<AimReport>;
}

/** Polling period of the chip trigger's state: the board is held, so latency costs nothing. */
const POLL_MS = 1;
/** How long the chip may take to start the operation after the command settled (replies cross). */
const SETTLE_GRACE_MS = 50;

export class ChipTriggerAim implements Aim {
  readonly kind = 'chip-trigger' as const;

  static check(env: FaultEnvironment): void {
    if (!env.control()) throw new FaultNotSupportedError(env.board.id, 'power-cut', 'the chip trigger needs a virtual board with a control socket');
  }

  async arm(env: FaultEnvironment, target: OperationTarget): Promise<void> {
    await control(env).armTrigger({ op: target.op, from: target.offset, to: target.offset + target.length, fraction: target.fraction });
  }

  async moment(env: FaultEnvironment, _target: OperationTarget, settled: Promise<unknown>): Promise<boolean> {
    let settledAt: number | undefined;
    settled.then(
      () => (settledAt = performance.now()),
      () => (settledAt = performance.now()),
    );
    for (;;) {
      const status = await control(env).trigger();
      if (status.state === 'held') return true;
      if (settledAt !== undefined && performance.now() - settledAt > SETTLE_GRACE_MS) return false;
      await delay(POLL_MS);
    }
  }

  async after(env: FaultEnvironment, hit: boolean): Promise<AimReport> {
    const board = control(env);
    const trigger = await board.trigger();
    // Ends the hold, or removes a trigger that never fired so it cannot catch a later operation.
    await board.disarm();
    const op = trigger.operation;
    const notes = op
      ? [
          `chip trigger held the board at ${((op.fraction ?? 0) * 100).toFixed(1)} % of ${op.op} at 0x${op.address.toString(16)}; released after the injector fired`,
        ]
      : ['chip trigger never fired: the chip did not start the operation before the command finished'];
    return { aim: this.kind, hit: hit && trigger.state === 'held', notes, trigger };
  }
}

export class TimedAim implements Aim {
  readonly kind = 'time' as const;
  private waitedMs = 0;

  /** `correctionMs` shifts the aim (a re-aim after a landing observed early or late). */
  constructor(private readonly correctionMs = 0) {}

  /** Wall ms after the command was sent at which `target` reaches its fraction. */
  static delayFor(target: OperationTarget): number {
    if (target.op === 'erase') return target.fraction * target.typicalMs;
    const perPage = target.msPerPage ?? target.typicalMs;
    return ((target.pagesBefore ?? 0) + target.fraction) * perPage;
  }

  arm(): Promise<void> {
    return Promise.resolve();
  }

  async moment(_env: FaultEnvironment, target: OperationTarget, settled: Promise<unknown>): Promise<boolean> {
    this.waitedMs = Math.max(0, TimedAim.delayFor(target) + this.correctionMs);
    const done = Symbol('settled');
    const first = await Promise.race([
      delay(this.waitedMs).then(() => 'time' as const),
      settled.then(
        () => done,
        () => done,
      ),
    ]);
    return first === 'time';
  }

  after(_env: FaultEnvironment, hit: boolean): Promise<AimReport> {
    const notes = [
      hit
        ? `fired ${this.waitedMs.toFixed(2)} ms after the command was sent (chip timings${this.correctionMs ? `, corrected by ${this.correctionMs.toFixed(2)} ms` : ''})`
        : `the command finished before ${this.waitedMs.toFixed(2)} ms: fired after it`,
    ];
    return Promise.resolve({ aim: this.kind, hit, notes, firedAfterMs: this.waitedMs });
  }
}

function control(env: FaultEnvironment) {
  const board = env.control();
  if (!board) throw new FaultNotSupportedError(env.board.id, 'power-cut', 'the chip trigger needs the virtual board control socket');
  return board;
}

/** The default aim for a board: the chip trigger where the board has one, time otherwise. */
export function defaultAim(env: FaultEnvironment, requested?: AimKind): Aim {
  const kind = requested ?? (env.control() ? 'chip-trigger' : 'time');
  if (kind === 'chip-trigger') {
    ChipTriggerAim.check(env);
    return new ChipTriggerAim();
  }
  return new TimedAim();
}
