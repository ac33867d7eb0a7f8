/** `hil blank-check [--range r | --sectors a-b]`: is the QSPI flash erased (all 0xFF)? */
import { ExitCode } from '../exit-codes.js';
import { COMMON_USAGE, hex32, parseCommandArgs, parseRange, parseSectors } from './cli-args.js';
import { chooseBoard, withCliSession } from './cli-session.js';
import type { Command } from './command.js';
import { CliOutput } from './output.js';
import { UsageError } from './usage-error.js';

const usage = `usage: hil blank-check [--range <offset>+<length> | --sectors <a-b>]

Checks that flash reads all 0xFF. With a range: an on-target compare with 0xFF (OpenOCD's CRC loader),
then per 64 KiB block where it disagrees. Without: OpenOCD's 'flash erase_check' of the whole bank
(its blank-check loader over 64 MiB: about a minute on the virtual board).
  --range <r>           <offset>+<length> (0x100000+64K) or <start>..<end>
  --sectors <a-b>       4 KiB sector numbers, inclusive
${COMMON_USAGE}
Exit code: 0 blank, 1 not blank (the non-blank 64 KiB blocks are listed), 2 no verdict.`;

export const blankCheckCommand: Command = {
  summary: 'check that the flash (or a range) is erased; exit 1 lists the blocks that are not',
  usage,
  async run(args) {
    const { common, values } = parseCommandArgs('blank-check', args, { range: { type: 'string' }, sectors: { type: 'string' } });
    if (common.help) {
      console.log(usage);
      return ExitCode.Passed;
    }
    if (values.range !== undefined && values.sectors !== undefined) throw new UsageError('--range and --sectors exclude each other', 'blank-check');
    const range =
      typeof values.range === 'string'
        ? parseRange(values.range, '--range', 'blank-check')
        : typeof values.sectors === 'string'
          ? parseSectors(values.sectors, 'blank-check')
          : undefined;
    const rangeOnly = range ? { offset: range.offset, length: range.length } : undefined;
    const out = new CliOutput(common.json);
    const { board } = chooseBoard(common);
    const result = await withCliSession(board, common, { uart: false }, (session) => session.flash.blankCheck(rangeOnly));
    const where = rangeOnly ? `${hex32(rangeOnly.offset)}..${hex32(rangeOnly.offset + rangeOnly.length)}` : 'the whole bank';
    const exitCode = result.blank ? ExitCode.Passed : ExitCode.VerdictFailed;
    if (result.blank) out.line(`board ${board.id}: ${where} is blank (${(result.elapsedMs / 1000).toFixed(2)} s)`);
    else
      out.line(
        `board ${board.id}: ${where} is NOT blank: ${result.notBlankUnits.length} block(s) hold data: ${result.notBlankUnits.slice(0, 16).map(hex32).join(', ')}${result.notBlankUnits.length > 16 ? ', ...' : ''}`,
      );
    out.document({
      command: 'blank-check',
      board: board.id,
      range: rangeOnly ?? null,
      blank: result.blank,
      notBlankUnits: result.notBlankUnits,
      elapsedMs: Math.round(result.elapsedMs),
      exitCode,
    });
    return exitCode;
  },
};
