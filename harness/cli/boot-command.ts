/** `hil boot`: reset the board and show what the bootloader (and the app) said on the UART. */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { ExitCode } from '../exit-codes.js';
import { readBoot } from './boot-log-reader.js';
import { COMMON_USAGE, parseCommandArgs, parseDuration } from './cli-args.js';
import { chooseBoard, withCliSession } from './cli-session.js';
import type { Command } from './command.js';
import { ImageFileError } from './image-input.js';
import { CliOutput } from './output.js';

const usage = `usage: hil boot [--timeout <t>] [--bootloader <elf>]

Resets the board ('reset run') and prints the boot log (fixtures/firmware/BOOT_LOG.md) as it
arrives on the UART, then what it means: the bootloader's verdict (HIL-BOOT image=ok / rejected
reason=... / absent), the app's first line, or a fault (HIL-FAULT, CFSR/HFSR decoded).
The bootloader must be in the MCU's internal flash: 'hil program --internal <elf>' once (a
virtual board keeps it in its state file), or --bootloader here.
  --timeout <t>         how long to wait for the verdict (default 10s)
  --bootloader <elf>    program this ELF into internal flash first (e.g. fixtures/firmware/build/bootloader.elf)
${COMMON_USAGE}
Exit code: 0 the bootloader gave a verdict (whatever it was: this command reports), 1 the board
faulted (HIL-FAULT), 2 nothing usable came (no verdict line), or OpenOCD/UART trouble.`;

export const bootCommand: Command = {
  summary: 'reset the board and show the parsed boot log (exit 1 on HIL-FAULT, 2 when nothing came)',
  usage,
  async run(args) {
    const { common, values } = parseCommandArgs('boot', args, { timeout: { type: 'string' }, bootloader: { type: 'string' } });
    if (common.help) {
      console.log(usage);
      return ExitCode.Passed;
    }
    const timeoutMs = typeof values.timeout === 'string' ? parseDuration(values.timeout, '--timeout', 'boot') : 10_000;
    const bootloader = typeof values.bootloader === 'string' ? resolve(values.bootloader) : undefined;
    if (bootloader !== undefined && !existsSync(bootloader))
      throw new ImageFileError(
        values.bootloader as string,
        'no such file: give the bootloader ELF (fixtures/firmware/build/bootloader.elf, built by `npm run firmware`)',
      );
    const out = new CliOutput(common.json);
    const { board } = chooseBoard(common);
    // This boot is the UART's proof: one at open would run the bootloader first and change what it reports.
    const story = await withCliSession(board, common, { uartProofAtOpen: false }, async (session) => {
      if (bootloader !== undefined) {
        const r = await session.programInternalFlash(bootloader);
        out.line(`board ${board.id}: programmed ${bootloader} into internal flash (${r.bytes} bytes, verified)`);
      }
      await session.boot();
      return readBoot(session.uart, timeoutMs);
    });
    out.line(`board ${board.id}: boot log`);
    // The bootloader starts with a bare CRLF (BOOT_LOG.md): empty lines are kept in JSON, not shown.
    const shown = story.lines.filter((l) => l.text.trim() !== '');
    for (const l of shown) out.line(`  [+${(l.atMs / 1000).toFixed(3)}s] ${l.text}`);
    if (shown.length === 0) out.line('  (nothing)');
    out.line(story.conclusion);
    const exitCode = story.exitCode;
    if (exitCode === ExitCode.NoVerdict) out.note(`hil boot: ${story.conclusion}`);
    out.document({
      command: 'boot',
      board: board.id,
      lines: story.lines.map((l) => ({
        atMs: Math.round(l.atMs),
        text: l.text,
        kind: l.event.kind,
        ...(l.event.kind !== 'other' ? { fields: l.event.fields } : {}),
      })),
      verdict: story.verdict ?? null,
      app: story.appLine ?? null,
      fault: story.fault
        ? { type: story.fault.type, where: story.fault.where ?? null, registers: story.fault.registers, explanation: story.fault.explanation }
        : null,
      conclusion: story.conclusion,
      exitCode,
    });
    return exitCode;
  },
};
