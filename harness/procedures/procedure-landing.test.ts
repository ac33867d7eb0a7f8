import { expect } from 'chai';
import type { AimReport } from '../faults/aim.js';
import type { LandingObservation, ObservedLanding, UnitObservation } from '../flash/landing-observation.js';
import type { ProcedureFault } from './procedure-injectors.js';
import { checkProcedureLanding, procedureIntendedLanding, writtenBytes, type ProcedureIntendedLanding } from './procedure-landing.js';
import { parseProcedurePoint } from './procedure-point.js';
import type { ProcedureFaultRecord } from './procedure-run.js';

const UNIT = 65536;
const SECTOR = 4096;
const PAGE = 256;
/** 16.5 units: the last unit half used, as a real image rarely ends on a unit. */
const IMAGE_BYTES = 1081344;

/** One observed unit: 16 sector letters, optional page letters keyed by the sector's flash offset. */
function unitAt(index: number, sectors: string, pages?: Record<string, string>, rangeOffset = 0): UnitObservation {
  expect(sectors, 'a unit has 16 sectors').to.have.length(16);
  return { index, offset: rangeOffset + index * UNIT, state: 'mixed', sectors, byCrc: false, ...(pages ? { pages } : {}) };
}

function observation(units: readonly UnitObservation[], observed: ObservedLanding = 'written', unit: number | undefined = undefined): LandingObservation {
  return {
    observed,
    unit,
    units,
    fingerprint: '0000000000000000',
    inspection: { unitsByCrc: 0, unitsReadBack: units.length, bytesReadBack: 0, elapsedMs: 0 },
  };
}

const ALL_NEW = 'N'.repeat(16);
const ALL_BLANK = 'B'.repeat(16);

/** `count` whole-new units from offset 0, then `rest`. */
function newUnitsThen(count: number, ...rest: UnitObservation[]): UnitObservation[] {
  return [...Array.from({ length: count }, (_, i) => unitAt(i, ALL_NEW)), ...rest];
}

/** An observation whose new image runs from offset 0 up to `bytes` (a multiple of 4 KiB). */
function writtenUpTo(bytes: number, observed: ObservedLanding = 'written'): LandingObservation {
  expect(bytes % SECTOR).to.equal(0);
  const units = Math.floor(bytes / UNIT);
  const sectors = (bytes % UNIT) / SECTOR;
  return observation(newUnitsThen(units, unitAt(units, 'N'.repeat(sectors) + 'B'.repeat(16 - sectors))), observed, units);
}

function hex(n: number): string {
  return `0x${n.toString(16)}`;
}

function fault(injector: ProcedureFault['injector'], point: string): ProcedureFault {
  return { injector, point: parseProcedurePoint(point) };
}

function firedRecord(injector: ProcedureFault['injector'], point: string, aim?: AimReport): ProcedureFaultRecord {
  return { injector, point, fired: true, firedAtMs: 1234, trigger: 'test', notes: [], ...(aim ? { aim } : {}) };
}

const image = { offset: 0, bytes: IMAGE_BYTES };

describe('procedure landings (harness/procedures/procedure-landing)', () => {
  describe('writtenBytes', () => {
    it('all units new: the image length, clamped to imageBytes (the last unit is only half the image)', () => {
      const obs = observation(newUnitsThen(17));
      expect(writtenBytes(obs, 0, IMAGE_BYTES)).to.equal(IMAGE_BYTES);
      expect(writtenBytes(obs, 0, 17 * UNIT)).to.equal(17 * UNIT);
      // The last unit new in its first half, blank after the image's end.
      const halfLast = observation(newUnitsThen(16, unitAt(16, 'N'.repeat(8) + 'B'.repeat(8))));
      expect(writtenBytes(halfLast, 0, IMAGE_BYTES)).to.equal(IMAGE_BYTES);
    });

    it('8 units new, then a sector written up to a page: 8 units + the sectors before it + the new pages', () => {
      const sectorIndex = 6;
      const sectorOffset = 8 * UNIT + sectorIndex * SECTOR;
      expect(hex(sectorOffset)).to.equal('0x86000');
      const unit8 = unitAt(8, 'NNNNNNW' + 'B'.repeat(9), { '0x86000': 'NNNNNW' + 'B'.repeat(10) });
      const obs = observation(newUnitsThen(8, unit8, unitAt(9, ALL_BLANK)), 'written', 8);
      expect(writtenBytes(obs, 0, IMAGE_BYTES)).to.equal(8 * UNIT + sectorIndex * SECTOR + 5 * PAGE);
    });

    it('stops at the first sector that is not new, even when later sectors are new', () => {
      const unit0 = unitAt(0, 'NNB' + 'N'.repeat(13));
      expect(writtenBytes(observation([unit0]), 0, IMAGE_BYTES)).to.equal(2 * SECTOR);
    });

    it('a leading sector that is old: nothing written', () => {
      const obs = observation([unitAt(0, 'O' + 'N'.repeat(15)), ...newUnitsThen(16).slice(1)], 'unexplained', 0);
      expect(writtenBytes(obs, 0, IMAGE_BYTES)).to.equal(0);
    });

    it('a leading sector erased part way (its pages old or blank): nothing written', () => {
      const obs = observation([unitAt(0, 'E' + 'O'.repeat(15), { '0x0': 'OOBB' + 'O'.repeat(12) })], 'erase-partial', 0);
      expect(writtenBytes(obs, 0, IMAGE_BYTES)).to.equal(0);
    });

    it('= pages (both images hold them alike) count as written, up to the first page that is neither new nor =', () => {
      const obs = observation(newUnitsThen(2, unitAt(2, 'W' + 'B'.repeat(15), { [hex(2 * UNIT)]: '==N=NB' + 'B'.repeat(10) })));
      expect(writtenBytes(obs, 0, IMAGE_BYTES)).to.equal(2 * UNIT + 5 * PAGE);
      // = pages after a blank page do not count: the write stopped at the blank one.
      const header = observation([unitAt(0, 'W' + 'B'.repeat(15), { '0x0': '==B=' + 'B'.repeat(12) })]);
      expect(writtenBytes(header, 0, IMAGE_BYTES)).to.equal(2 * PAGE);
    });

    it('counts from the image offset: sectors before the image are skipped', () => {
      const imageOffset = 2 * UNIT;
      const units = [
        { ...unitAt(0, 'O'.repeat(16)), offset: 0 },
        { ...unitAt(1, 'O'.repeat(16)), offset: UNIT },
        { ...unitAt(2, ALL_NEW), offset: 2 * UNIT },
        { ...unitAt(3, 'NNN' + 'B'.repeat(13)), offset: 3 * UNIT },
      ];
      expect(writtenBytes(observation(units), imageOffset, IMAGE_BYTES)).to.equal(UNIT + 3 * SECTOR);
    });
  });

  describe('procedureIntendedLanding', () => {
    it('progress:50% on 1081344 bytes with chunkBytes 65536: the image written up to byte 540672 ± 65536, any word', () => {
      const intended = procedureIntendedLanding(fault('kill-tool', 'progress:50%'), IMAGE_BYTES, UNIT, 65536);
      expect(intended.boundary).to.deep.equal({ byte: 540672, tolerance: 65536 });
      expect(intended.observed).to.equal('any');
      expect(intended.unit).to.equal(undefined);
    });

    it('progress: the boundary scales with the percent and the tolerance is the chunk', () => {
      expect(procedureIntendedLanding(fault('power-cut', 'progress:25%'), 400_000, UNIT, 4096).boundary).to.deep.equal({ byte: 100_000, tolerance: 4096 });
    });

    it('erase-in-flight:middle:50% with a power cut on a 17-unit image: erase-partial at unit 8', () => {
      const intended = procedureIntendedLanding(fault('power-cut', 'erase-in-flight:middle:50%'), IMAGE_BYTES, UNIT, 65536);
      expect(intended).to.include({ observed: 'erase-partial', unit: 8 });
      expect(intended.boundary).to.equal(undefined);
    });

    it('erase-in-flight:middle:50% with kill-tool (or kill-openocd, srst): the chip finishes the erase: erased at unit 8', () => {
      for (const injector of ['kill-tool', 'kill-openocd', 'srst'] as const)
        expect(procedureIntendedLanding(fault(injector, 'erase-in-flight:middle:50%'), IMAGE_BYTES, UNIT, 65536), injector).to.include({
          observed: 'erased',
          unit: 8,
        });
    });

    it('program-in-flight:last with srst: the chip finishes the page: written at unit 16', () => {
      expect(procedureIntendedLanding(fault('srst', 'program-in-flight:last'), IMAGE_BYTES, UNIT, 65536)).to.include({ observed: 'written', unit: 16 });
    });

    it('program-in-flight with a power cut: program-partial; unit indexes and first resolve as given', () => {
      expect(procedureIntendedLanding(fault('power-cut', 'program-in-flight:3:25%'), IMAGE_BYTES, UNIT, 65536)).to.include({
        observed: 'program-partial',
        unit: 3,
      });
      expect(procedureIntendedLanding(fault('power-cut', 'erase-in-flight:first:10%'), IMAGE_BYTES, UNIT, 65536)).to.include({
        observed: 'erase-partial',
        unit: 0,
      });
    });

    it('line and time points: any word, no unit, no boundary', () => {
      for (const point of ['line:Programming Finished', 'time:1500ms']) {
        const intended = procedureIntendedLanding(fault('kill-tool', point), IMAGE_BYTES, UNIT, 65536);
        expect(intended.observed, point).to.equal('any');
        expect(intended.unit, point).to.equal(undefined);
        expect(intended.boundary, point).to.equal(undefined);
      }
    });
  });

  describe('checkProcedureLanding', () => {
    const anyLanding: ProcedureIntendedLanding = { observed: 'any', unit: undefined, why: 'test' };

    it('a fault that never fired did not land, whatever the flash shows; the miss says so with its notes', () => {
      const record: ProcedureFaultRecord = {
        injector: 'kill-tool',
        point: 'progress:50%',
        fired: false,
        notes: ['the procedure ended before the fault point was reached'],
      };
      const check = checkProcedureLanding(record, observation(newUnitsThen(17)), anyLanding, image);
      expect(check.landed).to.equal(false);
      expect(check.miss).to.contain('never fired').and.to.contain('the procedure ended before the fault point was reached');
      expect(check.writtenBytes).to.equal(IMAGE_BYTES);
    });

    it('an aim that never saw its operation did not land, even where the flash matches the intended word', () => {
      const aim: AimReport = { aim: 'chip-trigger', hit: false, notes: ['the erase ended before the trigger held it'] };
      const intended = procedureIntendedLanding(fault('power-cut', 'erase-in-flight:middle:50%'), IMAGE_BYTES, UNIT, 65536);
      const obs = observation(newUnitsThen(8), 'erase-partial', 8);
      const check = checkProcedureLanding(firedRecord('power-cut', 'erase-in-flight:middle:50%', aim), obs, intended, image);
      expect(check.landed).to.equal(false);
      expect(check.miss).to.contain('chip-trigger aim never saw the operation').and.to.contain('the erase ended before the trigger held it');
      // The same record with a hit lands.
      const hit = checkProcedureLanding(firedRecord('power-cut', 'erase-in-flight:middle:50%', { ...aim, hit: true }), obs, intended, image);
      expect(hit.landed).to.equal(true);
    });

    describe('progress: the written part ends at the boundary, give or take the tolerance', () => {
      const record = firedRecord('kill-tool', 'progress:50%');
      const byte = 540672;

      it('exactly at the boundary, and at the boundary ± tolerance: landed', () => {
        const intended = procedureIntendedLanding(fault('kill-tool', 'progress:50%'), IMAGE_BYTES, UNIT, 65536);
        for (const written of [byte, byte + 65536, byte - 65536]) {
          const check = checkProcedureLanding(record, writtenUpTo(written), intended, image);
          expect(check.writtenBytes, `written ${written}`).to.equal(written);
          expect(check.landed, `written ${written}`).to.equal(true);
          expect(check.miss).to.equal(undefined);
        }
      });

      it('tolerance + 1 bytes past the boundary: not landed, the miss giving intended and observed bytes (the progress check can fail)', () => {
        const intended = procedureIntendedLanding(fault('kill-tool', 'progress:50%'), IMAGE_BYTES, UNIT, 65535);
        expect(intended.boundary).to.deep.equal({ byte, tolerance: 65535 });
        const over = checkProcedureLanding(record, writtenUpTo(byte + 65536), intended, image);
        expect(over.landed).to.equal(false);
        expect(over.writtenBytes).to.equal(606208);
        expect(over.miss).to.contain('byte 540672 ± 65535').and.to.contain('observed 606208 (+65536)');
      });

      it('tolerance + 1 bytes short of the boundary: not landed either', () => {
        const intended = procedureIntendedLanding(fault('kill-tool', 'progress:50%'), IMAGE_BYTES, UNIT, 65535);
        const under = checkProcedureLanding(record, writtenUpTo(byte - 65536), intended, image);
        expect(under.landed).to.equal(false);
        expect(under.miss).to.contain('observed 475136 (-65536)');
      });

      it('the whole image written where the tool stated 50 %: not landed', () => {
        const intended = procedureIntendedLanding(fault('kill-tool', 'progress:50%'), IMAGE_BYTES, UNIT, 65536);
        const check = checkProcedureLanding(record, observation(newUnitsThen(17), 'written', 16), intended, image);
        expect(check.landed).to.equal(false);
        expect(check.miss).to.contain(`observed ${IMAGE_BYTES}`);
      });

      it('a boundary is checked on bytes alone: an unexplained word within tolerance still lands', () => {
        const intended = procedureIntendedLanding(fault('kill-tool', 'progress:50%'), IMAGE_BYTES, UNIT, 65536);
        expect(checkProcedureLanding(record, writtenUpTo(byte, 'unexplained'), intended, image).landed).to.equal(true);
      });
    });

    describe('chip points: the word and the unit', () => {
      const point = 'erase-in-flight:middle:50%';
      const intended = procedureIntendedLanding(fault('power-cut', point), IMAGE_BYTES, UNIT, 65536);
      const hit: AimReport = { aim: 'chip-trigger', hit: true, notes: [] };

      it('erase-partial at unit 8 as intended: landed', () => {
        const check = checkProcedureLanding(firedRecord('power-cut', point, hit), observation(newUnitsThen(8), 'erase-partial', 8), intended, image);
        expect(check).to.deep.equal({ landed: true, writtenBytes: 8 * UNIT });
      });

      it('erase-partial at unit 9 where unit 8 was intended: not landed, the miss naming both', () => {
        const check = checkProcedureLanding(firedRecord('power-cut', point, hit), observation(newUnitsThen(9), 'erase-partial', 9), intended, image);
        expect(check.landed).to.equal(false);
        expect(check.miss).to.equal('intended erase-partial at unit 8, observed erase-partial at unit 9');
      });

      it('erased at unit 8 where the cut should have left it erase-partial: not landed', () => {
        const check = checkProcedureLanding(firedRecord('power-cut', point, hit), observation(newUnitsThen(8), 'erased', 8), intended, image);
        expect(check.landed).to.equal(false);
        expect(check.miss).to.contain('observed erased at unit 8');
      });
    });

    describe("'any' (line and time points)", () => {
      it('every explained word lands', () => {
        for (const word of ['none', 'erased', 'erase-partial', 'program-partial', 'written'] as const) {
          const check = checkProcedureLanding(firedRecord('kill-tool', 'time:1500ms'), observation([], word, undefined), anyLanding, image);
          expect(check.landed, word).to.equal(true);
          expect(check.miss, word).to.equal(undefined);
        }
      });

      it('an unexplained flash does not land', () => {
        const check = checkProcedureLanding(firedRecord('kill-tool', 'line:Programming'), observation(newUnitsThen(3), 'unexplained', 3), anyLanding, image);
        expect(check.landed).to.equal(false);
        expect(check.miss).to.contain('unexplained');
        expect(check.writtenBytes).to.equal(3 * UNIT);
      });
    });
  });
});
