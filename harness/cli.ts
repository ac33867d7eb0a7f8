/**
 * `hil`: the harness command for people and CI. `tsx harness/cli.ts <command> [options]`.
 * Subcommands live in harness/cli/ and are listed in one table. Board commands on a virtual
 * board keep its flash in .hil/virtual/<board>.flash (harness/cli/cli-session.ts).
 * Exit codes (harness/exit-codes.ts): 0 passed, 1 the board failed a check, 2 no verdict.
 */
import { classifyFailure, ExitCode, isNoVerdictError } from './exit-codes.js';
import { blankCheckCommand } from './cli/blank-check-command.js';
import { boardsCommand } from './cli/boards-command.js';
import { bootCommand } from './cli/boot-command.js';
import type { Command } from './cli/command.js';
import { eraseCommand } from './cli/erase-command.js';
import { interruptExitCode, runInterruptCleanups } from './cli/interrupt.js';
import { mapCommand } from './cli/map-command.js';
import { toJson } from './cli/output.js';
import { programCommand } from './cli/program-command.js';
import { recoverCommand } from './cli/recover-command.js';
import { reportCommand } from './cli/report-command.js';
import { suiteCommand } from './cli/suite-command.js';
import { testCommand } from './cli/test-command.js';
import { UsageError } from './cli/usage-error.js';
import { virtualCommand } from './cli/virtual-command.js';

const commands: Readonly<Record<string, Command>> = {
  suite: suiteCommand,
  test: testCommand,
  boards: boardsCommand,
  program: programCommand,
  erase: eraseCommand,
  'blank-check': blankCheckCommand,
  map: mapCommand,
  recover: recoverCommand,
  boot: bootCommand,
  virtual: virtualCommand,
  report: reportCommand,
};

function usage(): string {
  const width = Math.max(...Object.keys(commands).map((n) => n.length));
  const lines = Object.entries(commands).map(([name, c]) => `  ${name.padEnd(width)}  ${c.summary}`);
  return [
    'usage: hil <command> [options]',
    '',
    'commands:',
    ...lines,
    '',
    "'hil <command> --help' for a command's options.",
    'exit code: 0 all checks passed, 1 the board failed a check, 2 no verdict (bad input, broken harness, busy board)',
  ].join('\n');
}

let interrupted = false;
/** Set on the first signal: resolves (exiting the process) once cleanups finished. */
let interruptDone: Promise<void> | undefined;

export async function main(argv: readonly string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined) {
    console.error(usage());
    return ExitCode.NoVerdict;
  }
  if (name === '--help' || name === '-h' || name === 'help') {
    console.log(usage());
    return ExitCode.Passed;
  }
  const command = commands[name];
  if (!command) {
    console.error(`hil: unknown command "${name}"\n\n${usage()}`);
    return ExitCode.NoVerdict;
  }
  try {
    return await command.run(rest);
  } catch (error) {
    // Ctrl-C closed the session under the command: the interrupt line says it all.
    if (interrupted) return ExitCode.NoVerdict;
    // The board or the procedure failed (a VerdictError: protection, an erase the chip refused):
    // a verdict, exit 1, by the same rule as the suite's.
    const verdict = classifyFailure(error) === 'verdict';
    const exitCode = verdict ? ExitCode.VerdictFailed : ExitCode.NoVerdict;
    // --json promises one document on stdout: failures too.
    if (rest.includes('--json')) {
      const kind = verdict ? 'verdict' : error instanceof UsageError ? 'usage' : isNoVerdictError(error) ? 'no-verdict' : 'harness-bug';
      console.log(
        toJson({
          command: name,
          error: { kind, name: (error as Error)?.name, message: (error as Error)?.message ?? String(error) },
          exitCode,
        }),
      );
    }
    if (verdict) {
      console.error(`hil ${name}: ${(error as Error).message}`);
      return exitCode;
    }
    if (error instanceof UsageError) {
      console.error(`hil ${name}: ${error.message}\n\n${command.usage}`);
    } else if (isNoVerdictError(error)) {
      // The rig's failure (OpenOCD, the board, a tool), not a harness bug: its message is the cause.
      console.error(`hil ${name}: ${(error as Error).message}`);
    } else {
      console.error(`hil ${name}: unexpected error (harness bug):`, error);
    }
    return ExitCode.NoVerdict;
  }
}

// Ctrl-C or a CI timeout: no verdict (except where a command ends that way: hil virtual). Open
// sessions close first (OpenOCD stops, a virtual board saves its state file), bounded; then
// process.exit runs the 'exit' hooks (board lock release, children killed). A second signal
// exits at once.
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (interrupted) process.exit(ExitCode.NoVerdict);
    interrupted = true;
    const code = interruptExitCode();
    if (code !== ExitCode.Passed) console.error(`hil: interrupted by ${signal}: no verdict`);
    interruptDone = runInterruptCleanups().finally(() => process.exit(code));
  });
}

// exit explicitly: a spec may leave a handle open (mocha's `exit: true` habit).
process.exitCode = await main(process.argv.slice(2));
// After Ctrl-C the command may end before the cleanups (state file save): let them finish.
if (interruptDone) await interruptDone;
process.exit();
