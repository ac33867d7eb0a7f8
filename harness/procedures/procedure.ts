/**
 * Which procedure programs the board: the built-in ones every board has, the boards file's own,
 * and the choice by `--procedure <id>` or `HIL_PROCEDURE`.
 */
import type { BoardRecord, OpenOcdPlanProcedureSpec, OpenOcdProgramProcedureSpec, ProcedureSpec } from '../boards/types.js';
import { nearestName } from '../boards/nearest-name.js';
import { NoVerdictError } from '../exit-codes.js';

export const DEFAULT_PROCEDURE_ID = 'openocd-plan';

/** The harness's own plan over OpenOCD's Tcl port, and OpenOCD's `program`: on every board. */
export const BUILT_IN_PROCEDURES: readonly [OpenOcdPlanProcedureSpec, OpenOcdProgramProcedureSpec] = [
  {
    id: DEFAULT_PROCEDURE_ID,
    kind: 'openocd-plan',
    description: "the harness's programming plan over OpenOCD's Tcl port: erase the units the image covers, write in chunks, verify",
  },
  {
    id: 'openocd-program',
    kind: 'openocd-program',
    description: "OpenOCD's own `program <image> verify <address>`, one call on the harness's OpenOCD",
    verify: true,
    timeoutMs: 600_000,
  },
];

/** The built-ins, then `entries` (an entry with a built-in id takes its place). */
export function withBuiltInProcedures(entries: readonly ProcedureSpec[]): ProcedureSpec[] {
  const own = new Map(entries.map((p) => [p.id, p]));
  const builtIns = BUILT_IN_PROCEDURES.map((p) => own.get(p.id) ?? p);
  return [...builtIns, ...entries.filter((p) => !BUILT_IN_PROCEDURES.some((b) => b.id === p.id))];
}

export class UnknownProcedureError extends NoVerdictError {
  constructor(
    readonly boardId: string,
    readonly procedureId: string,
    readonly knownIds: readonly string[],
    /** Where the id came from: `--procedure`, `HIL_PROCEDURE`. */
    readonly chosenBy: string,
  ) {
    const near = nearestName(procedureId, knownIds);
    super(`board ${boardId}: unknown procedure "${procedureId}" (from ${chosenBy}); known: ${knownIds.join(', ')}${near ? `; did you mean "${near}"?` : ''}`);
  }
}

/** The procedure `id` of `board` (default: the harness's plan). */
export function findProcedure(board: BoardRecord, id: string | undefined, chosenBy = '--procedure'): ProcedureSpec {
  const wanted = id ?? DEFAULT_PROCEDURE_ID;
  const found = board.procedures.find((p) => p.id === wanted);
  if (!found)
    throw new UnknownProcedureError(
      board.id,
      wanted,
      board.procedures.map((p) => p.id),
      chosenBy,
    );
  return found;
}

/** The id from `--procedure` (`flag`) or else HIL_PROCEDURE, and which named it. */
export function procedureChoice(flag: string | undefined, env: NodeJS.ProcessEnv = process.env): { id: string | undefined; chosenBy: string } {
  if (flag !== undefined && flag !== '') return { id: flag, chosenBy: '--procedure' };
  const fromEnv = env.HIL_PROCEDURE;
  if (fromEnv !== undefined && fromEnv !== '') return { id: fromEnv, chosenBy: 'HIL_PROCEDURE' };
  return { id: undefined, chosenBy: 'the default' };
}
