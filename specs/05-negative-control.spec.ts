/**
 * Spec 5, negative control: why the CRC check matters. The bootloader built with CHECK_CRC=0
 * jumps into whatever the flash holds; with a partial image the core runs into erased flash
 * (0xFFFF: an undefined instruction) and faults. The harness must detect and report that: a
 * HIL-FAULT report or a locked-up core, with CFSR/HFSR decoded. This spec passes when the fault
 * is detected; it fails if a bad image could crash the board unnoticed.
 */
import { expect } from 'chai';
import { DEFAULT_PAYLOAD_OFFSET, truncated } from '../harness/image/index.js';
import { attachJson, attachText, labels, parameter, step } from '../harness/report/index.js';
import { bootAndObserve, describeBoot, faultSeen } from './support/boot.js';
import { noCrcBootloaderElf } from './support/board.js';
import { withEvidence } from './support/evidence.js';
import { specImages } from './support/images.js';
import { useSpecSession } from './support/session.js';

describe('Negative control: a bootloader without the CRC check (CHECK_CRC=0) and a partial image', function () {
  this.timeout(180_000);
  const board = useSpecSession({ bootloader: noCrcBootloaderElf() });

  it('the harness detects the fault the partial image causes (HIL-FAULT report or lockup, CFSR/HFSR decoded)', async () => {
    const session = board();
    await labels({ epic: 'mission', feature: 'negative control', severity: 'normal' });
    const partial = truncated(specImages().image, DEFAULT_PAYLOAD_OFFSET + 512);
    await parameter('bootloader', 'bootloader-nocrc.elf (CHECK_CRC=0)');
    await parameter('image', `${partial.name}: ${partial.description}`);
    await attachText(
      'what this shows',
      'With the CRC check compiled out the bootloader accepts a partially written image (`image=unchecked`), jumps into it and the core executes erased flash. ' +
        'The CRC-checking bootloader refuses the same image (spec 4). A pass here means the harness saw the fault; the board is expected to crash.',
    );
    await withEvidence(session, async () => {
      expect((await session.flash.program(partial.bytes)).verify?.ok).to.equal(true);
      const boot = await step('boot the partial image with the no-CRC bootloader', () => bootAndObserve(session));
      await attachJson('boot observation (fault registers decoded)', boot);
      await attachText('fault decoded', describeBoot(boot));
      expect(boot.verdictLine, describeBoot(boot)).to.match(/check_crc=0|image=unchecked/);
      expect(faultSeen(boot), `the harness saw no fault where the no-CRC bootloader must crash: ${describeBoot(boot)}`).to.equal(true);
      // The report names the cause, not just "it crashed".
      expect(boot.faultExplanation.length + (boot.fault?.explanation.length ?? 0), `CFSR/HFSR decode to nothing: ${describeBoot(boot)}`).to.be.greaterThan(0);
    });
  });
});
