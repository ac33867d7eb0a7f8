/**
 * Spec 7, erase-time plausibility: NOR erase is physics. Every erase of a programming run must
 * take at least half the W25Q512JV's typical time (scaled by the virtual board's time scale);
 * an erase "done" faster did not happen (dropped command, wrong address mode, a stubbed erase).
 * The field report's clue, a 64 MiB chip erase in 1.38 min where the part needs about 4, is
 * flagged the same way. On the virtual board it runs at flash time scale 1 (see below).
 */
import { expect } from 'chai';
import { checkEraseTime, W25Q512JV } from '../harness/flash/index.js';
import { attachJson, labels, parameter, step, VerdictPhrase } from '../harness/report/index.js';
import { specTimeScale } from './support/board.js';
import { withEvidence } from './support/evidence.js';
import { KIB, specImages } from './support/images.js';
import { useSpecSession } from './support/session.js';
import { programsWithHarnessPlan } from './support/procedure.js';

const UNIT = 64 * KIB;

describe('Erase-time plausibility against the W25Q512JV datasheet', function () {
  // It judges the board (or the bootloader, the harness) through the harness's own programming,
  // whatever procedure the run puts under test: its results say so.
  programsWithHarnessPlan();
  this.timeout(180_000);
  // Flash time scale 1 on the virtual board whatever HIL_SPEC_TIME_SCALE says (it may slow the chip
  // further, never speed it up): a 64 KiB unit's floor is then 80 ms, some twenty `stmqspi cmd` round
  // trips (3-4 ms each), so an erase that returns without waiting for the chip cannot pass. At the CI
  // scale 0.002 the floor is 0.16 ms, under one round trip, and at 0.1 it is 8 ms, about what a
  // fire-and-forget erase (06h + DCh) takes: the check could not fail. Affordable: these tests erase
  // five units (~0.8 s of chip time).
  const timeScale = Math.max(specTimeScale(), 1);
  const board = useSpecSession({ bootloader: false, timeScale });

  beforeEach(async () => {
    await labels({ epic: 'mission', feature: 'erase-time plausibility', severity: 'critical' });
  });

  it("every 64 KiB erase of a programming run takes at least the chip's floor (half the typical 150 ms, scaled)", async () => {
    const session = board();
    await parameter('flash time scale', session.flash.target.timeScale);
    await withEvidence(session, async () => {
      const run = await step('program the previous image (harness plan, flash erase_sector per unit)', () =>
        session.flash.program(specImages().previous, { chunkSize: 16 * KIB }),
      );
      await attachJson('erase timings and verdicts', run.erases);
      expect(run.erases.length).to.be.greaterThan(0);
      for (const erase of run.erases)
        expect(erase.plausibility.plausible, `${VerdictPhrase.flashNotCleared}: unit ${erase.unitIndex}: ${erase.plausibility.explanation}`).to.equal(true);
    });
  });

  it('`flash erase_address` of 4 units (256 KiB) takes at least 4 x the floor', async () => {
    const session = board();
    await parameter('flash time scale', session.flash.target.timeScale);
    await withEvidence(session, async () => {
      const r = await step('flash erase_address 0x90100000 0x40000', () => session.flash.erase(16 * UNIT, 4 * UNIT));
      const verdict = checkEraseTime(W25Q512JV, { bytes: 4 * UNIT, units: 4, elapsedMs: r.elapsedMs }, { timeScale: session.flash.target.timeScale });
      await attachJson('erase timing and verdict', { ...r, verdict });
      expect(verdict.plausible, `${VerdictPhrase.flashNotCleared}: ${verdict.explanation}`).to.equal(true);
    });
  });

  it("the field report's chip erase (64 MiB in 1.38 min, the part needs ~4) is flagged as impossible", async () => {
    // Computed at datasheet timings: the field report came from silicon.
    await parameter('flash time scale', 1);
    const verdict = checkEraseTime(W25Q512JV, { bytes: W25Q512JV.sizeBytes, units: 1, elapsedMs: 1.38 * 60_000 }, { timeScale: 1 });
    await attachJson('verdict on the field report', verdict);
    expect(verdict.plausible, verdict.explanation).to.equal(false);
    expect(verdict.explanation).to.match(/cannot erase that fast/);
    // And a healthy chip erase at the typical time passes.
    expect(checkEraseTime(W25Q512JV, { bytes: W25Q512JV.sizeBytes, units: 1, elapsedMs: W25Q512JV.chipErase.time.typicalMs }).plausible).to.equal(true);
  });
});
