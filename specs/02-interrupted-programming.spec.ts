/**
 * Spec 2, interrupted programming then a normal re-run (the field report's scenario), on
 * real-size images (a 17-unit new image over a 25-unit previous one). For every case of the
 * matrix (support/interruption.ts: each injector at the points it can reach):
 *
 * - the fault is made to land where the case says and the landing is observed from the flash
 *   before anything repairs it (`landing observed`); a fault that cannot be made to land is
 *   broken, and acknowledged work the flash contradicts is a verdict ("flash not cleared");
 * - (a) the boot after the fault must not accept a partial image: the previous image may boot
 *   only when the observed landing left all of it untouched, the new one only when the flash
 *   shows all of it written;
 * - (b) the next normal run with erase, no manual chip erase, must leave exactly the image (and
 *   the previous image's tail beyond it untouched), every unit its erase phase cleared truly
 *   blank (checked on a first pass stopped right after the erase phase);
 * - (c) the board boots the image.
 *
 * The last test sums the matrix up: how many distinct landings it produced, and why cases with
 * the same landing are kept.
 *
 * With another procedure under test (`--procedure`, support/procedure.ts) the same scenario runs
 * through it: the previous image, the interrupted run and the next normal run are the
 * procedure's (a team's tool, OpenOCD's program), faults fire at its stated progress, an output
 * line, a time or inside a chip operation the virtual chip holds; the landing, the sector map and
 * the boots go through the harness's OpenOCD. Its first pass stopped after the erase phase has no
 * counterpart: a tool cannot be stopped between its phases.
 */
import { expect } from 'chai';
import { parseFaultPoint } from '../harness/faults/index.js';
import type { ProcedureSpec } from '../harness/boards/index.js';
import { imageSlice, type LandingObservation } from '../harness/flash/index.js';
import { attachJson, labels, parameter, step, VerdictPhrase } from '../harness/report/index.js';
import type { BoardSession } from '../harness/session/index.js';
import { bootAndObserve, describeBoot, faultSeen } from './support/boot.js';
import { skipBecause, specBoard, specTimeScale } from './support/board.js';
import { withEvidence } from './support/evidence.js';
import { eraseUnitsCovering, NEW_VERSION, PREVIOUS_VERSION, scenarioImages, type SpecImages } from './support/images.js';
import {
  interruptProcedureAndObserve,
  procedureCases,
  procedureCaseUnsupported,
  programWithProcedure,
  specProcedure,
  type ProcedureCase,
} from './support/procedure.js';
import { interruptAndObserve, matrixCases, RECOVERY_PATH, unsupported, type MatrixCase } from './support/interruption.js';
import { useSpecSession } from './support/session.js';
import { StopAfterErase } from './support/stop-after-erase.js';

interface Landed {
  readonly name: string;
  readonly injector: MatrixCase['injector'];
  readonly point: string;
  readonly observed: string;
  readonly fingerprint: string;
}

/** The interrupted case from the fault to the final boot; `landed` collects the observed landings. */
async function interruptedCase(session: BoardSession, c: MatrixCase, aim: 'time' | undefined, landed: Landed[]): Promise<void> {
  const images = scenarioImages();
  const result = await step(`program the new image over the previous one, interrupted by ${c.injector} at ${c.point}; observe where it landed`, () =>
    interruptAndObserve(session, c, { images, ...(aim ? { aim } : {}) }),
  );
  await attachJson('landing observed', result.record);
  await attachJson('fault landing', result.landing);
  expect(result.check.contradictions, `${VerdictPhrase.flashNotCleared}: ${result.check.contradictions.join('; ')}`).to.deep.equal([]);
  landed.push({
    name: `${c.injector} at ${c.point}`,
    injector: c.injector,
    point: c.point,
    observed: result.observation.observed,
    fingerprint: result.observation.fingerprint,
  });
  await bootAfterFault(session, result.observation);
  const { image } = images;
  const units = eraseUnitsCovering(0, image.length);
  await step('(b) first pass stopped right after the erase phase: every erased unit is blank, whole units', async () => {
    const pass = await session.flash.program(image, { faultPoint: parseFaultPoint('between-erase-and-write'), injector: new StopAfterErase() });
    await attachJson('erase phase', pass.erases);
    const blank = await session.flash.blankCheck(units);
    expect(
      blank.blank,
      `${VerdictPhrase.flashNotCleared}: units ${blank.notBlankUnits.map((o) => `0x${o.toString(16)}`).join(', ')} not blank after erase`,
    ).to.equal(true);
  });
  await step("(b) the normal run: erase, write, verify; the sector map over the previous image's whole extent", async () => {
    const run = await session.flash.program(image, { chunkSize: 16 * 1024 });
    expect(run.verify?.ok, `${VerdictPhrase.flashNotCleared}: verify_image found ${run.verify?.differences.length ?? '?'} differences`).to.equal(true);
    await sectorMapAfterRerun(session, images, `after ${c.injector} at ${c.point} and a normal re-run`);
  });
  await finalBoot(session);
}

/**
 * The same scenario with the team's procedure (not the harness's plan): the previous image, the
 * interrupted run and the next normal run all go through the procedure, as in the field; the
 * landing, the sector map and the boots through the harness's OpenOCD session.
 */
async function interruptedProcedureCase(session: BoardSession, procedure: ProcedureSpec, c: ProcedureCase): Promise<void> {
  const images = scenarioImages();
  const result = await step(
    `with procedure ${procedure.id}: the previous image, then the new one interrupted by ${c.injector} at ${c.point}; observe where it landed`,
    () => interruptProcedureAndObserve(session, procedure, c, images),
  );
  await bootAfterFault(session, result.observation);
  await step(`(b) the next normal run with procedure ${procedure.id}; the sector map over the previous image's whole extent`, async () => {
    await programWithProcedure(session, procedure, images.image, 'the next normal run');
    await sectorMapAfterRerun(session, images, `after ${c.injector} at ${c.point} and a normal re-run with ${procedure.id}`);
  });
  await finalBoot(session);
}

/** (a) The boot after the fault must not accept a partial image. */
async function bootAfterFault(session: BoardSession, observation: LandingObservation): Promise<void> {
  const afterFault = await step('(a) boot after the fault', () => bootAndObserve(session));
  await attachJson('(a) boot after the fault', afterFault);
  expect(faultSeen(afterFault), `${VerdictPhrase.bootFault} after an interrupted run: ${describeBoot(afterFault)}`).to.equal(false);
  expect(afterFault.image, `${VerdictPhrase.bootFault}: no boot verdict on the UART after the fault: ${describeBoot(afterFault)}`).to.be.a('string');
  // The previous image may still boot only if the fault left every unit of it as it was; the new
  // one only if the flash shows all of it written (a kill lets the chip finish what it was sent).
  const untouched = observation.observed === 'none';
  const complete = observation.units.every((u) => u.state === 'new');
  const acceptedOld = afterFault.image === 'ok' && afterFault.version === PREVIOUS_VERSION && untouched;
  const acceptedNew = afterFault.image === 'ok' && afterFault.version === NEW_VERSION && complete;
  expect(
    acceptedOld || acceptedNew || afterFault.image === 'rejected' || afterFault.image === 'absent',
    `${VerdictPhrase.bootAcceptedBadImage}: ${describeBoot(afterFault)} although the flash shows ${observation.observed} at unit ${observation.unit}`,
  ).to.equal(true);
}

/** (b) After the re-run: exactly the image and the blank rest of its last unit, then the previous image's tail, untouched. */
async function sectorMapAfterRerun(session: BoardSession, images: SpecImages, title: string): Promise<void> {
  const { image, previous } = images;
  const units = eraseUnitsCovering(0, image.length);
  const extent = eraseUnitsCovering(0, previous.length);
  const expected = imageSlice({ previous, next: image, offset: 0 }, 'next', 0, extent.length);
  expected.set(imageSlice({ previous, next: image, offset: 0 }, 'previous', units.length, extent.length - units.length), units.length);
  const map = await session.flash.sectorMap({ expected, previous, range: extent, title });
  expect(map.map.problems(), `${VerdictPhrase.flashNotCleared}: ${map.map.summary()}`).to.deep.equal([]);
}

/** (c) The board boots the new image. */
async function finalBoot(session: BoardSession): Promise<void> {
  const finalBoot = await step('(c) boot', () => bootAndObserve(session));
  await attachJson('(c) boot after the re-run', finalBoot);
  expect(faultSeen(finalBoot), `${VerdictPhrase.bootFault}: ${describeBoot(finalBoot)}`).to.equal(false);
  expect(finalBoot.image, `boot did not accept the re-programmed image: ${describeBoot(finalBoot)}`).to.equal('ok');
  expect(finalBoot.version).to.equal(NEW_VERSION);
}

const procedure = specProcedure(specBoard());

// The plan's matrix and its time-aimed case run when the procedure under test is the plan itself.
const describePlan = procedure.kind === 'openocd-plan' ? describe : (): void => undefined;

describePlan('Interrupted programming, then a normal re-run (no manual chip erase)', function () {
  this.timeout(300_000);
  const board = useSpecSession();
  const landed: Landed[] = [];

  for (const c of matrixCases()) {
    it(`${c.injector} at ${c.point}: lands there; boot refuses the partial image; the next normal run leaves exactly the image, its erase truly cleared; boot ok`, async function () {
      const session = board();
      await labels({ epic: 'mission', feature: 'interrupted programming', story: c.injector, severity: 'critical' });
      await parameter('injector', c.injector);
      await parameter('fault point', c.point);
      await parameter('flash time scale', session.flash.target.timeScale);
      await parameter('aim', session.control ? 'chip trigger' : 'time');
      const why = unsupported(c, session.board);
      if (why) return skipBecause(this, why);
      await withEvidence(session, () => interruptedCase(session, c, undefined, landed));
    });
  }

  it('the matrix produced distinct landings; cases sharing one are kept for their recovery path', async function () {
    await labels({ epic: 'mission', feature: 'interrupted programming', story: 'matrix', severity: 'normal' });
    if (landed.length === 0) return skipBecause(this, 'no interrupted case reached its landing in this run');
    const groups = new Map<string, Landed[]>();
    for (const l of landed) groups.set(l.fingerprint, [...(groups.get(l.fingerprint) ?? []), l]);
    const summary = [...groups.entries()].map(([fingerprint, cases]) => ({
      fingerprint,
      observed: cases[0]!.observed,
      cases: cases.map((l) => l.name),
      ...(cases.length > 1 ? { keptBecause: Object.fromEntries(cases.map((l) => [l.name, RECOVERY_PATH[l.injector]])) } : {}),
    }));
    await attachJson('matrix landings', { cases: landed.length, distinctLandings: groups.size, landings: summary });
    // Two cases of one injector with one landing exercise nothing new: a duplicate needs another recovery path.
    for (const cases of groups.values()) {
      const injectors = cases.map((l) => l.injector);
      expect(new Set(injectors).size, `cases ${cases.map((l) => l.name).join(', ')} leave the same flash with the same injector`).to.equal(injectors.length);
    }
  });
});

describePlan('Interrupted programming aimed by time, the real-board path (flash time scale 1, datasheet timings)', function () {
  this.timeout(600_000);
  // Only virtual boards need this block: on silicon the matrix above is already aimed by time.
  const board = useSpecSession({ timeScale: Math.max(specTimeScale(), 1) });
  const c: MatrixCase = { injector: 'power-cut', point: 'erase-in-flight:middle:50%' };

  it(`${c.injector} at ${c.point}, aimed by the chip's timings from the moment the erase was sent, re-aimed by what it observed`, async function () {
    const session = board();
    await labels({ epic: 'mission', feature: 'interrupted programming', story: 'aimed by time', severity: 'critical' });
    await parameter('injector', c.injector);
    await parameter('fault point', c.point);
    await parameter('flash time scale', session.flash.target.timeScale);
    await parameter('aim', 'time');
    if (session.board.kind !== 'virtual') return skipBecause(this, 'on a real board every case of the matrix is aimed by time already');
    const why = unsupported(c, session.board);
    if (why) return skipBecause(this, why);
    await withEvidence(session, () => interruptedCase(session, c, 'time', []));
  });
});

if (procedure.kind !== 'openocd-plan') {
  describe(`Interrupted programming with procedure ${procedure.id}, then its next normal run (no manual chip erase)`, function () {
    this.timeout(300_000);
    const board = useSpecSession();
    for (const c of procedureCases(procedure)) {
      it(`${c.injector} at ${c.point}: lands there; boot refuses the partial image; the procedure's next normal run leaves exactly the image; boot ok`, async function () {
        const session = board();
        await labels({ epic: 'mission', feature: 'interrupted programming', story: `procedure ${procedure.kind}: ${c.injector}`, severity: 'critical' });
        await parameter('injector', c.injector);
        await parameter('fault point', c.point);
        await parameter('flash time scale', session.flash.target.timeScale);
        const why = procedureCaseUnsupported(c, procedure, session.board);
        if (why) return skipBecause(this, why);
        await withEvidence(session, () => interruptedProcedureCase(session, procedure, c));
      });
    }
  });
}
