/** `hil erase --sectors a-b | --range r | --all`: erase part of the QSPI flash, or all of it (stmqspi mass_erase). */
import { ExitCode, NoVerdictError } from '../exit-codes.js';
import { COMMON_USAGE, hex32, parseCommandArgs, parseRange, parseSectors, type ByteRange } from './cli-args.js';
import { chooseBoard, withCliSession } from './cli-session.js';
import type { Command } from './command.js';
import { CliOutput } from './output.js';
import { UsageError } from './usage-error.js';

const BLOCK = 65536;

const usage = `usage: hil erase (--sectors <a-b> | --range <offset>+<length> | --all)

Erases QSPI flash. OpenOCD 0.12's stmqspi erases in the chip's largest erase unit (64 KiB, D8h/DCh),
so a range is widened to whole 64 KiB blocks; the output says which blocks were erased.
  --sectors <a-b>       4 KiB sector numbers, inclusive (0-15 = the first 64 KiB block)
  --range <r>           <offset>+<length> (0x100000+64K) or <start>..<end>
  --all                 stmqspi mass_erase (chip erase, C7h; ~200 s at datasheet timings); refused
                        with exit 2 on boards whose boards.json entry has allows.massErase false.
                        The duration is checked against the W25Q512JV's physics.
${COMMON_USAGE}
Exit code: 0 erased, 1 the chip erase finished faster than the chip can erase (not really erased),
2 no verdict (bad range, mass erase not allowed on this board, OpenOCD/board trouble).`;

export class MassEraseRefusedError extends NoVerdictError {
  constructor(
    readonly boardId: string,
    readonly boardsFile: string,
  ) {
    super(
      `board ${boardId} does not allow a mass erase (allows.massErase is false in ${boardsFile}): erase what you need with --sectors a-b or --range instead`,
    );
  }
}

/** The 64 KiB blocks OpenOCD will erase for [offset, offset+length). */
export function widenToBlocks(range: ByteRange): ByteRange {
  const start = Math.floor(range.offset / BLOCK) * BLOCK;
  const end = Math.ceil((range.offset + range.length) / BLOCK) * BLOCK;
  return { offset: start, length: end - start };
}

export const eraseCommand: Command = {
  summary: 'erase sectors (--sectors a-b, --range) or the whole chip (--all, where the board allows it)',
  usage,
  async run(args) {
    const { common, values } = parseCommandArgs('erase', args, { sectors: { type: 'string' }, range: { type: 'string' }, all: { type: 'boolean' } });
    if (common.help) {
      console.log(usage);
      return ExitCode.Passed;
    }
    const given = (['sectors', 'range', 'all'] as const).filter((k) => values[k] !== undefined);
    if (given.length !== 1)
      throw new UsageError(
        given.length === 0 ? 'say what to erase: --sectors a-b, --range <offset>+<length> or --all' : `--${given.join(' and --')} exclude each other`,
        'erase',
      );
    const out = new CliOutput(common.json);
    const { board, inventory } = chooseBoard(common);

    if (values.all === true) {
      // Refused before anything starts: the board's owner said no.
      if (!board.allows.massErase) throw new MassEraseRefusedError(board.id, inventory.file);
      out.line(`board ${board.id}: mass erase (stmqspi mass_erase) ...`);
      const result = await withCliSession(board, common, { uart: false }, (session) => session.flash.massErase());
      const exitCode = result.plausibility.plausible ? ExitCode.Passed : ExitCode.VerdictFailed;
      out.line(
        `${result.plausibility.plausible ? 'erased the whole chip' : 'flash not cleared: the chip erase finished too fast'} in ${(result.elapsedMs / 1000).toFixed(1)} s (${result.plausibility.explanation})`,
      );
      out.document({ command: 'erase', board: board.id, all: true, elapsedMs: Math.round(result.elapsedMs), plausibility: result.plausibility, exitCode });
      return exitCode;
    }
    const asked = typeof values.sectors === 'string' ? parseSectors(values.sectors, 'erase') : parseRange(values.range as string, '--range', 'erase');
    const erased = widenToBlocks(asked);
    const result = await withCliSession(board, common, { uart: false }, (session) => session.flash.erase(erased.offset, erased.length));
    out.line(
      `board ${board.id}: erased ${hex32(erased.offset)}..${hex32(erased.offset + erased.length)} (${erased.length / BLOCK} x 64 KiB block${erased.length === BLOCK ? '' : 's'}; asked ${hex32(asked.offset)}..${hex32(asked.offset + asked.length)}) in ${(result.elapsedMs / 1000).toFixed(2)} s`,
    );
    out.document({
      command: 'erase',
      board: board.id,
      asked,
      erased,
      openOcdSeconds: result.seconds,
      elapsedMs: Math.round(result.elapsedMs),
      exitCode: ExitCode.Passed,
    });
    return ExitCode.Passed;
  },
};
