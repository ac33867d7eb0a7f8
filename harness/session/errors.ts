/**
 * Why a board session could not do what was asked. All of them are "no verdict": the harness
 * did not get to look at the board. Each names the board, what was being done and what came back.
 */
import { isNoVerdictError, NoVerdictError } from '../exit-codes.js';

export class SessionError extends NoVerdictError {
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
  constructor(
    boardId: string,
    method: string,
    readonly injector: string,
  ) {
    super(boardId, `BoardSession.${method}() refused`, `a ${injector} fault interrupted the session; call session.reconnect() to start the next run`);
  }
}

/** The bring-up health check failed. */
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

/** A lifecycle step whose failures are infrastructure: typed, naming the board and the command. */
export function sessionStep(boardId: string, action: string, body: () => Promise<void>): () => Promise<void> {
  return async () => {
    try {
      await body();
    } catch (error) {
      if (isNoVerdictError(error)) throw error;
      throw new SessionError(boardId, action, error instanceof Error ? error.message : String(error), { cause: error });
    }
  };
}
