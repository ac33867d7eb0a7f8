/**
 * A command procedure record for tests, made the way the boards-file loader makes one (its
 * defaults, argv[0] and cwd resolved against `base`), so a test states only what it is about.
 */
import { procedureSpec, type RawProcedure } from '../../boards/board-record.js';
import type { CommandProcedureSpec } from '../../boards/types.js';

export function commandProcedure(raw: Omit<Extract<RawProcedure, { kind: 'command' }>, 'kind'>, base = '/'): CommandProcedureSpec {
  return procedureSpec({ ...raw, kind: 'command' }, base) as CommandProcedureSpec;
}
