/**
 * Spec 4, the bootloader's CRC check rejects partial images: every partial or corrupted variant
 * the image builder makes is refused with the matching reason (or `absent` when blank), with no
 * fault (UART and fault status registers) and the bootloader still running; the full image
 * still boots afterwards.
 */
import { expect } from 'chai';
import {
  badHeaderCrc,
  badVectorTable,
  blank,
  DEFAULT_PAYLOAD_OFFSET,
  flippedBit,
  IMAGE_HEADER_SIZE,
  lengthBeyondFlash,
  missingPage,
  missingSector,
  truncated,
  type ImageVariant,
} from '../harness/image/index.js';
import { W25Q512JV } from '../harness/flash/index.js';
import { attachJson, labels, parameter, step, VerdictPhrase } from '../harness/report/index.js';
import { bootAndObserve, describeBoot, faultSeen, inBootloader } from './support/boot.js';
import { withEvidence } from './support/evidence.js';
import { NEW_VERSION, specImages } from './support/images.js';
import { useSpecSession } from './support/session.js';
import { programsWithHarnessPlan } from './support/procedure.js';

/** The partial and corrupt images a broken programming run or a bad cell leaves behind. */
export function bootVariants(image: Uint8Array): ImageVariant[] {
  const payloadEnd = image.length;
  return [
    truncated(image, IMAGE_HEADER_SIZE), // only the header made it (after-header)
    truncated(image, DEFAULT_PAYLOAD_OFFSET + 512), // vector table and a little code
    truncated(image, Math.floor(payloadEnd / 2)),
    truncated(image, payloadEnd - 1), // all but the last byte (write:99 %)
    missingPage(image, 5),
    missingSector(image, 1),
    flippedBit(image, 8 * (DEFAULT_PAYLOAD_OFFSET + 2000) + 3), // one bit in the payload
    flippedBit(image, 8 * 12 + 1), // one bit in the header (payload length)
    badHeaderCrc(image),
    lengthBeyondFlash(image, W25Q512JV.sizeBytes),
    badVectorTable(image),
    blank(4096),
  ];
}

describe('Boot CRC validation rejects partial images', function () {
  // It judges the board (or the bootloader, the harness) through the harness's own programming,
  // whatever procedure the run puts under test: its results say so.
  programsWithHarnessPlan();
  this.timeout(180_000);
  const board = useSpecSession();
  const { image } = specImages();

  for (const variant of bootVariants(image)) {
    const expected = variant.expected.image === 'rejected' ? `image=rejected reason=${variant.expected.reason}` : `image=${variant.expected.image}`;
    it(`${variant.name} (${variant.description}): ${expected}, no fault, bootloader alive`, async () => {
      const session = board();
      await labels({ epic: 'mission', feature: 'boot CRC validation', severity: 'critical' });
      await parameter('variant', variant.name);
      await parameter('expected', expected);
      await withEvidence(session, async () => {
        await step(`program the ${variant.name} variant`, async () => {
          const run = await session.flash.program(variant.bytes);
          expect(run.verify?.ok, `could not program the ${variant.name} variant`).to.equal(true);
        });
        const boot = await step('boot and read the UART and fault registers', () => bootAndObserve(session));
        await attachJson('boot observation', boot);
        // The verdict comes first on the UART, so it is judged first: a fault after an accepted bad image is its consequence.
        expect(boot.image === 'ok' || boot.image === 'unchecked', `${VerdictPhrase.bootAcceptedBadImage} (${variant.name}): ${describeBoot(boot)}`).to.equal(
          false,
        );
        expect(faultSeen(boot), `${VerdictPhrase.bootFault} on the ${variant.name} variant: ${describeBoot(boot)}`).to.equal(false);
        expect(boot.image, `wrong verdict for ${variant.name}: ${describeBoot(boot)}`).to.equal(variant.expected.image);
        if (variant.expected.image === 'rejected')
          expect(boot.reason, `wrong reject reason for ${variant.name}: ${describeBoot(boot)}`).to.equal(variant.expected.reason);
        expect(boot.appLine, `the app ran from the ${variant.name} variant`).to.equal(undefined);
        expect(inBootloader(boot), `the bootloader is not running after the verdict: ${describeBoot(boot)}`).to.equal(true);
      });
    });
  }

  it('the full image still boots afterwards: image=ok, the app runs, no fault', async () => {
    const session = board();
    await labels({ epic: 'mission', feature: 'boot CRC validation', severity: 'critical' });
    await withEvidence(session, async () => {
      expect((await session.flash.program(image)).verify?.ok).to.equal(true);
      const boot = await bootAndObserve(session);
      await attachJson('boot observation', boot);
      expect(faultSeen(boot), `${VerdictPhrase.bootFault}: ${describeBoot(boot)}`).to.equal(false);
      expect(boot.image, describeBoot(boot)).to.equal('ok');
      expect(boot.version).to.equal(NEW_VERSION);
      expect(boot.appLine, describeBoot(boot)).to.match(/^HIL-APP /);
    });
  });
});
