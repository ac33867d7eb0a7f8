/**
 * A mocha file that report.test.ts runs in a child mocha with the allure-mocha reporter, to
 * check what the helpers write. Not a unit test itself (no `.test.ts` suffix).
 * HIL_REPORT_FIXTURE_LOG names a file to attach.
 */
import { expect } from 'chai';
import { attachFile, attachJson, attachText, labels, parameter, step } from '../allure.js';

describe('report fixture', () => {
  it('records steps, parameters, attachments and labels', async () => {
    await labels({ epic: 'QSPI programming', feature: 'erase', story: 'interrupted erase', severity: 'critical' });
    await parameter('board', 'virtual-h745');
    await parameter('image size', 65536);
    const result = await step(
      'erase sector',
      async () => {
        await attachText('openocd transcript', 'flash erase_sector 2 16 16\n');
        return 42;
      },
      { address: '0x90010000', length: 4096 },
    );
    expect(result).to.equal(42);
    await attachJson('sector map', { erased: [16], stale: 1n });
    await attachFile('openocd log', process.env.HIL_REPORT_FIXTURE_LOG ?? '', 'text/plain');
  });

  it('a failing check inside a step fails the step and the test', async () => {
    await step('blank check', () => {
      expect(0x00, 'flash not cleared: sector 16 byte 0').to.equal(0xff);
    });
  });
});
