import { expect } from 'chai';
import { classifyFailure } from '../exit-codes.js';
import type { FaultLanding } from '../faults/injector.js';
import type { IntendedLanding } from '../faults/reach.js';
import { checkLanding, FaultDidNotLandError, reaimCorrection } from './landing-check.js';
import type { LandingObservation, UnitObservation } from './landing-observation.js';

const UNIT = 65536;

function landing(overrides: Partial<FaultLanding> = {}): FaultLanding {
  return {
    injector: 'power-cut',
    point: 'erase:after:1',
    description: '',
    phase: 'erase',
    lastAckedByte: 0,
    lastErasedUnit: 1,
    lastErasedOffset: UNIT,
    elapsedMs: 1,
    inFlightCommand: undefined,
    inFlightOutcome: 'none',
    injectorDoneAtMs: 1,
    notes: [],
    ...overrides,
  };
}

function observation(states: UnitObservation['state'][], observed: LandingObservation['observed'], unit: number | undefined): LandingObservation {
  const units = states.map((state, index) => ({ index, offset: index * UNIT, state, sectors: '', byCrc: true }));
  return { observed, unit, units, fingerprint: '0', inspection: { unitsByCrc: units.length, unitsReadBack: 0, bytesReadBack: 0, elapsedMs: 0 } };
}

const erasedAt1: IntendedLanding = { observed: 'erased', unit: 1, why: '' };

describe('harness/flash landing check', function () {
  it('landed: the observed word and unit are the intended ones', function () {
    const check = checkLanding(landing(), observation(['blank', 'blank', 'old'], 'erased', 1), erasedAt1, UNIT);
    expect(check).to.deep.equal({ landed: true, contradictions: [] });
  });

  it('a miss says what was intended and what was observed', function () {
    const check = checkLanding(landing({ lastErasedUnit: 0 }), observation(['blank', 'old', 'old'], 'erased', 0), erasedAt1, UNIT);
    expect(check.landed).to.equal(false);
    expect(check.miss).to.equal('intended erased at unit 1, observed erased at unit 0');
  });

  it('an acknowledged erase the flash contradicts is named, whatever the landing', function () {
    const check = checkLanding(landing(), observation(['old', 'blank', 'old'], 'erased', 1), erasedAt1, UNIT);
    expect(check.contradictions).to.have.length(1);
    expect(check.contradictions[0]).to.match(/acknowledged the erase of unit 0 \(0x0\), but it holds old data/);
  });

  it('an erase OpenOCD reported done only after the fault (power cut mid-erase) is evidence, not a contradiction', function () {
    const late = landing({ lastErasedUnit: 1, acknowledgedBeforeFault: { lastErasedUnit: 0, lastAckedByte: 0 } });
    const check = checkLanding(late, observation(['blank', 'erase-partial', 'old'], 'erase-partial', 1), { observed: 'erase-partial', unit: 1, why: '' }, UNIT);
    expect(check.landed).to.equal(true);
    expect(check.contradictions).to.deep.equal([]);
    expect(check.lateAcknowledgements?.[0]).to.match(/^after the fault: OpenOCD acknowledged the erase of unit 1/);
  });

  it('an aim that never saw its operation is a miss even if the flash looks right', function () {
    const aimed = landing({ aim: { aim: 'chip-trigger', hit: false, notes: ['chip trigger never fired'] } });
    expect(checkLanding(aimed, observation(['blank', 'blank', 'old'], 'erased', 1), erasedAt1, UNIT).miss).to.match(/never saw the operation/);
  });

  it('a fault that did not land is no verdict (broken, exit 2), never a pass or a board failure', function () {
    expect(classifyFailure(new FaultDidNotLandError('b', 'write:50%', 'power-cut', 3, 'intended written at unit 8, observed none'))).to.equal('broken');
  });

  it('re-aims later when the flash shows the operation not reached, earlier when it shows it done', function () {
    const intended: IntendedLanding = { observed: 'erase-partial', unit: 8, why: '' };
    expect(reaimCorrection(0, intended, observation([], 'erased', 7), 40)).to.equal(40);
    expect(reaimCorrection(0, intended, observation([], 'erased', 8), 40)).to.equal(-40);
    expect(reaimCorrection(0, intended, observation([], 'none', undefined), 40)).to.equal(40);
  });
});
