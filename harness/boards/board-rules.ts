/**
 * The rules of a boards file that its JSON Schema cannot state, checked once the schema passed:
 * board ids are unique across the file, a board names an OpenOCD config unless it attaches to
 * an OpenOCD that is already running, a kind "real" board has no virtual power or UART, and a
 * board that allows power cuts has something that can cut the power.
 */
import type { RawBoard } from './board-record.js';
import type { BoardsProblem } from './errors.js';

/** Every rule broken by the (schema-valid) `boards`, in file order. */
export function boardRuleProblems(boards: readonly RawBoard[]): BoardsProblem[] {
  const problems: BoardsProblem[] = [];
  const firstIndexOf = new Map<string, number>();
  boards.forEach((b, i) => {
    const at = `$.boards[${i}]`;
    const first = firstIndexOf.get(b.id);
    if (first !== undefined) {
      problems.push({ jsonPath: `${at}.id`, boardId: b.id, problem: `duplicate board id, already used by $.boards[${first}]`, expected: 'a unique board id' });
    } else {
      firstIndexOf.set(b.id, i);
    }
    if (b.openocd.configs.length === 0 && b.openocd.tclHost === undefined) {
      problems.push({
        jsonPath: `${at}.openocd.configs`,
        boardId: b.id,
        problem: 'is empty',
        expected: 'at least one OpenOCD config, unless openocd.tclHost/tclPort name an OpenOCD that is already running',
      });
    }
    if (b.kind === 'real' && b.power.type === 'virtual') {
      problems.push({
        jsonPath: `${at}.power.type`,
        boardId: b.id,
        problem: '"virtual" power on a kind "real" board',
        expected: 'none, serial-relay or command',
      });
    }
    if (b.kind === 'real' && b.uart.virtual === true) {
      problems.push({
        jsonPath: `${at}.uart.virtual`,
        boardId: b.id,
        problem: 'a virtual UART on a kind "real" board',
        expected: '{ path, baud } or { host, port }',
      });
    }
    if (b.allows.powerCut && b.power.type === 'none') {
      problems.push({
        jsonPath: `${at}.allows.powerCut`,
        boardId: b.id,
        problem: 'is true but power.type is "none": nothing can cut the power',
        expected: 'false, or a power switch (serial-relay, command, virtual)',
      });
    }
  });
  return problems;
}
