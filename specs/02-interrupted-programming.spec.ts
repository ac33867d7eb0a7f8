/**
 * Spec 2, interrupted programming then a normal re-run (the field report's scenario). For every
 * injector × fault point: start from a flash holding a different, larger previous image;
 * interrupt a programming run; (a) the boot must not accept the partial image; (b) the next
 * normal run with erase, no manual chip erase, must leave exactly the image, and every unit
 * its erase phase cleared must be truly blank (checked on a first pass stopped right after the
 * erase phase); (c) the board boots the image.
 */
import { expect } from 'chai';
import { FAULT_INJECTORS, parseFaultPoint, type FaultInjectorKind } from '../harness/faults/index.js';
import { IMAGE_HEADER_SIZE } from '../harness/image/index.js';
import { attachJson, labels, parameter, step, VerdictPhrase } from '../harness/report/index.js';
import { bootAndObserve, describeBoot, faultSeen } from './support/boot.js';
import { skipBecause } from './support/board.js';
import { withEvidence } from './support/evidence.js';
import { eraseUnitsCovering, NEW_VERSION, PREVIOUS_VERSION, specImages } from './support/images.js';
import { useSpecSession } from './support/session.js';
import { StopAfterErase } from './support/stop-after-erase.js';

/** The points a firmware lead names; with a one-unit image first/middle/last erase units coincide. */
export const MATRIX_POINTS = [
  'erase-in-flight:first:0ms',
  'erase-in-flight:middle:0ms',
  'erase-in-flight:last:0ms',
  'between-erase-and-write',
  'after-header',
  'write:1%',
  'write:50%',
  'write:99%',
] as const;

/** Why this board cannot take this injector, or undefined when it can. */
function unsupported(
  kind: FaultInjectorKind,
  board: { allows: { powerCut: boolean }; reset: { srst?: boolean }; power: { type: string }; openocd: { tclPort?: number } },
): string | undefined {
  if (kind === 'power-cut' && !board.allows.powerCut) return 'boards.json allows.powerCut is false for this board';
  if (kind === 'power-cut' && board.power.type === 'none') return 'the board has no power switch (power.type none)';
  if (kind === 'srst' && board.reset.srst !== true) return 'the board has no SRST line wired (reset.srst)';
  if (kind === 'kill-openocd' && board.openocd.tclPort !== undefined) return 'OpenOCD runs on another host (openocd.tclPort): the harness cannot kill it';
  return undefined;
}

describe('Interrupted programming, then a normal re-run (no manual chip erase)', function () {
  this.timeout(180_000);
  const board = useSpecSession();
  const injectors = (process.env.HIL_SPEC_INJECTORS?.split(',') as FaultInjectorKind[] | undefined) ?? FAULT_INJECTORS;
  const points = process.env.HIL_SPEC_POINTS?.split(',') ?? MATRIX_POINTS;

  for (const kind of injectors) {
    describe(`interrupted by ${kind}`, () => {
      for (const pointText of points) {
        it(`${kind} at ${pointText}: boot refuses the partial image; the next normal run leaves exactly the image, its erase truly cleared; boot ok`, async function () {
          const session = board();
          await labels({ epic: 'mission', feature: 'interrupted programming', story: kind, severity: 'critical' });
          await parameter('injector', kind);
          await parameter('fault point', pointText);
          const why = unsupported(kind, session.board);
          if (why) return skipBecause(this, why);
          const { image, previous } = specImages();
          await withEvidence(session, async () => {
            await step('flash holds the previous, larger image (version 1)', async () => {
              const run = await session.flash.program(previous, { chunkSize: 16 * 1024 });
              expect(run.verify?.ok, 'could not lay down the previous image').to.equal(true);
            });

            const interrupted = await step(`program the new image, interrupted by ${kind} at ${pointText}`, () =>
              session.flash.program(image, { faultPoint: parseFaultPoint(pointText), injector: kind, headerLength: IMAGE_HEADER_SIZE, chunkSize: 1024 }),
            );
            await attachJson('fault landing', interrupted.landing);
            expect(interrupted.completed, 'the fault did not fire').to.equal(false);
            if (session.interrupted !== undefined || session.broken !== undefined) await step('reconnect (the next run)', () => session.reconnect());

            const afterFault = await step('(a) boot after the fault', () => bootAndObserve(session));
            await attachJson('(a) boot after the fault', afterFault);
            expect(faultSeen(afterFault), `${VerdictPhrase.bootFault} after an interrupted run: ${describeBoot(afterFault)}`).to.equal(false);
            // The old image, untouched, may still boot (the fault came before its erase took effect);
            // anything else accepted is the partial new one.
            expect(afterFault.image, `no boot verdict on the UART after the fault: ${describeBoot(afterFault)}`).to.be.a('string');
            const acceptedOld = afterFault.image === 'ok' && afterFault.version === PREVIOUS_VERSION;
            expect(
              acceptedOld || afterFault.image === 'rejected' || afterFault.image === 'absent',
              `${VerdictPhrase.bootAcceptedBadImage}: ${describeBoot(afterFault)}`,
            ).to.equal(true);

            const units = eraseUnitsCovering(0, image.length);
            await step('(b) first pass stopped right after the erase phase: every erased unit is blank', async () => {
              const pass = await session.flash.program(image, { faultPoint: parseFaultPoint('between-erase-and-write'), injector: new StopAfterErase() });
              await attachJson('erase phase', pass.erases);
              const blank = await session.flash.blankCheck(units);
              expect(
                blank.blank,
                `${VerdictPhrase.flashNotCleared}: units ${blank.notBlankUnits.map((o) => `0x${o.toString(16)}`).join(', ')} not blank after erase`,
              ).to.equal(true);
            });
            await step('(b) the normal run: erase, write, verify; sector map equals the image', async () => {
              const run = await session.flash.program(image, { chunkSize: 4 * 1024 });
              expect(run.verify?.ok, `${VerdictPhrase.flashNotCleared}: verify_image found ${run.verify?.differences.length ?? '?'} differences`).to.equal(
                true,
              );
              const map = await session.flash.sectorMap({ expected: image, previous, title: `after ${kind} at ${pointText} and a normal re-run` });
              expect(map.map.problems(), `${VerdictPhrase.flashNotCleared}: ${map.map.summary()}`).to.deep.equal([]);
            });
            const finalBoot = await step('(c) boot', () => bootAndObserve(session));
            await attachJson('(c) boot after the re-run', finalBoot);
            expect(faultSeen(finalBoot), `${VerdictPhrase.bootFault}: ${describeBoot(finalBoot)}`).to.equal(false);
            expect(finalBoot.image, `boot did not accept the re-programmed image: ${describeBoot(finalBoot)}`).to.equal('ok');
            expect(finalBoot.version).to.equal(NEW_VERSION);
          });
        });
      }
    });
  }
});
