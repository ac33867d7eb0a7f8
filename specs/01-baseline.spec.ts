/**
 * Spec 1, baseline: the board comes up healthy, and a plain `program ... verify` of the image
 * leaves exactly the image in the QSPI flash (on-target CRC, sector map) and the board boots it.
 * With a procedure under test (`--procedure`), that procedure programs the image instead.
 */
import { expect } from 'chai';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { attachJson, attachText, labels, parameter, step, VerdictPhrase } from '../harness/report/index.js';
import { bootAndObserve, describeBoot, faultSeen } from './support/boot.js';
import { withEvidence } from './support/evidence.js';
import { NEW_VERSION, specImages } from './support/images.js';
import { useSpecSession } from './support/session.js';
import { specBoard } from './support/board.js';
import { programWithProcedure, specProcedure } from './support/procedure.js';

/** The baseline with the procedure under test; the default (the harness's plan) uses OpenOCD's program, as users do. */
const procedure = specProcedure(specBoard());

describe('Baseline: a healthy board programs and boots the image', function () {
  this.timeout(180_000);
  const board = useSpecSession();

  beforeEach(async () => {
    await labels({ epic: 'mission', feature: 'baseline', severity: 'blocker' });
  });

  it('is healthy: OpenOCD 0.12 examines the CM7, stmqspi probes the bank, the W25Q512JV answers its JEDEC id, the UART is open', async () => {
    const session = board();
    await parameter('board', session.board.id);
    await attachJson('board health check', session.health);
    expect(session.health?.ok, JSON.stringify(session.health)).to.equal(true);
    expect(session.health?.jedecId).to.equal(session.board.qspi.jedecId);
  });

  const title =
    procedure.kind === 'openocd-plan'
      ? '`program <image> verify 0x90000000` leaves the image: on-target CRC and sector map equal the image'
      : `procedure ${procedure.id} leaves the image: it succeeds, and on-target CRC and sector map equal the image`;
  it(title, async () => {
    const session = board();
    const { image } = specImages();
    await parameter('image bytes', image.length);
    await withEvidence(session, async () => {
      if (procedure.kind === 'openocd-plan') {
        // The baseline users run: OpenOCD's own program proc.
        const file = join(session.flash.target.workDir, 'baseline.img');
        await writeFile(file, image);
        const run = await step('OpenOCD program ... verify', () => session.flash.programWithProgramCommand(file, { verify: true }));
        await attachText('OpenOCD program output', run.output);
        expect(run.ok, `OpenOCD program failed: ${run.output}`).to.equal(true);
      } else {
        await programWithProcedure(session, procedure, image, 'program the image');
      }
      const compare = await step('on-target CRC (verify_image)', () => session.flash.compare(0, image));
      expect(
        compare.matches,
        `${VerdictPhrase.flashNotCleared}: verify_image differs at ${compare.differences
          .slice(0, 4)
          .map((d) => `0x${d.address.toString(16)}`)
          .join(', ')}`,
      ).to.equal(true);
      const map = await step('sector map', () => session.flash.sectorMap({ expected: image, title: `after ${procedure.id}` }));
      expect(map.map.problems(), `${VerdictPhrase.flashNotCleared}: ${map.map.summary()}`).to.deep.equal([]);
    });
  });

  it("boots it: `HIL-BOOT image=ok` with the image version, then the app's lines, no fault", async () => {
    const session = board();
    await withEvidence(session, async () => {
      const boot = await step('reset run and read the UART', () => bootAndObserve(session));
      await attachJson('boot observation', boot);
      expect(faultSeen(boot), `${VerdictPhrase.bootFault}: ${describeBoot(boot)}`).to.equal(false);
      expect(boot.image, `boot did not accept the good image: ${describeBoot(boot)}`).to.equal('ok');
      expect(boot.version).to.equal(NEW_VERSION);
      expect(boot.appLine, `the app did not start: ${describeBoot(boot)}`).to.match(/^HIL-APP version=/);
    });
  });
});
