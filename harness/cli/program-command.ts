/**
 * `hil program <image>`: program the QSPI flash (harness plan or OpenOCD's own path), or the MCU's
 * internal flash; or run the board's programming procedure (`--procedure <id>` / HIL_PROCEDURE,
 * harness/procedures), optionally interrupted at a procedure point.
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import type { BoardRecord, CommandProcedureSpec, OpenOcdProgramProcedureSpec, ProcedureSpec } from '../boards/types.js';
import { ExitCode, NoVerdictError } from '../exit-codes.js';
import { FAULT_INJECTORS, FaultPointSyntaxError, formatFaultPoint, parseFaultPoint, type FaultPoint } from '../faults/fault-point.js';
import type { InjectorKind } from '../faults/injectors.js';
import { writeTempFile } from '../flash/qspi-target.js';
import type { ProgrammingResult } from '../flash/programmer.js';
import { findProcedure, procedureChoice } from '../procedures/procedure.js';
import { PROCEDURE_INJECTORS, procedureFaultUnreachable, type ProcedureFault, type ProcedureInjectorKind } from '../procedures/procedure-injectors.js';
import { formatProcedurePoint, parseProcedurePoint } from '../procedures/procedure-point.js';
import { ProcedureFailedError, runProcedure, type ProcedureRun } from '../procedures/procedure-run.js';
import { COMMON_USAGE, hex32, parseCommandArgs, parseSize, type CommonFlags } from './cli-args.js';
import { chooseBoard, withCliSession } from './cli-session.js';
import type { Command } from './command.js';
import { loadImageArgument, ImageFileError } from './image-input.js';
import { CliOutput } from './output.js';
import { progressFor } from './progress.js';
import { UsageError } from './usage-error.js';

export const INJECTOR_KINDS: readonly InjectorKind[] = [...FAULT_INJECTORS, 'virtual-chip-power-cut'];

const usage = `usage: hil program <image> [--offset <n>] [--plan | --openocd] [--fault <point> --injector <kind>]
       hil program <image> --procedure <id> [--offset <n>] [--fault <point> --injector <kind>]
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
  --procedure <id>      run the board's programming procedure <id> instead (boards.json
                        procedures; 'hil boards --json' lists them); default HIL_PROCEDURE, else
                        openocd-plan, the harness plan above. --plan, --openocd and --internal choose
                        the method themselves: not with --procedure, and they ignore HIL_PROCEDURE.
                        An openocd-program or command procedure prints the command it ran, the
                        tool's exit, duration, progress and output. With it, --fault takes a
                        procedure point (needs --injector):
                          progress:<p>%        the tool's output states p % (its progress pattern)
                          line:<regex>         a line of the tool's output matches
                          time:<ms>            this long after the tool started (time:1500ms)
                          erase-in-flight:<unit>:<p>%, program-in-flight:<unit>[:<p>%]
                                               inside that chip operation (virtual boards; units
                                               are the image's 64 KiB units: first, middle, last, n)
                        and --injector one of ${PROCEDURE_INJECTORS.join(', ')} (kill-tool: a command's tool;
                        kill-openocd: OpenOCD's program). A fault the board or the procedure cannot
                        take is refused (exit 2) before the board is touched.
  --internal            <image> is an ELF for the MCU's internal flash (the bootloader):
                        flash write_image erase + verify_image. Needed once per virtual board
                        before 'hil boot' (its state file keeps it), e.g.
                        hil program --internal fixtures/firmware/build/bootloader.elf
${COMMON_USAGE}
Exit code: 0 programmed and verified (or interrupted where --fault asked: the landing is printed),
1 verify failed, an erase finished faster than the chip can erase (flash not cleared), or the
procedure failed (its tool failed, with no fault or before the fault point),
2 no verdict (missing image, bad fault point, unknown procedure, a tool that cannot start, a fault
that never fired, OpenOCD/board trouble, busy board).`;

function parseInjector(text: string | undefined): InjectorKind | undefined {
  if (text === undefined) return undefined;
  if (!(INJECTOR_KINDS as readonly string[]).includes(text)) {
    const hint = (PROCEDURE_INJECTORS as readonly string[]).includes(text) ? `; ${text} interrupts a procedure's run: name it with --procedure <id>` : '';
    throw new UsageError(`--injector: unknown kind "${text}" (one of ${INJECTOR_KINDS.join(', ')})${hint}`, 'program');
  }
  return text as InjectorKind;
}

/** The plan's --fault / --injector (its own grammar); undefined when neither is given. */
function planFault(faultText: string | undefined, injectorText: string | undefined): { faultPoint?: FaultPoint; injector?: InjectorKind } {
  let faultPoint: FaultPoint | undefined;
  if (faultText !== undefined) {
    try {
      faultPoint = parseFaultPoint(faultText);
    } catch (error) {
      if (error instanceof FaultPointSyntaxError) throw new UsageError(`--fault: ${error.message}`, 'program');
      throw error;
    }
  }
  const injector = parseInjector(injectorText);
  return { ...(faultPoint ? { faultPoint } : {}), ...(injector ? { injector } : {}) };
}

function pairedFault(faultText: string | undefined, injectorText: string | undefined): void {
  if (faultText !== undefined && injectorText === undefined) throw new UsageError('--fault needs --injector (which interruption to fire there)', 'program');
  if (injectorText !== undefined && faultText === undefined) throw new UsageError('--injector needs --fault (where to fire it)', 'program');
}

/** The procedure named by --procedure or HIL_PROCEDURE; which one and how to read --fault is the board's (resolveProcedure). */
export interface ProcedureRequest {
  readonly id: string;
  /** `--procedure` or `HIL_PROCEDURE`. */
  readonly chosenBy: string;
  /** --fault and --injector as typed: their grammar is the procedure kind's. */
  readonly fault?: string;
  readonly injector?: string;
}

export interface ProgramArgs {
  readonly image: string;
  readonly method: 'plan' | 'openocd' | 'internal';
  readonly offset?: number;
  readonly chunkSize?: number;
  readonly faultPoint?: FaultPoint;
  readonly injector?: InjectorKind;
  /** Set when a procedure is named (method is then 'plan' until the board's procedure says otherwise). */
  readonly procedure?: ProcedureRequest;
}

/**
 * The command line, read without the board. Rule: --plan, --openocd and --internal choose the
 * method (not with --procedure; HIL_PROCEDURE does not apply). Otherwise --procedure, else
 * HIL_PROCEDURE, may name a procedure; then --fault / --injector wait for its kind
 * (resolveProcedure). With no procedure named, the plan's grammar applies at once.
 */
export function parseProgramArgs(
  values: Readonly<Record<string, string | boolean | undefined>>,
  positionals: readonly string[],
  env: NodeJS.ProcessEnv = process.env,
): ProgramArgs {
  const image = positionals[0];
  if (image === undefined) throw new UsageError('give the image file to program', 'program');
  const chosen = (['plan', 'openocd', 'internal'] as const).filter((m) => values[m] === true);
  if (chosen.length > 1) throw new UsageError(`--${chosen.join(' and --')} exclude each other`, 'program');
  const flag = typeof values.procedure === 'string' ? values.procedure : undefined;
  if (flag !== undefined && chosen.length > 0)
    throw new UsageError(`--procedure and --${chosen[0]} exclude each other: --${chosen[0]} chooses the method itself (drop one)`, 'program');
  const method = chosen[0] ?? 'plan';
  const faultText = typeof values.fault === 'string' ? values.fault : undefined;
  const injectorText = typeof values.injector === 'string' ? values.injector : undefined;
  const choice = chosen.length === 0 ? procedureChoice(flag, env) : { id: undefined, chosenBy: '' };
  const common = {
    image,
    method,
    ...(typeof values.offset === 'string' ? { offset: parseSize(values.offset, '--offset', 'program') } : {}),
    ...(typeof values['chunk-size'] === 'string' ? { chunkSize: parseSize(values['chunk-size'], '--chunk-size', 'program') } : {}),
  } as const;
  if (choice.id !== undefined) {
    pairedFault(faultText, injectorText);
    const procedure: ProcedureRequest = {
      id: choice.id,
      chosenBy: choice.chosenBy,
      ...(faultText !== undefined ? { fault: faultText } : {}),
      ...(injectorText !== undefined ? { injector: injectorText } : {}),
    };
    return { ...common, procedure };
  }
  const { faultPoint, injector } = planFault(faultText, injectorText);
  if (faultPoint && !injector) throw new UsageError('--fault needs --injector (which interruption to fire there)', 'program');
  if (injector && !faultPoint) throw new UsageError('--injector needs --fault (where to fire it)', 'program');
  if (faultPoint && method !== 'plan') throw new UsageError('--fault works with the harness plan only (drop --openocd / --internal)', 'program');
  if (method === 'internal' && values.offset !== undefined) throw new UsageError('--internal takes the addresses from the ELF; drop --offset', 'program');
  return { ...common, ...(faultPoint ? { faultPoint } : {}), ...(injector ? { injector } : {}) };
}

/** A procedure that is not the harness plan, run as it is (harness/procedures/procedure-run.ts). */
export interface ProcedureProgramArgs {
  readonly image: string;
  readonly offset?: number;
  readonly procedure: OpenOcdProgramProcedureSpec | CommandProcedureSpec;
  readonly chosenBy: string;
  readonly fault?: ProcedureFault;
}

/**
 * The board's procedure applied to the command line: an `openocd-plan` procedure is the harness
 * plan (its --fault grammar: ProgramArgs without the request); any other runs as a procedure, with
 * a procedure point and one of PROCEDURE_INJECTORS. Mistakes are usage errors.
 */
export function resolveProcedure(parsed: ProgramArgs, procedure: ProcedureSpec): { readonly plan: ProgramArgs } | { readonly run: ProcedureProgramArgs } {
  const { procedure: request, ...rest } = parsed;
  if (request === undefined) return { plan: parsed };
  if (procedure.kind === 'openocd-plan') return { plan: { ...rest, ...planFault(request.fault, request.injector) } };
  if (parsed.chunkSize !== undefined)
    throw new UsageError(`--chunk-size is the harness plan's write chunk: procedure ${procedure.id} (${procedure.kind}) writes its own way`, 'program');
  let fault: ProcedureFault | undefined;
  if (request.fault !== undefined && request.injector !== undefined) {
    let point;
    try {
      point = parseProcedurePoint(request.fault);
    } catch (error) {
      if (error instanceof FaultPointSyntaxError) throw new UsageError(`--fault: ${error.message}`, 'program');
      throw error;
    }
    if (!(PROCEDURE_INJECTORS as readonly string[]).includes(request.injector))
      throw new UsageError(
        `--injector: unknown kind "${request.injector}" for procedure ${procedure.id} (${procedure.kind}): one of ${PROCEDURE_INJECTORS.join(', ')}`,
        'program',
      );
    fault = { injector: request.injector as ProcedureInjectorKind, point };
  }
  return {
    run: {
      image: parsed.image,
      ...(parsed.offset !== undefined ? { offset: parsed.offset } : {}),
      procedure,
      chosenBy: request.chosenBy,
      ...(fault ? { fault } : {}),
    },
  };
}

/** A fault the board or the procedure cannot take: refused before the board is touched (exit 2). */
export class ProcedureFaultUnreachableError extends NoVerdictError {
  constructor(
    readonly boardId: string,
    readonly procedureId: string,
    readonly fault: ProcedureFault,
    readonly reason: string,
  ) {
    super(`board ${boardId}: procedure ${procedureId} cannot be interrupted by ${fault.injector} at ${formatProcedurePoint(fault.point)}: ${reason}`);
  }
}

/** The verdict of a procedure run: exit code and the one-line reason. */
export function procedureVerdict(run: ProcedureRun): { exitCode: number; reason: string } {
  const fault = run.fault;
  if (fault?.fired) {
    if (fault.aim && !fault.aim.hit) return { exitCode: ExitCode.NoVerdict, reason: `the fault fired but missed its operation: ${fault.aim.notes.join('; ')}` };
    return { exitCode: ExitCode.Passed, reason: `interrupted by ${fault.injector} at ${fault.point} as asked` };
  }
  // A tool that failed by itself (before the point, or with no fault asked): the procedure's verdict.
  if (!run.succeeded) return { exitCode: ExitCode.VerdictFailed, reason: new ProcedureFailedError(run).message };
  if (fault) return { exitCode: ExitCode.NoVerdict, reason: `the fault never fired: ${fault.notes.join('; ')}` };
  return { exitCode: ExitCode.Passed, reason: `programmed with procedure ${run.procedure}` };
}

function describeExit(run: ProcedureRun): string {
  const exit = run.exit;
  if (exit === undefined) return run.kind === 'openocd-program' ? `OpenOCD's program ${run.succeeded ? 'returned ok' : 'failed'}` : 'no process';
  const how = exit.signal !== null ? `signal ${exit.signal}` : `code ${exit.exitCode}`;
  return `${how}${exit.timedOut ? ', timed out' : ''}${exit.killedByHarness ? ', killed by the harness' : ''}`;
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

/** The image for the QSPI flash (raw at `offset`, or at its own addresses), announced in one line. */
async function loadQspiImage(board: BoardRecord, path: string, offset: number | undefined, out: CliOutput) {
  const image = await loadImageArgument(path, board.qspi.base, offset);
  out.line(
    `board ${board.id}: ${image.path} (${image.bytes.length} bytes) -> QSPI flash ${hex32(image.offset)}..${hex32(image.offset + image.bytes.length)}${image.container ? `, image container ${image.container.image}${image.container.version !== undefined ? ` version ${image.container.version}` : ''}` : ''}`,
  );
  const imageDoc = { path: image.path, offset: image.offset, length: image.bytes.length, ...(image.container ? { container: image.container } : {}) };
  return { image, imageDoc };
}

/** `--procedure <id>` of kind openocd-program or command: run it (optionally interrupted) and judge the run. */
async function runProcedureCommand(board: BoardRecord, common: CommonFlags, out: CliOutput, args: ProcedureProgramArgs): Promise<number> {
  const { procedure, fault } = args;
  const { image, imageDoc } = await loadQspiImage(board, args.image, args.offset, out);
  out.line(
    `procedure ${procedure.id} (${procedure.kind}, chosen by ${args.chosenBy}): ${procedure.description}${fault ? `; interrupted by ${fault.injector} at ${formatProcedurePoint(fault.point)}` : ''}`,
  );
  const run = await withCliSession(board, common, { uart: false }, (session) =>
    runProcedure(session, procedure, image.bytes, { offset: image.offset, ...(fault ? { fault } : {}) }),
  );
  const verdict = procedureVerdict(run);
  const transcript = run.transcript === '' ? [] : run.transcript.split('\n');
  const last = run.progress.at(-1);
  out.line(`ran: ${run.command}`);
  out.line(`tool output (${transcript.length} line(s)):`);
  for (const line of transcript) out.line(`    ${line}`);
  out.line(
    `exit: ${describeExit(run)} after ${(run.durationMs / 1000).toFixed(1)} s; progress: ${run.progress.length} sample(s)${last ? `, last ${last.percent.toFixed(1)} % (${JSON.stringify(last.line)})` : ''}`,
  );
  if (run.fault) {
    const f = run.fault;
    const trigger = f.trigger !== undefined ? ` on ${f.trigger}` : '';
    const stated = f.progressAtFire && !f.point.startsWith('progress:') ? `; the tool had stated ${f.progressAtFire.percent.toFixed(1)} %` : '';
    out.line(f.fired ? `fault ${f.injector} at ${f.point}: fired${trigger}${stated}` : `fault ${f.injector} at ${f.point}: never fired`);
    // The landing's notes (a command's first one repeats the trigger), then the run's own.
    for (const note of [...(f.landing?.notes ?? []).filter((n) => n !== `fired${trigger}`), ...f.notes]) out.line(`  note: ${note}`);
    if (f.aim) out.line(`  aim ${f.aim.aim}: ${f.aim.hit ? 'hit' : 'missed'}${f.aim.notes.length > 0 ? ` (${f.aim.notes.join('; ')})` : ''}`);
  }
  out.line(verdict.reason);
  out.document({
    command: 'program',
    board: board.id,
    method: 'procedure',
    procedure: { id: procedure.id, kind: procedure.kind, chosenBy: args.chosenBy },
    image: imageDoc,
    ...(fault ? { faultPoint: formatProcedurePoint(fault.point), injector: fault.injector } : {}),
    commandLine: run.command,
    exit: run.exit ?? null,
    succeeded: run.succeeded,
    failure: run.failure ?? null,
    durationMs: Math.round(run.durationMs),
    progress: { samples: run.progress.length, last: last ?? null },
    transcript,
    fault: run.fault ?? null,
    verdict: verdict.reason,
    exitCode: verdict.exitCode,
  });
  return verdict.exitCode;
}

export const programCommand: Command = {
  summary: "program an image into the QSPI flash (progress bar, optional fault point; --procedure: the board's own procedure) or the bootloader (--internal)",
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
        procedure: { type: 'string' },
      },
      1,
    );
    if (common.help) {
      console.log(usage);
      return ExitCode.Passed;
    }
    const out = new CliOutput(common.json);
    const request = parseProgramArgs(values, positionals);
    const { board } = chooseBoard(common);
    const resolved = request.procedure ? resolveProcedure(request, findProcedure(board, request.procedure.id, request.procedure.chosenBy)) : { plan: request };
    if ('run' in resolved) {
      const { procedure, fault } = resolved.run;
      const unreachable = fault ? procedureFaultUnreachable(procedure, board, fault) : undefined;
      if (fault && unreachable !== undefined) throw new ProcedureFaultUnreachableError(board.id, procedure.id, fault, unreachable);
      return runProcedureCommand(board, common, out, resolved.run);
    }
    const parsed = resolved.plan;
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
    const { image, imageDoc } = await loadQspiImage(board, parsed.image, parsed.offset, out);

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
