/**
 * `hil`: the harness command for people and CI. `tsx harness/cli.ts <command> [options]`.
 * Subcommands live in harness/cli/ and are listed in one table; later issues add program,
 * erase, blank-check, recover, report.
 * Exit codes (harness/exit-codes.ts): 0 passed, 1 the board failed a check, 2 no verdict.
 */
import { ExitCode, isNoVerdictError } from './exit-codes.js';
import { boardsCommand } from './cli/boards-command.js';
import type { Command } from './cli/command.js';
import { testCommand } from './cli/test-command.js';
import { UsageError } from './cli/usage-error.js';

const commands: Readonly<Record<string, Command>> = {
  test: testCommand,
  boards: boardsCommand,
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
    if (error instanceof UsageError) {
      console.error(`hil ${name}: ${error.message}\n\n${command.usage}`);
    } else if (isNoVerdictError(error)) {
      console.error(`hil ${name}: ${(error as Error).message}`);
    } else {
      console.error(`hil ${name}: unexpected error (harness bug):`, error);
    }
    return ExitCode.NoVerdict;
  }
}

// Ctrl-C or a CI timeout: no verdict. process.exit runs the 'exit' hooks (board lock release);
// a second signal kills at once.
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    console.error(`hil: interrupted by ${signal}: no verdict`);
    process.exit(ExitCode.NoVerdict);
  });
}

// exit explicitly: a spec may leave a handle open (mocha's `exit: true` habit).
process.exitCode = await main(process.argv.slice(2));
process.exit();
