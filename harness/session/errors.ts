/**
 * Why a board session could not do what was asked. All but one are "no verdict": the harness
 * did not get to look at the board. The exception is ChipLostAfterFaultError, the chip no longer
 * answering after an injected fault: the worst field outcome, a verdict on the procedure. Each
 * names the board, what was being done and what came back.
 */
import { isNoVerdictError, isVerdictError, NoVerdictError, VerdictCategory, VerdictError, type CauseCarrier } from '../exit-codes.js';
import type { FaultLanding } from '../faults/injectors.js';

export class SessionError extends NoVerdictError implements CauseCarrier {
  /** A session step passes on what failed inside it; its subclasses state their own reason. */
  readonly passesOnCause: boolean = true;

  constructor(
    readonly boardId: string,
    readonly action: string,
    readonly response: string,
    options?: { cause?: unknown },
  ) {
    super(`board ${boardId}: ${action}: ${response}`, options);
  }
}

/** A call on a session in a state that does not allow it (closed, or a transition that cannot be made). */
export class SessionStateError extends SessionError {
  /** Its own reason, not a carrier of another. */
  override readonly passesOnCause: boolean = false;

  constructor(boardId: string, method: string, state: string, why: string) {
    super(boardId, `BoardSession.${method}() in state ${state}`, why);
  }
}

/**
 * The session broke earlier (OpenOCD died, the target vanished, a bring-up step failed): every
 * later call fails at once with the first cause instead of a cascade of timeouts. Cleared only
 * by a successful `reconnect()`.
 */
export class SessionBrokenError extends SessionError {
  /** Its own reason, not a carrier of another. */
  override readonly passesOnCause: boolean = false;

  constructor(
    boardId: string,
    method: string,
    readonly firstCause: unknown,
  ) {
    super(
      boardId,
      `BoardSession.${method}() refused`,
      `the session is broken since: ${firstCause instanceof Error ? firstCause.message.split('\n')[0] : String(firstCause)}`,
      { cause: firstCause },
    );
  }
}

/** A fault injector ended OpenOCD or cut power: the next run starts with `reconnect()`. */
export class SessionInterruptedError extends SessionError {
  /** Its own reason, not a carrier of another. */
  override readonly passesOnCause: boolean = false;

  constructor(
    boardId: string,
    method: string,
    readonly injector: string,
  ) {
    super(boardId, `BoardSession.${method}() refused`, `a ${injector} fault interrupted the session; call session.reconnect() to start the next run`);
  }
}

/**
 * The health check failed: at open the board was never fit for a verdict, and a tty that is open
 * but silent at the UART proof is the rig's. After an injected fault `reconnect()` turns a QSPI
 * failure into ChipLostAfterFaultError instead.
 */
export class HealthCheckError extends SessionError {
  constructor(
    boardId: string,
    readonly check: string,
    readonly command: string,
    response: string,
    options?: { cause?: unknown },
  ) {
    super(boardId, `health check "${check}" failed (command: ${command})`, response, options);
  }
}

/**
 * After an injected fault the QSPI chip no longer probes or answers its JEDEC id at
 * `reconnect()`: the board passed its health check before the fault, so this is what the
 * interrupted procedure left, a verdict ("procedure failed"), not the lab's problem.
 */
export class ChipLostAfterFaultError extends VerdictError {
  constructor(
    readonly boardId: string,
    readonly landing: FaultLanding,
    readonly healthCheck: HealthCheckError,
  ) {
    const at = landing.point === 'manual' ? `a manual fault (${landing.description})` : landing.point;
    super(
      VerdictCategory.procedureFailed,
      `the chip no longer answers after ${landing.injector} at ${at}: ${healthCheck.check} failed on board ${boardId} ` +
        `(command: ${healthCheck.command}): ${healthCheck.response}`,
      { cause: healthCheck },
    );
  }
}

/**
 * The chip fails the QSPI health checks when the harness takes the probe back from a programming
 * tool that ran without a fault injected: the board passed before the tool had it, so this is the
 * procedure's doing, a verdict.
 */
export class ChipLostAfterProcedureError extends VerdictError {
  constructor(
    readonly boardId: string,
    /** Who had the probe (`procedure <id>`). */
    readonly holder: string,
    readonly healthCheck: HealthCheckError,
  ) {
    super(
      VerdictCategory.procedureFailed,
      `the chip no longer answers after ${holder} ran: ${healthCheck.check} failed on board ${boardId} (command: ${healthCheck.command}): ${healthCheck.response}`,
      { cause: healthCheck },
    );
  }
}

/**
 * A lifecycle step whose untyped failures are infrastructure: typed, naming the board and the
 * command. An error that already states its side (verdict or not) passes unchanged.
 */
export function sessionStep(boardId: string, action: string, body: () => Promise<void>): () => Promise<void> {
  return async () => {
    try {
      await body();
    } catch (error) {
      if (isNoVerdictError(error) || isVerdictError(error)) throw error;
      throw new SessionError(boardId, action, error instanceof Error ? error.message : String(error), { cause: error });
    }
  };
}
