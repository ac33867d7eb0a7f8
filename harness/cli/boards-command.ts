/** `hil boards`: list the boards of the inventory. */
import { parseArgs } from 'node:util';
import { ExitCode } from '../exit-codes.js';
import { findMissingFiles, loadBoardsFile } from '../boards/load.js';
import { resolveBoardChoice } from '../boards/select.js';
import type { Command } from './command.js';
import { usageErrorFrom } from './usage-error.js';

const usage = `usage: hil boards [--json] [--boards <file>]

List the boards in the inventory (boards.json at the repository root, or --boards / HIL_BOARDS):
id, kind, description, which destructive operations each allows, and referenced files that are
missing. --json prints the validated records (paths resolved) instead.`;

export const boardsCommand: Command = {
  summary: 'list the boards of the inventory (--json for the records)',
  usage,
  async run(args) {
    let values: { json?: boolean; boards?: string; help?: boolean };
    try {
      ({ values } = parseArgs({
        args: [...args],
        options: { json: { type: 'boolean' }, boards: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
        allowPositionals: false,
      }));
    } catch (error) {
      throw usageErrorFrom(error, 'boards');
    }
    if (values.help) {
      console.log(usage);
      return ExitCode.Passed;
    }
    const choice = resolveBoardChoice(values.boards !== undefined ? { boards: values.boards } : {});
    const inventory = loadBoardsFile(choice.boardsFile);
    if (values.json) {
      console.log(JSON.stringify(inventory, null, 2));
      return ExitCode.Passed;
    }
    console.log(`boards in ${inventory.file}:`);
    for (const board of inventory.boards) {
      const allows = Object.entries(board.allows)
        .map(([op, ok]) => `${op}=${ok ? 'yes' : 'no'}`)
        .join(' ');
      const mark = board.id === choice.boardId ? ' (selected)' : '';
      console.log(`  ${board.id}${mark}  [${board.kind}]  ${allows}`);
      console.log(`      ${board.description}`);
      for (const missing of findMissingFiles(board)) console.log(`      missing: ${missing.jsonPath}: ${missing.problem}`);
    }
    return ExitCode.Passed;
  },
};
