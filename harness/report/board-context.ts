/**
 * Which board a test ran on, for the report. Every result carries the board as the `board`
 * parameter (part of Allure's historyId, so the same test on two boards is two histories, not a
 * retry of one another) and as its `parentSuite` label (a merged farm report groups by board).
 * It carries the programming procedure under test the same way, as the `procedure` parameter: the
 * same test with two procedures on one board is two histories too.
 * mocha.ts marks the describe block a board session serves; the reporter
 * (hil-allure-reporter.ts) reads the nearest mark above each test, else the run's board.
 */
import type { Label, Parameter } from 'allure-js-commons';
import { DEFAULT_PROCEDURE_ID } from '../procedures/procedure.js';

export interface BoardContext {
  readonly board: string;
  /** Virtual boards: the factor on datasheet flash timings the session ran at. */
  readonly flashTimeScale?: number;
  /** The id of the procedure under test; default: the run's (runProcedureId). */
  readonly procedure?: string;
  /** The error with which the session's bring-up or health check failed, if it did. */
  readonly setUpError?: unknown;
}

/** Marks by suite: one copy of this module serves runner and specs alike. */
const marks = new WeakMap<object, BoardContext>();

interface SuiteLike {
  readonly parent?: SuiteLike | undefined;
}

/** Marks `suite` (a mocha Suite) and every test below it as run on `context.board`; merges with an earlier mark. */
export function markBoardContext(suite: SuiteLike | undefined, context: Partial<BoardContext> & { readonly board: string }): void {
  if (suite === undefined) return;
  marks.set(suite, { ...marks.get(suite), ...context });
}

/** The mark of the nearest marked suite above `runnable` (a test or hook). */
export function boardContextOf(runnable: { readonly parent?: SuiteLike | undefined }): BoardContext | undefined {
  for (let suite = runnable.parent; suite !== undefined; suite = suite.parent) {
    const context = marks.get(suite);
    if (context !== undefined) return context;
  }
  return undefined;
}

export const BOARD_PARAMETER = 'board';
export const FLASH_TIME_SCALE_PARAMETER = 'flash time scale';
export const PROCEDURE_PARAMETER = 'procedure';

/** The procedure the run's specs put under test: HIL_PROCEDURE (hil test sets it), else the default. */
export function runProcedureId(env: NodeJS.ProcessEnv = process.env): string {
  const id = env.HIL_PROCEDURE;
  return id !== undefined && id !== '' ? id : DEFAULT_PROCEDURE_ID;
}

const SUITE_LABELS = new Set(['parentSuite', 'suite', 'subSuite']);

/**
 * Adds the board to a result: the `board`, `procedure` and `flash time scale` parameters unless
 * the spec set them itself, and the suite labels with the board on top (`suites` are the describe
 * titles, outermost first). The parameters count in the historyId, so history stays per board,
 * per procedure and per timing.
 */
export function applyBoardContext(result: { parameters: Parameter[]; labels: Label[] }, context: BoardContext, suites: readonly string[]): void {
  const has = (name: string): boolean => result.parameters.some((p) => p.name === name);
  if (!has(BOARD_PARAMETER)) result.parameters.push({ name: BOARD_PARAMETER, value: context.board });
  if (!has(PROCEDURE_PARAMETER)) result.parameters.push({ name: PROCEDURE_PARAMETER, value: context.procedure ?? runProcedureId() });
  if (context.flashTimeScale !== undefined && !has(FLASH_TIME_SCALE_PARAMETER)) {
    result.parameters.push({ name: FLASH_TIME_SCALE_PARAMETER, value: String(context.flashTimeScale) });
  }
  if (result.labels.some((l) => SUITE_LABELS.has(l.name))) return;
  result.labels.push({ name: 'parentSuite', value: context.board });
  if (suites.length > 0) result.labels.push({ name: 'suite', value: suites[0]! });
  if (suites.length > 1) result.labels.push({ name: 'subSuite', value: suites.slice(1).join(' > ') });
}

/**
 * The name of the result that stands for a failed set-up hook: a board whose health check
 * failed must be in the report as broken, naming the check and the board, not vanish with the
 * tests that never ran.
 */
export function setUpFailureName(context: BoardContext | undefined, hookTitle: string, error: unknown): string {
  if (context !== undefined && context.setUpError !== undefined && context.setUpError === error) {
    const e = error as { check?: unknown; action?: unknown; message?: unknown };
    // HealthCheckError names its check; other bring-up failures (OpenOCD, UART, lock) their step.
    const what =
      typeof e.check === 'string'
        ? e.check
        : typeof e.action === 'string'
          ? e.action
          : String(e.message ?? error)
              .split('\n')[0]!
              .slice(0, 120);
    return `health check of board ${context.board} failed: ${what}`;
  }
  const on = context !== undefined ? ` on board ${context.board}` : '';
  return `set-up failed${on}: ${hookTitle}`;
}
