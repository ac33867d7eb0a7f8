import { expect } from 'chai';
import { armFault } from '../flash/armed-fault.js';
import { landingFacts, planProgramming } from '../flash/programming-plan.js';
import type { BoardRecord } from '../boards/types.js';
import { ChipTriggerAim, TimedAim } from './aim.js';
import { FAULT_INJECTORS, parseFaultPoint } from './fault-point.js';
import { FaultNotSupportedError, type FaultEnvironment } from './injector.js';
import { INJECTOR_REACH, intendedLanding, unreachable } from './reach.js';

const KiB = 1024;
const plan = planProgramming({ imageLength: 17 * 64 * KiB - 32 * KiB, flashOffset: 0, flashSize: 64 * KiB * KiB, eraseUnit: 64 * KiB, chunkSize: 16 * KiB });
const facts = landingFacts(plan);

/** A fault environment of a board with every injector allowed; control only when asked. */
function env(withControl: boolean): FaultEnvironment {
  const board = {
    id: 'b',
    kind: 'virtual',
    allows: { powerCut: true, massErase: true },
    reset: { srst: true },
    power: { type: 'virtual' },
  } as unknown as BoardRecord;
  const control = withControl ? ({} as ReturnType<FaultEnvironment['control']>) : undefined;
  return {
    board,
    openOcdProcess: () => ({}) as ReturnType<FaultEnvironment['openOcdProcess']>,
    openSideChannel: () => Promise.reject(new Error('not in this test')),
    power: () => ({}) as ReturnType<FaultEnvironment['power']>,
    control: () => control,
  };
}

describe('harness/faults reach table', function () {
  it('only a power cut and a kill land inside chip operations; Tcl-driven injectors only between commands', function () {
    const inside = FAULT_INJECTORS.filter((k) => unreachable(k, parseFaultPoint('erase-in-flight:first:50%')) === undefined);
    expect(inside).to.deep.equal(['kill-openocd', 'power-cut']);
    expect(unreachable('srst', parseFaultPoint('program-in-flight:middle'))).to.match(/only between commands/);
    expect(unreachable('tcl-shutdown', parseFaultPoint('write:50%'))).to.equal(undefined);
    expect(INJECTOR_REACH['kill-openocd'].chipEffect).to.equal('finishes');
  });

  it('an unreachable combination is refused before the board is touched', function () {
    const wiring = { env: env(true) };
    expect(() => armFault(parseFaultPoint('erase-in-flight:first:50%'), 'tcl-shutdown', wiring)).to.throw(
      FaultNotSupportedError,
      /cannot land inside a chip operation/,
    );
  });

  it('a point inside an operation is armed with the chip trigger on a board with one, with time elsewhere', function () {
    expect(armFault(parseFaultPoint('erase-in-flight:first:50%'), 'kill-openocd', { env: env(true) })?.aim).to.be.instanceOf(ChipTriggerAim);
    expect(armFault(parseFaultPoint('erase-in-flight:first:50%'), 'kill-openocd', { env: env(false) })?.aim).to.be.instanceOf(TimedAim);
    expect(armFault(parseFaultPoint('write:50%'), 'kill-openocd', { env: env(true) })?.aim).to.equal(undefined);
  });

  it('intended landings: a cut leaves an erase or page partial, a kill lets the chip finish; first / middle / last are different units', function () {
    const at = (kind: Parameters<typeof intendedLanding>[0], point: string) => {
      const i = intendedLanding(kind, parseFaultPoint(point), facts);
      return `${i.observed}@${i.unit}`;
    };
    expect(at('power-cut', 'erase-in-flight:first:50%')).to.equal('erase-partial@0');
    expect(at('power-cut', 'erase-in-flight:middle:50%')).to.equal('erase-partial@8');
    expect(at('power-cut', 'erase-in-flight:last:50%')).to.equal('erase-partial@16');
    expect(at('kill-openocd', 'erase-in-flight:last:50%')).to.equal('erased@16');
    expect(at('power-cut', 'program-in-flight:first')).to.equal('program-partial@0');
    expect(at('kill-openocd', 'program-in-flight:first')).to.equal('written@0');
    expect(at('srst', 'erase:after:middle')).to.equal('erased@8');
    expect(at('srst', 'erase:before:first')).to.equal('none@undefined');
    expect(at('tcl-shutdown', 'between-erase-and-write')).to.equal('erased@16');
    expect(intendedLanding('power-cut', parseFaultPoint('time:20ms'), facts).observed).to.equal('any');
  });

  it('a timed aim fires after the chip needs to reach the fraction: the erase time, or the pages before at the pace seen', function () {
    expect(TimedAim.delayFor({ op: 'erase', unitIndex: 0, offset: 0, length: 64 * KiB, fraction: 0.5, typicalMs: 160 })).to.equal(80);
    expect(TimedAim.delayFor({ op: 'program', unitIndex: 0, offset: 0, length: 256, fraction: 0.5, typicalMs: 0.7, pagesBefore: 10, msPerPage: 2 })).to.equal(
      21,
    );
  });
});
