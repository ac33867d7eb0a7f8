/** `hil map <image>`: the sector map of the flash against an image, to the terminal and to SVG. */
import { writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { ExitCode } from '../exit-codes.js';
import { SECTOR_STATES, type SectorMap } from '../flash/sector-map.js';
import { COMMON_USAGE, hex32, parseCommandArgs, parseRange, parseSize } from './cli-args.js';
import { chooseBoard, withCliSession } from './cli-session.js';
import type { Command } from './command.js';
import { loadImageArgument } from './image-input.js';
import { CliOutput } from './output.js';
import { explainStates, renderSectorGrid } from '../report/sector-grid.js';
import { UsageError } from './usage-error.js';

const usage = `usage: hil map <image> [--previous <image>] [--offset <n>] [--range <r>] [--svg <out.svg>]

Maps every 4 KiB sector of the flash against <image> (as 'hil program' would place it): match,
erased, stale (still --previous), partial (write stopped), half-erased (erase cut short), corrupt.
Cheap: one on-target CRC compare, then per 64 KiB block, reading back only blocks that differ.
Prints a grid (one character a sector, 16 a 64 KiB block) and a legend; --svg writes the picture.
  --previous <image>    the image that was there before: tells stale from corrupt
  --offset <n>          flash offset of <image> (default 0 for .img/.bin)
  --range <r>           map this range instead of the image's 64 KiB blocks (<offset>+<length>)
  --svg <file>          also write the sector map as SVG
${COMMON_USAGE}
Exit code: 0 every sector holds what <image> says, 1 some do not (the grid shows which),
2 no verdict (missing image, OpenOCD/board trouble).`;

export function mapDocument(map: SectorMap): Record<string, unknown> {
  return {
    start: map.start,
    sectors: map.sectors.length,
    clean: map.clean,
    summary: map.summary(),
    counts: Object.fromEntries(SECTOR_STATES.map((s) => [s, map.count(s)])),
    blocks: map.blocks().map((b) => ({ offset: b.offset, state: b.state })),
    problems: map.problems().map((p) => ({
      offset: p.offset,
      state: p.state,
      differingBytes: p.differingBytes,
      ...(p.firstDifference !== undefined ? { firstDifference: p.firstDifference } : {}),
    })),
  };
}

export const mapCommand: Command = {
  summary: 'sector map of the flash against an image (terminal grid, --svg picture)',
  usage,
  async run(args) {
    const { common, values, positionals } = parseCommandArgs(
      'map',
      args,
      { previous: { type: 'string' }, offset: { type: 'string' }, range: { type: 'string' }, svg: { type: 'string' } },
      1,
    );
    if (common.help) {
      console.log(usage);
      return ExitCode.Passed;
    }
    const imagePath = positionals[0];
    if (imagePath === undefined) {
      throw new UsageError('give the image the flash should hold (e.g. fixtures/firmware/build/app.img)', 'map');
    }
    const offset = typeof values.offset === 'string' ? parseSize(values.offset, '--offset', 'map') : undefined;
    const range = typeof values.range === 'string' ? parseRange(values.range, '--range', 'map') : undefined;
    const out = new CliOutput(common.json);
    const { board } = chooseBoard(common);
    const image = await loadImageArgument(imagePath, board.qspi.base, offset);
    const previous = typeof values.previous === 'string' ? await loadImageArgument(values.previous, board.qspi.base, offset) : undefined;
    const title = `${board.id}: flash vs ${imagePath}`;
    const result = await withCliSession(board, common, { uart: false }, (session) =>
      session.flash.sectorMap({
        expected: image.bytes,
        offset: image.offset,
        ...(previous ? { previous: previous.bytes, previousOffset: previous.offset } : {}),
        ...(range ? { range } : {}),
        title,
      }),
    );
    let svgPath: string | undefined;
    if (typeof values.svg === 'string') {
      svgPath = resolve(values.svg);
      await writeFile(svgPath, result.svg);
    }
    const map = result.map;
    const exitCode = map.clean ? ExitCode.Passed : ExitCode.VerdictFailed;
    out.line(
      `board ${board.id}: flash ${hex32(map.start)}..${hex32(map.start + map.sectors.length * 4096)} against ${image.path} at ${hex32(image.offset)}${previous ? ` (previous: ${previous.path})` : ''}`,
    );
    out.line();
    for (const line of renderSectorGrid(map)) out.line(line);
    for (const line of explainStates(map)) out.line(line);
    out.line();
    out.line(`${map.clean ? 'every sector holds the image' : 'NOT every sector holds the image'}: ${map.summary()}`);
    out.line(
      `cost: ${result.unitsMatchedOnTarget} block(s) settled by on-target CRC, ${result.unitsReadBack.length} read back (${result.bytesReadBack} bytes), ${(result.elapsedMs / 1000).toFixed(2)} s`,
    );
    if (svgPath) out.line(`picture: ${svgPath}`);
    out.document({
      command: 'map',
      board: board.id,
      image: { path: image.path, offset: image.offset, length: image.bytes.length },
      ...(previous ? { previous: { path: previous.path, offset: previous.offset, length: previous.bytes.length } } : {}),
      map: mapDocument(map),
      unitsMatchedOnTarget: result.unitsMatchedOnTarget,
      unitsReadBack: result.unitsReadBack,
      bytesReadBack: result.bytesReadBack,
      svg: svgPath ?? null,
      elapsedMs: Math.round(result.elapsedMs),
      exitCode,
    });
    return exitCode;
  },
};
