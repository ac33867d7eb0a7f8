/** `hil boards`: list the boards of the inventory. */
import { parseArgs } from 'node:util';
import { ExitCode } from '../exit-codes.js';
import { findMissingFiles, loadBoardsFile } from '../boards/load.js';
import { resolveBoardChoice } from '../boards/select.js';
import type { Command } from './command.js';
import { UsageError, usageErrorFrom } from './usage-error.js';
import type { BoardRecord } from '../boards/types.js';
import type { HealthReport } from '../session/evidence.js';
import { CliOutput } from './output.js';
import { withCliSession } from './cli-session.js';

const usage = `usage: hil boards [--json] [--boards <file>] [--health [--board <id>] [--time-scale <x>]]

List the boards in the inventory (boards.json at the repository root, or --boards / HIL_BOARDS):
id, kind, description, which destructive operations each allows, and referenced files that are
missing. --json prints the validated records (paths resolved) instead.
  --health          also open a session on each board (or only --board) and run its health check:
                    OpenOCD answers, target examined, QSPI probed, JEDEC id, UART open
Exit code: 0 listed (and every checked board healthy), 2 a board failed its health check or is busy,
or the inventory is bad.`;

export const boardsCommand: Command = {
  summary: 'list the boards of the inventory (--json for the records, --health to check each)',
  usage,
  async run(args) {
    let values: { json?: boolean; boards?: string; health?: boolean; board?: string; 'time-scale'?: string; help?: boolean };
    try {
      ({ values } = parseArgs({
        args: [...args],
        options: {
          json: { type: 'boolean' },
          boards: { type: 'string' },
          health: { type: 'boolean' },
          board: { type: 'string' },
          'time-scale': { type: 'string' },
          help: { type: 'boolean', short: 'h' },
        },
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
    if (values.health) return healthOfBoards(inventory.boards, values);
    if (values.board !== undefined || values['time-scale'] !== undefined) throw new UsageError('--board and --time-scale go with --health', 'boards');
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

interface HealthRow {
  readonly board: string;
  readonly ok: boolean;
  readonly health?: HealthReport;
  readonly error?: string;
}

/** `--health`: one session per board, one after the other; a board that cannot be opened is reported, not fatal. */
async function healthOfBoards(boards: readonly BoardRecord[], values: { json?: boolean; board?: string; 'time-scale'?: string }): Promise<number> {
  const out = new CliOutput(values.json === true);
  const chosen = values.board !== undefined ? boards.filter((b) => b.id === values.board) : boards;
  if (chosen.length === 0) throw new UsageError(`no board "${values.board}" in the inventory (known: ${boards.map((b) => b.id).join(', ')})`, 'boards');
  const timeScale = values['time-scale'] !== undefined ? Number(values['time-scale']) : undefined;
  if (timeScale !== undefined && !(timeScale >= 0)) throw new UsageError(`--time-scale must be a number >= 0, got "${values['time-scale']}"`, 'boards');
  const rows: HealthRow[] = [];
  for (const board of chosen) {
    try {
      const health = await withCliSession(
        board,
        { json: values.json === true, help: false, ...(timeScale !== undefined ? { timeScale } : {}) },
        {},
        async (session) => session.health!,
      );
      rows.push({ board: board.id, ok: health.ok, health });
      out.line(`${board.id}: ${health.ok ? 'healthy' : 'UNHEALTHY'}${health.openOcdVersion ? `  (${health.openOcdVersion.split('\n')[0]})` : ''}`);
      for (const c of health.checks) out.line(`    ${c.ok ? 'ok ' : 'ERR'} ${c.check.padEnd(18)} ${c.detail}  [${c.command}, ${c.elapsedMs} ms]`);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      rows.push({ board: board.id, ok: false, error: message });
      const [first, ...more] = message.split('\n').filter((l) => l.trim() !== '');
      out.line(`${board.id}: UNHEALTHY: ${first}`);
      // OpenOCD's own words (e.g. "open failed" of the probe) are among the log lines that follow.
      for (const l of more.filter((l) => /error|fail|unable|not found|busy|denied/i.test(l)).slice(0, 6)) out.line(`    ${l.trim()}`);
    }
  }
  const exitCode = rows.every((r) => r.ok) ? ExitCode.Passed : ExitCode.NoVerdict;
  out.document({ command: 'boards --health', boards: rows, exitCode });
  return exitCode;
}
