/**
 * Spec 5, negative control: why the CRC check matters. The bootloader built with CHECK_CRC=0
 * jumps into whatever the flash holds; with a partial image the core runs into erased flash
 * (0xFFFF: an undefined instruction) and faults. The harness must detect and report that: a
 * HIL-FAULT report or a locked-up core, with CFSR/HFSR decoded. This spec passes when the fault
 * is detected; it fails if a bad image could crash the board unnoticed ("boot fault"), or if the
 * partial image ran because the flash still held the rest of an earlier one ("flash not cleared").
 *
 * The partial image is written over the complete image of the same build, as an interrupted
 * re-flash leaves it: only the run's erase keeps the earlier image's bytes from completing the
 * partial one. On a blank chip an erase that clears nothing would go unseen here.
 */
import { expect } from 'chai';
import { DEFAULT_PAYLOAD_OFFSET, truncated } from '../harness/image/index.js';
import { attachJson, attachText, labels, parameter, step, VerdictPhrase } from '../harness/report/index.js';
import { bootAndObserve, describeBoot, faultSeen } from './support/boot.js';
import { noCrcBootloaderElf } from './support/board.js';
import { withEvidence } from './support/evidence.js';
import { specImages } from './support/images.js';
import { useSpecSession } from './support/session.js';
import { programsWithHarnessPlan } from './support/procedure.js';

describe('Negative control: a bootloader without the CRC check (CHECK_CRC=0) and a partial image', function () {
  // It judges the board (or the bootloader, the harness) through the harness's own programming,
  // whatever procedure the run puts under test: its results say so.
  programsWithHarnessPlan();
  this.timeout(180_000);
  const board = useSpecSession({ bootloader: noCrcBootloaderElf() });

  it('the harness detects the fault the partial image causes (HIL-FAULT report or lockup, CFSR/HFSR decoded)', async () => {
    const session = board();
    await labels({ epic: 'mission', feature: 'negative control', severity: 'normal' });
    const { image } = specImages();
    const partial = truncated(image, DEFAULT_PAYLOAD_OFFSET + 512);
    await parameter('bootloader', 'bootloader-nocrc.elf (CHECK_CRC=0)');
    await parameter('image', `${partial.name}: ${partial.description}`);
    await attachText(
      'what this shows',
      'With the CRC check compiled out the bootloader accepts a partially written image (`image=unchecked`), jumps into it and the core executes erased flash. ' +
        'The CRC-checking bootloader refuses the same image (spec 4). A pass here means the harness saw the fault; the board is expected to crash.',
    );
    await withEvidence(session, async () => {
      const earlier = await step('program the complete image (an earlier, successful run)', () => session.flash.program(image));
      expect(earlier.verify?.ok, 'could not lay down the complete image').to.equal(true);
      const run = await step('program the partial image (the interrupted re-flash of the same build)', () => session.flash.program(partial.bytes));
      expect(run.verify?.ok, 'the partial image did not verify').to.equal(true);
      const boot = await step('boot the partial image with the no-CRC bootloader', () => bootAndObserve(session));
      await attachJson('boot observation (fault registers decoded)', boot);
      await attachText('fault decoded', describeBoot(boot));
      expect(boot.verdictLine, describeBoot(boot)).to.match(/check_crc=0|image=unchecked/);
      // The partial image's code stops 512 bytes into the payload, before the app's first print.
      expect(
        boot.appLine,
        `${VerdictPhrase.flashNotCleared}: the partial image ran as if complete, so the flash beyond the ${partial.bytes.length} bytes written still held the earlier image (the run's erase did not clear its unit): ${describeBoot(boot)}`,
      ).to.equal(undefined);
      expect(
        faultSeen(boot),
        `${VerdictPhrase.bootFault} went unnoticed: the no-CRC bootloader jumped into the partial image and the harness saw no fault: ${describeBoot(boot)}`,
      ).to.equal(true);
      // The report names the cause, not just "it crashed".
      expect(boot.faultExplanation.length + (boot.fault?.explanation.length ?? 0), `CFSR/HFSR decode to nothing: ${describeBoot(boot)}`).to.be.greaterThan(0);
    });
  });
});
