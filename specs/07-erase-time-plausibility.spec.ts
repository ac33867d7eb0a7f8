/**
 * Spec 7, erase-time plausibility: NOR erase is physics. Every erase of a programming run must
 * take at least half the W25Q512JV's typical time (scaled by the virtual board's time scale);
 * an erase "done" faster did not happen (dropped command, wrong address mode, a stubbed erase).
 * The field report's clue, a 64 MiB chip erase in 1.38 min where the part needs about 4, is
 * flagged the same way.
 */
import { expect } from 'chai';
import { checkEraseTime, W25Q512JV } from '../harness/flash/index.js';
import { attachJson, labels, parameter, step, VerdictPhrase } from '../harness/report/index.js';
import { specTimeScale } from './support/board.js';
import { withEvidence } from './support/evidence.js';
import { KIB, specImages } from './support/images.js';
import { useSpecSession } from './support/session.js';

const UNIT = 64 * KIB;

describe('Erase-time plausibility against the W25Q512JV datasheet', function () {
  this.timeout(180_000);
  // At least 0.1 on the virtual board: a 64 KiB erase then lasts ~15 ms, well above a Tcl round trip,
  // so a skipped erase (~1 ms) cannot pass for a real one.
  const timeScale = Math.max(specTimeScale(), 0.1);
  const board = useSpecSession({ bootloader: false, timeScale });

  beforeEach(async () => {
    await labels({ epic: 'mission', feature: 'erase-time plausibility', severity: 'critical' });
  });

  it("every 64 KiB erase of a programming run takes at least the chip's floor (half the typical 150 ms, scaled)", async () => {
    const session = board();
    await parameter('time scale', session.board.kind === 'virtual' ? timeScale : 1);
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
    await withEvidence(session, async () => {
      const r = await step('flash erase_address 0x90100000 0x40000', () => session.flash.erase(16 * UNIT, 4 * UNIT));
      const verdict = checkEraseTime(W25Q512JV, { bytes: 4 * UNIT, units: 4, elapsedMs: r.elapsedMs }, { timeScale: session.flash.target.timeScale });
      await attachJson('erase timing and verdict', { ...r, verdict });
      expect(verdict.plausible, `${VerdictPhrase.flashNotCleared}: ${verdict.explanation}`).to.equal(true);
    });
  });

  it("the field report's chip erase (64 MiB in 1.38 min, the part needs ~4) is flagged as impossible", async () => {
    const verdict = checkEraseTime(W25Q512JV, { bytes: W25Q512JV.sizeBytes, units: 1, elapsedMs: 1.38 * 60_000 }, { timeScale: 1 });
    await attachJson('verdict on the field report', verdict);
    expect(verdict.plausible, verdict.explanation).to.equal(false);
    expect(verdict.explanation).to.match(/cannot erase that fast/);
    // And a healthy chip erase at the typical time passes.
    expect(checkEraseTime(W25Q512JV, { bytes: W25Q512JV.sizeBytes, units: 1, elapsedMs: W25Q512JV.chipErase.time.typicalMs }).plausible).to.equal(true);
  });
});
