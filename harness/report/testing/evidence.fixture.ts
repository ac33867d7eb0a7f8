/**
 * A mocha file that evidence.test.ts runs in a child mocha with the allure-mocha reporter, to
 * check what the evidence helpers write for a failing spec. Not a unit test itself.
 */
import { expect } from 'chai';
import { SectorMap } from '../../flash/sector-map.js';
import { ProcessLog } from '../../openocd/process-log.js';
import { SessionEvidence } from '../../session/evidence.js';
import type { FaultLanding } from '../../faults/injectors.js';
import { describeCase } from '../case-parameters.js';
import { attachFaultLanding, attachSectorMap, attachSessionEvidence } from '../evidence.js';
import { VerdictPhrase } from '../results-files.js';

describe('evidence fixture', () => {
  it('an interrupted erase leaves a stale sector', async () => {
    await describeCase(
      { epic: 'QSPI programming', feature: 'interrupted programming', story: 'kill OpenOCD during the erase', severity: 'critical' },
      { board: 'virtual-h745', image: 'app.img', faultPoint: 'erase-in-flight:last:20ms', seed: 7 },
    );
    const evidence = new SessionEvidence();
    const log = new ProcessLog();
    log.append('stderr', new TextEncoder().encode("Info : stmqspi: found flash device 'win w25q512jv' (ID 0x0020ef40)\n"));
    evidence.addOpenOcdLog(4242, log);
    evidence.recordTcl('flash erase_sector stm32h7x.qspi 0 0', 10, true, 'erased sectors 0 through 0');
    evidence.recordTiming('flash: erase', 151.2, true);
    evidence.recordTiming('flash: "odd, name"', 3, false);
    evidence.useUart({ transcript: [{ atMs: 100, text: 'HIL-BOOT image=rejected reason=crc-mismatch' }] });
    evidence.recordHealth({
      ok: true,
      checks: [{ check: 'QSPI JEDEC id', command: 'stmqspi cmd stm32h7x.qspi 3 0x9f', ok: true, detail: 'read ef4020, expected ef4020', elapsedMs: 3.2 }],
      openOcdVersion: 'Open On-Chip Debugger 0.12.0',
      jedecId: 'ef4020',
    });
    await attachSessionEvidence({ board: { id: 'virtual-h745' }, evidence });
    const map = new SectorMap(0, [
      { offset: 0, state: 'match', differingBytes: 0 },
      { offset: 4096, state: 'stale', differingBytes: 4000, firstDifference: 4096 },
    ]);
    await attachSectorMap(map, 'after the re-run');
    const landing: FaultLanding = {
      injector: 'kill-openocd',
      point: 'erase-in-flight:last:20ms',
      description: 'during the erase of unit 0',
      phase: 'erase',
      lastAckedByte: 0,
      lastErasedUnit: undefined,
      lastErasedOffset: undefined,
      elapsedMs: 20.5,
      inFlightCommand: 'flash erase_sector stm32h7x.qspi 0 0',
      inFlightOutcome: 'interrupted',
      injectorDoneAtMs: 21,
      notes: ['OpenOCD got SIGKILL'],
    };
    await attachFaultLanding(landing);
    expect(map.problems(), `${VerdictPhrase.flashNotCleared}: ${map.summary()}`).to.deep.equal([]);
  });
});
