/**
 * Where a fault in a procedure run was meant to land, and whether the flash shows it did. The
 * flash is read the same way as for the harness's plan (harness/flash/landing-observation.ts);
 * what differs is what the case can promise about a tool the harness does not drive step by step:
 *
 * - inside a chip operation (the chip trigger held it there): the operation's word and unit, as
 *   for the plan (a cut stops it part way, a kill or a reset lets the chip finish it);
 * - at a progress the tool stated: the image written from its start up to that share, give or
 *   take the procedure's `chunkBytes` (what the tool had handed to the chip, or not yet);
 * - at a line or a time: wherever the tool was; the observation says where.
 *
 * A fault that never fired (the tool ended first) or an aim that never saw its operation did not
 * land: the case is broken, not passed.
 */
import type { EraseUnitRef } from '../faults/fault-point.js';
import { intendedLanding, type IntendedLanding } from '../faults/reach.js';
import type { LandingObservation } from '../flash/landing-observation.js';
import { PAGE_SIZE, resolveUnit } from '../flash/programming-plan.js';
import { SECTOR_SIZE } from '../flash/sector-map.js';
import type { ProcedureFault } from './procedure-injectors.js';
import { isChipOperationPoint } from './procedure-point.js';
import type { ProcedureFaultRecord } from './procedure-run.js';
import { imageUnitCount } from './procedure-target.js';

export interface ProcedureIntendedLanding extends IntendedLanding {
  /** Progress points: the image byte the written part must end at, within `tolerance` bytes. */
  readonly boundary?: { readonly byte: number; readonly tolerance: number };
}

export interface ProcedureLandingCheck {
  readonly landed: boolean;
  readonly miss?: string;
  /** Image bytes from its start the flash holds as the new image. */
  readonly writtenBytes: number;
}

/**
 * Where `fault` must leave the flash when a tool writes an image of `imageBytes` at flash offset
 * `imageOffset` (units counted as procedure-run.ts's chip trigger counts them).
 */
export function procedureIntendedLanding(
  fault: ProcedureFault,
  imageBytes: number,
  unitSize: number,
  chunkBytes: number,
  imageOffset = 0,
): ProcedureIntendedLanding {
  const point = fault.point;
  if (isChipOperationPoint(point)) {
    const unitCount = imageUnitCount(imageOffset, imageBytes, unitSize);
    const facts = { unitCount, resolveUnit: (ref: EraseUnitRef) => resolveUnit(ref, unitCount) };
    const asPlanPoint =
      point.kind === 'erase-in-flight'
        ? ({ kind: 'erase-in-flight', unit: point.unit, at: { fraction: point.fraction } } as const)
        : ({ kind: 'program-in-flight', unit: point.unit, at: { fraction: point.fraction } } as const);
    // Only the chip's side of the reach table applies (every injector here acts from outside the
    // tool): a cut stops the operation, a kill or an MCU reset lets the chip finish it.
    return intendedLanding(fault.injector === 'power-cut' ? 'power-cut' : 'kill-tool', asPlanPoint, facts);
  }
  if (point.kind === 'progress') {
    const byte = Math.round((point.percent / 100) * imageBytes);
    return {
      observed: 'any',
      unit: undefined,
      boundary: { byte, tolerance: chunkBytes },
      why: `the tool stated ${point.percent} %: the image written up to byte ${byte}, give or take ${chunkBytes} bytes (chunkBytes)`,
    };
  }
  return { observed: 'any', unit: undefined, why: `a ${point.kind} point lands wherever the tool was; the observation says where` };
}

/** Image bytes from its start (flash offset `imageOffset`) the observation shows as the new image, to page granularity. */
export function writtenBytes(observation: LandingObservation, imageOffset: number, imageBytes: number): number {
  let written = 0;
  for (const unit of observation.units) {
    for (let s = 0; s < unit.sectors.length; s++) {
      const sectorOffset = unit.offset + s * SECTOR_SIZE;
      if (sectorOffset + SECTOR_SIZE <= imageOffset) continue;
      const letter = unit.sectors[s];
      if (letter === 'N') {
        written = sectorOffset + SECTOR_SIZE - imageOffset;
        continue;
      }
      const pages = unit.pages?.[`0x${sectorOffset.toString(16)}`];
      if (pages !== undefined) {
        let p = 0;
        while (p < pages.length && (pages[p] === 'N' || pages[p] === '=')) p++;
        written = sectorOffset + p * PAGE_SIZE - imageOffset;
      }
      return Math.max(0, Math.min(written, imageBytes));
    }
  }
  return Math.max(0, Math.min(written, imageBytes));
}

export function checkProcedureLanding(
  record: ProcedureFaultRecord,
  observation: LandingObservation,
  intended: ProcedureIntendedLanding,
  image: { readonly offset: number; readonly bytes: number },
): ProcedureLandingCheck {
  const written = writtenBytes(observation, image.offset, image.bytes);
  if (!record.fired) return { landed: false, miss: `the fault never fired: ${record.notes.join('; ')}`, writtenBytes: written };
  if (record.aim && !record.aim.hit)
    return { landed: false, miss: `the ${record.aim.aim} aim never saw the operation: ${record.aim.notes.join('; ')}`, writtenBytes: written };
  if (intended.boundary) {
    const { byte, tolerance } = intended.boundary;
    const off = written - byte;
    return Math.abs(off) <= tolerance
      ? { landed: true, writtenBytes: written }
      : {
          landed: false,
          miss: `intended the image written up to byte ${byte} ± ${tolerance}, observed ${written} (${off > 0 ? '+' : ''}${off}); flash shows ${observation.observed} at unit ${observation.unit}`,
          writtenBytes: written,
        };
  }
  if (intended.observed === 'any')
    return {
      landed: observation.observed !== 'unexplained',
      ...(observation.observed === 'unexplained' ? { miss: 'the flash state is unexplained' } : {}),
      writtenBytes: written,
    };
  const landed = observation.observed === intended.observed && (intended.unit === undefined || observation.unit === intended.unit);
  return landed
    ? { landed, writtenBytes: written }
    : {
        landed,
        miss: `intended ${intended.observed} at unit ${intended.unit}, observed ${observation.observed} at unit ${observation.unit}`,
        writtenBytes: written,
      };
}
