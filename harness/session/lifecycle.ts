/**
 * The board's lifecycle as a guarded state machine (labgrid's Strategy habit):
 * off → powered → halted → flash-ready → booted.
 *
 * - `transition(to)` reaches `powered` first when the board is off, then runs the action of the
 *   target state (reset halt / reset init / reset run all start from any powered state); the
 *   status changes only after the action succeeded.
 * - `force(state)` adopts a state without acting (after a fault injector reset or cut the board).
 * - A failed action breaks the lifecycle: the first cause is kept and every later transition
 *   fails fast with it (SessionBrokenError). `clearBroken()` is for `reconnect()` only.
 */
import { SessionBrokenError, SessionStateError } from './errors.js';

export const SESSION_STATES = ['off', 'powered', 'halted', 'flash-ready', 'booted'] as const;
export type SessionState = (typeof SESSION_STATES)[number];

export interface LifecycleActions {
  /** Power on (if there is a switch), OpenOCD up, target examined. */
  powerOn(): Promise<void>;
  powerOff(): Promise<void>;
  /** `reset halt`. */
  halt(): Promise<void>;
  /** `reset init` (QSPI set-up) and `flash probe` of the QSPI bank. */
  flashReady(): Promise<void>;
  /** `reset run`: the firmware boots. */
  boot(): Promise<void>;
}

class PowerOffFailed {
  constructor(readonly original: unknown) {}
}

export class Lifecycle {
  private current: SessionState;
  private brokenBy: unknown;
  private closed = false;

  constructor(
    private readonly boardId: string,
    private readonly actions: LifecycleActions,
    initial: SessionState = 'off',
  ) {
    this.current = initial;
  }

  get status(): SessionState {
    return this.current;
  }

  get broken(): unknown {
    return this.brokenBy;
  }

  /** Fails fast when the session is closed or broken. */
  check(method: string): void {
    if (this.closed) throw new SessionStateError(this.boardId, method, 'closed', 'the session is closed');
    if (this.brokenBy !== undefined) throw new SessionBrokenError(this.boardId, method, this.brokenBy);
  }

  async transition(to: SessionState): Promise<void> {
    this.check(`transition('${to}')`);
    if (to === this.current) return;
    try {
      if (to === 'off') {
        // A refused or failed power-off leaves the board as it was: not a broken session.
        await this.actions.powerOff().catch((error: unknown) => {
          throw new PowerOffFailed(error);
        });
        this.current = 'off';
        return;
      }
      if (this.current === 'off') {
        await this.actions.powerOn();
        this.current = 'powered';
      }
      switch (to) {
        case 'powered':
          return;
        case 'halted':
          await this.actions.halt();
          break;
        case 'flash-ready':
          await this.actions.flashReady();
          break;
        case 'booted':
          await this.actions.boot();
          break;
      }
      this.current = to;
    } catch (error) {
      if (error instanceof PowerOffFailed) throw error.original;
      this.markBroken(error);
      throw error;
    }
  }

  force(state: SessionState): void {
    this.current = state;
  }

  markBroken(error: unknown): void {
    this.brokenBy ??= error;
  }

  clearBroken(): void {
    this.brokenBy = undefined;
  }

  close(): void {
    this.closed = true;
  }

  get isClosed(): boolean {
    return this.closed;
  }
}
