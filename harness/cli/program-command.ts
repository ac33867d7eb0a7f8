/** `hil program <image>`: program the QSPI flash (harness plan or OpenOCD's own path), or the MCU's internal flash. */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { ExitCode } from '../exit-codes.js';
import { FAULT_INJECTORS, FaultPointSyntaxError, formatFaultPoint, parseFaultPoint, type FaultPoint } from '../faults/fault-point.js';
import type { InjectorKind } from '../faults/injectors.js';
import { writeTempFile } from '../flash/qspi-target.js';
import type { ProgrammingResult } from '../flash/programmer.js';
import { COMMON_USAGE, hex32, parseCommandArgs, parseSize } from './cli-args.js';
import { chooseBoard, withCliSession } from './cli-session.js';
import type { Command } from './command.js';
import { loadImageArgument, ImageFileError } from './image-input.js';
import { CliOutput } from './output.js';
import { progressFor } from './progress.js';
import { UsageError } from './usage-error.js';

export const INJECTOR_KINDS: readonly InjectorKind[] = [...FAULT_INJECTORS, 'virtual-chip-power-cut'];

const usage = `usage: hil program <image> [--offset <n>] [--plan | --openocd] [--fault <point> --injector <kind>]
       hil program --internal <elf>

Programs <image> (.img/.bin raw at --offset, default 0; .hex/.elf at their own addresses) into
the board's QSPI flash and verifies it on target (CRC), with a progress bar.
  --plan                the harness plan (default): erase each 64 KiB unit (each erase timed against
                        the W25Q512JV datasheet), write 4 KiB chunks, verify_image
  --openocd             OpenOCD's own path: reset init; flash write_image erase; verify_image
  --offset <n>          flash offset from the bank start (65536, 0x10000, 64K)
  --chunk-size <n>      write chunk of the plan (default 4K)
  --fault <point>       interrupt the plan there: erase:before:first, erase:after:3,
                        erase-in-flight:last:20ms, write:50%, write:4096, between-erase-and-write,
                        after-header, time:1500ms (needs --injector)
  --injector <kind>     ${INJECTOR_KINDS.join(', ')}
  --internal            <image> is an ELF for the MCU's internal flash (the bootloader):
                        flash write_image erase + verify_image. Needed once per virtual board
                        before 'hil boot' (its state file keeps it), e.g.
                        hil program --internal fixtures/firmware/build/bootloader.elf
${COMMON_USAGE}
Exit code: 0 programmed and verified (or interrupted where --fault asked: the landing is printed),
1 verify failed or an erase finished faster than the chip can erase (flash not cleared),
2 no verdict (missing image, bad fault point, OpenOCD/board trouble, busy board).`;

function parseInjector(text: string | undefined): InjectorKind | undefined {
  if (text === undefined) return undefined;
  if (!(INJECTOR_KINDS as readonly string[]).includes(text))
    throw new UsageError(`--injector: unknown kind "${text}" (one of ${INJECTOR_KINDS.join(', ')})`, 'program');
  return text as InjectorKind;
}

export interface ProgramArgs {
  readonly image: string;
  readonly method: 'plan' | 'openocd' | 'internal';
  readonly offset?: number;
  readonly chunkSize?: number;
  readonly faultPoint?: FaultPoint;
  readonly injector?: InjectorKind;
}

export function parseProgramArgs(values: Readonly<Record<string, string | boolean | undefined>>, positionals: readonly string[]): ProgramArgs {
  const image = positionals[0];
  if (image === undefined) throw new UsageError('give the image file to program', 'program');
  const chosen = (['plan', 'openocd', 'internal'] as const).filter((m) => values[m] === true);
  if (chosen.length > 1) throw new UsageError(`--${chosen.join(' and --')} exclude each other`, 'program');
  const method = chosen[0] ?? 'plan';
  let faultPoint: FaultPoint | undefined;
  if (typeof values.fault === 'string') {
    try {
      faultPoint = parseFaultPoint(values.fault);
    } catch (error) {
      if (error instanceof FaultPointSyntaxError) throw new UsageError(`--fault: ${error.message}`, 'program');
      throw error;
    }
  }
  const injector = parseInjector(values.injector as string | undefined);
  if (faultPoint && !injector) throw new UsageError('--fault needs --injector (which interruption to fire there)', 'program');
  if (injector && !faultPoint) throw new UsageError('--injector needs --fault (where to fire it)', 'program');
  if (faultPoint && method !== 'plan') throw new UsageError('--fault works with the harness plan only (drop --openocd / --internal)', 'program');
  if (method === 'internal' && values.offset !== undefined) throw new UsageError('--internal takes the addresses from the ELF; drop --offset', 'program');
  return {
    image,
    method,
    ...(typeof values.offset === 'string' ? { offset: parseSize(values.offset, '--offset', 'program') } : {}),
    ...(typeof values['chunk-size'] === 'string' ? { chunkSize: parseSize(values['chunk-size'], '--chunk-size', 'program') } : {}),
    ...(faultPoint ? { faultPoint } : {}),
    ...(injector ? { injector } : {}),
  };
}

/** The verdict of a harness-plan run: exit code and the one-line reason. */
export function programVerdict(result: Pick<ProgrammingResult, 'completed' | 'verify' | 'implausibleErases' | 'landing'>): {
  exitCode: number;
  reason: string;
} {
  if (result.implausibleErases.length > 0) {
    return {
      exitCode: ExitCode.VerdictFailed,
      reason: `flash not cleared: ${result.implausibleErases.length} erase(s) finished faster than the W25Q512JV can erase (first at ${hex32(result.implausibleErases[0]!.offset)}: ${result.implausibleErases[0]!.plausibility.explanation})`,
    };
  }
  if (result.landing) return { exitCode: ExitCode.Passed, reason: `interrupted by ${result.landing.injector} at ${result.landing.point} as asked` };
  if (result.verify && !result.verify.ok)
    return { exitCode: ExitCode.VerdictFailed, reason: `verify failed: ${result.verify.differences.length} difference(s) listed by verify_image` };
  if (!result.completed) return { exitCode: ExitCode.VerdictFailed, reason: 'the run did not complete' };
  return { exitCode: ExitCode.Passed, reason: 'programmed and verified' };
}

export const programCommand: Command = {
  summary: 'program an image into the QSPI flash (progress bar, optional fault point) or the bootloader (--internal)',
  usage,
  async run(args) {
    const { common, values, positionals } = parseCommandArgs(
      'program',
      args,
      {
        offset: { type: 'string' },
        'chunk-size': { type: 'string' },
        plan: { type: 'boolean' },
        openocd: { type: 'boolean' },
        internal: { type: 'boolean' },
        fault: { type: 'string' },
        injector: { type: 'string' },
      },
      1,
    );
    if (common.help) {
      console.log(usage);
      return ExitCode.Passed;
    }
    const out = new CliOutput(common.json);
    const parsed = parseProgramArgs(values, positionals);
    const { board } = chooseBoard(common);
    if (parsed.method === 'internal') {
      const elf = resolve(parsed.image);
      if (!existsSync(elf))
        throw new ImageFileError(parsed.image, 'no such file: give the bootloader ELF (fixtures/firmware/build/bootloader.elf, built by `npm run firmware`)');
      const result = await withCliSession(board, common, { uart: false }, (session) => session.programInternalFlash(elf));
      out.line(
        `board ${board.id}: programmed ${parsed.image} into the MCU's internal flash (${result.bytes} bytes, verified, ${(result.elapsedMs / 1000).toFixed(1)} s)`,
      );
      out.document({
        command: 'program',
        board: board.id,
        method: 'internal',
        image: elf,
        bytesWritten: result.bytes,
        verified: true,
        elapsedMs: Math.round(result.elapsedMs),
        exitCode: ExitCode.Passed,
      });
      return ExitCode.Passed;
    }
    const image = await loadImageArgument(parsed.image, board.qspi.base, parsed.offset);
    out.line(
      `board ${board.id}: ${image.path} (${image.bytes.length} bytes) -> QSPI flash ${hex32(image.offset)}..${hex32(image.offset + image.bytes.length)}${image.container ? `, image container ${image.container.image}${image.container.version !== undefined ? ` version ${image.container.version}` : ''}` : ''}`,
    );
    const imageDoc = { path: image.path, offset: image.offset, length: image.bytes.length, ...(image.container ? { container: image.container } : {}) };

    if (parsed.method === 'openocd') {
      const result = await withCliSession(board, common, { uart: false }, async (session) => {
        const file = await writeTempFile(session.flash.target, 'program.bin', image.bytes);
        return session.flash.programWithOpenOcd(file, { offset: image.offset });
      });
      const exitCode = result.verified === false ? ExitCode.VerdictFailed : ExitCode.Passed;
      for (const step of result.steps) out.line(`  ${step.ok ? 'ok ' : 'ERR'} ${(step.elapsedMs / 1000).toFixed(2).padStart(7)} s  ${step.command}`);
      out.line(
        exitCode === ExitCode.Passed
          ? `programmed and verified (${result.bytesWritten} bytes, ${(result.elapsedMs / 1000).toFixed(1)} s)`
          : `verify failed: ${result.differences.length} difference(s), first at ${hex32(result.differences[0]?.address ?? 0)}`,
      );
      out.document({
        command: 'program',
        board: board.id,
        method: 'openocd',
        image: imageDoc,
        bytesWritten: result.bytesWritten,
        verified: result.verified,
        differences: result.differences.slice(0, 16),
        steps: result.steps,
        elapsedMs: Math.round(result.elapsedMs),
        exitCode,
      });
      return exitCode;
    }

    const progress = progressFor(common.json);
    let result: ProgrammingResult;
    try {
      result = await withCliSession(board, common, { uart: false }, (session) =>
        session.flash.program(image.bytes, {
          offset: image.offset,
          onProgress: (e) => progress.update(e),
          ...(parsed.chunkSize !== undefined ? { chunkSize: parsed.chunkSize } : {}),
          ...(parsed.faultPoint ? { faultPoint: parsed.faultPoint } : {}),
          ...(parsed.injector ? { injector: parsed.injector } : {}),
        }),
      );
    } finally {
      progress.stop();
    }
    const verdict = programVerdict(result);
    out.line(`${result.erases.length} erase unit(s) of 64 KiB, ${result.bytesWritten} bytes written, ${(result.elapsedMs / 1000).toFixed(1)} s`);
    for (const erase of result.implausibleErases) out.line(`  implausible erase at ${hex32(erase.offset)}: ${erase.plausibility.explanation}`);
    if (result.landing) {
      const l = result.landing;
      out.line(
        `fault ${l.injector} at ${l.point}: fired in phase ${l.phase} after ${l.elapsedMs} ms; last acknowledged byte ${l.lastAckedByte}, last erased unit ${l.lastErasedUnit ?? 'none'}; in flight: ${l.inFlightCommand ?? 'nothing'} (${l.inFlightOutcome})`,
      );
      for (const note of l.notes) out.line(`  note: ${note}`);
    }
    if (result.verify) out.line(`verify: ${result.verify.ok ? 'ok (on-target CRC)' : `FAILED, ${result.verify.differences.length} difference(s)`}`);
    out.line(verdict.reason);
    out.document({
      command: 'program',
      board: board.id,
      method: 'plan',
      image: imageDoc,
      ...(parsed.faultPoint ? { faultPoint: formatFaultPoint(parsed.faultPoint), injector: parsed.injector } : {}),
      completed: result.completed,
      bytesWritten: result.bytesWritten,
      verify: result.verify ? { ok: result.verify.ok, differences: result.verify.differences.slice(0, 16) } : null,
      erases: result.erases.map((e) => ({
        offset: e.offset,
        length: e.length,
        elapsedMs: Math.round(e.elapsedMs * 10) / 10,
        plausible: e.plausibility.plausible,
      })),
      implausibleErases: result.implausibleErases.map((e) => ({ offset: e.offset, explanation: e.plausibility.explanation })),
      landing: result.landing ?? null,
      elapsedMs: Math.round(result.elapsedMs),
      verdict: verdict.reason,
      exitCode: verdict.exitCode,
    });
    return verdict.exitCode;
  },
};
