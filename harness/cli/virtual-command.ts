/** `hil virtual`: run a simulated board in the foreground for a person (or an IDE) to attach OpenOCD to. */
import { mkdirSync } from 'node:fs';
import { startBoard, type StartedBoard } from '../boards/board-kinds.js';
import { acquireBoardLock, lockKeyFor } from '../boards/lock.js';
import type { BoardRecord } from '../boards/types.js';
import { ExitCode, NoVerdictError } from '../exit-codes.js';
import { COMMON_USAGE, parseCommandArgs } from './cli-args.js';
import { chooseBoard, stateDir, stateFileFor } from './cli-session.js';
import type { Command } from './command.js';
import { onInterrupt, setInterruptExitCode } from './interrupt.js';
import { CliOutput } from './output.js';

const usage = `usage: hil virtual [--fresh | --state-file <file>] [--seed <n>]

Starts the chosen virtual board (default virtual-h745) in the foreground, prints its endpoints
(ST-LINK stlink-server and JTAG remote_bitbang ports, UART and relay ttys, control socket) and
the OpenOCD command line that attaches to it with the board's configs, and runs until Ctrl-C
(then it saves its flash to the state file and exits 0).
By default it uses the board's state file (.hil/virtual/<board>.flash, HIL_STATE_DIR moves it),
so what 'hil program' left there is what you see. Holds the board lock while it runs.
  --fresh               no state file: start erased, keep nothing
  --state-file <file>   keep the flash in this file instead
  --seed <n>            power-loss PRNG seed
${COMMON_USAGE}
Exit code: 0 stopped by Ctrl-C, 2 the board could not start (or the board is not virtual, or busy).`;

/** The OpenOCD command line that attaches to the started board with the board entry's configs. */
export function openOcdCommandLine(board: BoardRecord, started: Pick<StartedBoard, 'openOcdPreConfig'>): string {
  const quote = (s: string): string => (/^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`);
  const words = [
    'openocd',
    ...board.openocd.searchDirs.flatMap((d) => ['-s', d]),
    ...started.openOcdPreConfig.flatMap((c) => ['-c', c]),
    ...board.openocd.configs.flatMap((f) => ['-f', f]),
    ...board.openocd.commands.flatMap((c) => ['-c', c]),
  ];
  return words.map(quote).join(' ');
}

export const virtualCommand: Command = {
  summary: 'run a virtual board in the foreground (prints endpoints and the OpenOCD command line; Ctrl-C stops)',
  usage,
  async run(args) {
    const { common, values } = parseCommandArgs('virtual', args, { fresh: { type: 'boolean' }, 'state-file': { type: 'string' }, seed: { type: 'string' } });
    if (common.help) {
      console.log(usage);
      return ExitCode.Passed;
    }
    const out = new CliOutput(common.json);
    const { board } = chooseBoard(common);
    if (board.kind === 'real') throw new NoVerdictError(`board ${board.id} is a real board; 'hil virtual' starts simulated ones (try --board virtual-h745)`);
    let stateFile: string | undefined;
    if (typeof values['state-file'] === 'string') stateFile = values['state-file'];
    else if (values.fresh !== true) {
      mkdirSync(stateDir(), { recursive: true });
      stateFile = stateFileFor(board);
    }
    const seed = typeof values.seed === 'string' ? Number(values.seed) : undefined;
    const lock = acquireBoardLock(board.id, { key: lockKeyFor(board), command: `hil virtual ${args.join(' ')}`.trim() });
    try {
      const timeScale = common.timeScale ?? board.virtual?.timeScale ?? 1;
      const started = await startBoard(board.kind, {
        timeScale,
        ...(stateFile !== undefined ? { stateFile } : {}),
        ...(seed !== undefined && Number.isFinite(seed) ? { seed } : {}),
      });
      const stopped = new Promise<void>((resolve) => {
        setInterruptExitCode(ExitCode.Passed);
        onInterrupt(async () => {
          await started.stop();
          lock.release();
          resolve();
        });
      });
      const openocd = openOcdCommandLine(board, started);
      out.line(`${board.kind} board ${board.id} running (pid ${started.pid}, time scale ${timeScale})`);
      for (const endpoint of started.endpoints) out.line(`  ${endpoint.label.padEnd(25)}${endpoint.address}`);
      out.line(`  ${'UART tty'.padEnd(25)}${started.uart ?? '(none)'}`);
      out.line(`  ${'power relay tty'.padEnd(25)}${started.relay ?? '(none)'}`);
      out.line(`  ${'state file'.padEnd(25)}${stateFile ?? '(none: --fresh)'}`);
      out.line('attach OpenOCD with:');
      out.line(`  ${openocd}`);
      out.line('Ctrl-C stops the board (its flash is saved to the state file).');
      const endpoints = Object.fromEntries(started.endpoints.map((e) => [e.key, e.address]));
      out.document({
        command: 'virtual',
        board: board.id,
        pid: started.pid,
        ...endpoints,
        uart: started.uart ?? null,
        relay: started.relay ?? null,
        stateFile: stateFile ?? null,
        openocd,
      });
      await stopped;
      return ExitCode.Passed;
    } catch (error) {
      lock.release();
      throw error;
    }
  },
};
