/**
 * The OpenOCD config a programming tool gets as HIL_OPENOCD_CONFIG when it runs an OpenOCD of its
 * own: the board's configs as the harness runs them (the virtual board's ports set before them),
 * after the harness's rules (servers on 127.0.0.1 only, no GDB/Tcl/telnet server the tool did not ask
 * for), so `openocd -f "$HIL_OPENOCD_CONFIG" -c "program …"` reaches the same board.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { BoardRecord } from '../boards/types.js';
import { tclCommand } from '../openocd/tcl-quote.js';

export function toolOpenOcdConfig(board: BoardRecord, preConfig: readonly string[]): string {
  return [
    `# Written by the harness for board ${board.id}: the board's OpenOCD configs for a programming tool's own OpenOCD.`,
    'bindto 127.0.0.1',
    'gdb_port disabled',
    'tcl_port disabled',
    'telnet_port disabled',
    ...preConfig,
    ...board.openocd.searchDirs.map((dir) => tclCommand('add_script_search_dir', dir)),
    ...board.openocd.configs.map((file) => tclCommand('source', file)),
    ...board.openocd.commands,
    '',
  ].join('\n');
}

/** Writes the config into `dir` and returns its path. */
export async function writeToolOpenOcdConfig(dir: string, board: BoardRecord, preConfig: readonly string[]): Promise<string> {
  const path = join(dir, `openocd-${board.id}.cfg`);
  await writeFile(path, toolOpenOcdConfig(board, preConfig));
  return path;
}
