/**
 * `npm run soak -- --cycles N [--seed S] [--board ID]`: random injector × fault point × moment
 * cycles of the interrupted-programming scenario on one board (the virtual one by default), each
 * one: lay down the previous image, interrupt, observe the landing, boot, re-run, verify, boot.
 * Not part of `npm test`. It counts what must stay zero:
 *
 * - undetected bad images: a boot after the fault that accepted an image although the flash
 *   shows it touched, or a fault at boot, or a re-run that did not leave a bootable image;
 * - landings missed: a fault that could not be made to land where the cycle said;
 * - contradictions: acknowledged work the flash contradicts (a procedure that lies);
 * - faults not confirmed: a power cut or SRST the MCU's reset flags do not show;
 * - leaked processes: anything the session started still alive after it closed.
 *
 * Prints one `soak <name>: <number> <unit>` line per figure; exits 1 when a count is not zero.
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { ensureFirmwareBuilt } from '../fixtures/firmware/build.js';
import { selectBoard } from '../harness/boards/index.js';
import { FaultNotConfirmedError } from '../harness/faults/index.js';
import { FaultDidNotLandError } from '../harness/flash/index.js';
import { BoardSession } from '../harness/session/index.js';
import { descendantsOf } from '../harness/session/testing/process-tree.js';
import { mulberry32 } from '../lib/prng.js';
import { bootAndObserve, describeBoot, faultSeen } from './support/boot.js';
import { NEW_VERSION, PREVIOUS_VERSION, scenarioImages } from './support/images.js';
import { interruptAndObserve, unsupported, type MatrixCase } from './support/interruption.js';

const { values } = parseArgs({
  options: {
    cycles: { type: 'string', default: '10' },
    seed: { type: 'string', default: '1' },
    board: { type: 'string' },
    'time-scale': { type: 'string', default: '0.002' },
  },
});
const cycles = Number(values.cycles);
const seed = Number(values.seed);
if (!(Number.isInteger(cycles) && cycles > 0)) throw new RangeError(`--cycles must be a positive integer, got ${values.cycles}`);

const say = (line: string): void => void process.stdout.write(`${line}\n`);
const commandLine = (pid: number): string => {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ').trim();
  } catch {
    return '(gone)';
  }
};
const random = mulberry32(seed);
const pick = <T>(items: readonly T[]): T => items[random() % items.length]!;
const percent = (): number => 5 + (random() % 91);
const unit = (): number | string => pick<number | string>(['first', 'middle', 'last', random() % 17]);

/** A random point the injector can reach (reach.ts: Tcl-driven injectors only between commands). */
function randomCase(): MatrixCase {
  const injector = pick(['power-cut', 'kill-openocd', 'srst', 'tcl-shutdown'] as const);
  const between = [
    () => `erase:after:${unit()}`,
    () => `erase:before:${unit()}`,
    () => 'between-erase-and-write',
    () => 'after-header',
    () => `write:${percent()}%`,
  ];
  const inside = [() => `erase-in-flight:${unit()}:${percent()}%`, () => `program-in-flight:${unit()}:${percent()}%`];
  const points = injector === 'power-cut' || injector === 'kill-openocd' ? [...between, ...inside, ...inside] : between;
  return { injector, point: pick(points)() };
}

const board = selectBoard(values.board ? { board: values.board } : {}).board;
const session = await BoardSession.open(board, { timeScale: Number(values['time-scale']) });
const counts = { undetectedBadImages: 0, landingsMissed: 0, notConfirmed: 0, contradictions: 0, skipped: 0 };
const startedAt = performance.now();
try {
  await session.programInternalFlash(ensureFirmwareBuilt().bootloaderElf);
  for (let cycle = 1; cycle <= cycles; cycle++) {
    const c = randomCase();
    const label = `cycle ${cycle}/${cycles}: ${c.injector} at ${c.point}`;
    const why = unsupported(c, session.board);
    if (why) {
      counts.skipped++;
      say(`${label}: skipped (${why})`);
      continue;
    }
    if (session.interrupted !== undefined || session.broken !== undefined) await session.reconnect();
    try {
      const result = await interruptAndObserve(session, c, { images: scenarioImages() });
      if (result.check.contradictions.length > 0) {
        counts.contradictions++;
        say(`${label}: CONTRADICTION ${result.check.contradictions.join('; ')}`);
        continue;
      }
      const afterFault = await bootAndObserve(session);
      const acceptedOld = afterFault.image === 'ok' && afterFault.version === PREVIOUS_VERSION && result.observation.observed === 'none';
      const acceptedNew = afterFault.image === 'ok' && afterFault.version === NEW_VERSION && result.observation.units.every((u) => u.state === 'new');
      const refused = afterFault.image === 'rejected' || afterFault.image === 'absent';
      const rerun = await session.flash.program(scenarioImages().image, { chunkSize: 16 * 1024 });
      const finalBoot = await bootAndObserve(session);
      const recovered = rerun.verify?.ok === true && finalBoot.image === 'ok' && finalBoot.version === NEW_VERSION && !faultSeen(finalBoot);
      if (faultSeen(afterFault) || !(acceptedOld || acceptedNew || refused) || !recovered) {
        counts.undetectedBadImages++;
        say(`${label}: BAD IMAGE after the fault: ${describeBoot(afterFault)}; after the re-run: ${describeBoot(finalBoot)}`);
        continue;
      }
      say(
        `${label}: landed ${result.observation.observed} at unit ${result.observation.unit ?? '-'} (${result.observation.fingerprint}); boot ${afterFault.image}; re-run ok`,
      );
    } catch (error) {
      if (error instanceof FaultNotConfirmedError) {
        counts.notConfirmed++;
        say(`${label}: NOT CONFIRMED ${error.message}`);
        continue;
      }
      if (!(error instanceof FaultDidNotLandError)) throw error;
      counts.landingsMissed++;
      say(`${label}: MISSED ${error.message}`);
    }
  }
} finally {
  await session.close();
}
// Give the kernel a moment to reap what close() stopped, then look for survivors: everything the
// session starts (OpenOCD, the virtual board, its socat bridges) descends from this process.
await new Promise((resolve) => setTimeout(resolve, 500));
// tsx's own esbuild service lives as long as this process: it is the loader's, not the session's.
const leaked = descendantsOf(process.pid).filter((pid) => !/esbuild --service/.test(commandLine(pid)));
for (const pid of leaked) say(`leaked: pid ${pid} ${commandLine(pid)}`);
const minutes = (performance.now() - startedAt) / 60_000;
say(`soak cycles: ${cycles} count`);
say(`soak undetected-bad-images: ${counts.undetectedBadImages} count`);
say(`soak landings-missed: ${counts.landingsMissed} count`);
say(`soak faults-not-confirmed: ${counts.notConfirmed} count`);
say(`soak contradictions: ${counts.contradictions} count`);
say(`soak leaked-processes: ${leaked.length} count`);
say(`soak skipped: ${counts.skipped} count`);
say(`soak wall: ${minutes.toFixed(1)} min`);
process.exit(counts.undetectedBadImages + counts.landingsMissed + counts.notConfirmed + counts.contradictions + leaked.length === 0 ? 0 : 1);
