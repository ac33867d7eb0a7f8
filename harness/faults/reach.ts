/**
 * Which injector can reach which fault point, and where each combination is meant to land.
 *
 * OpenOCD is single-threaded: while a flash command runs it serves no Tcl connection, so an
 * injector that acts through OpenOCD (Tcl `shutdown`, `adapter assert srst`) lands only between
 * commands. A power cut and SIGKILL act from outside and land inside operations; after a kill
 * the chip keeps power and finishes the operation it started, after a cut it stops where it is.
 * Combinations outside this table are never generated and never reported as passed.
 */
import type { EraseUnitRef, FaultPoint } from './fault-point.js';
import type { InjectorKind } from './injector.js';

export type InjectorReach = 'inside-operations' | 'between-commands';

export interface ReachEntry {
  readonly reach: InjectorReach;
  /** What the chip does with an operation in flight when this injector lands. */
  readonly chipEffect: 'stops' | 'finishes';
  readonly why: string;
}

export const INJECTOR_REACH: Readonly<Record<InjectorKind, ReachEntry>> = {
  'power-cut': {
    reach: 'inside-operations',
    chipEffect: 'stops',
    why: "the chip's supply goes: an erase or page program in flight stops where it is",
  },
  'virtual-chip-power-cut': {
    reach: 'inside-operations',
    chipEffect: 'stops',
    why: "the virtual chip's supply goes (control socket, no relay): an operation in flight stops where it is",
  },
  'kill-tool': {
    reach: 'inside-operations',
    chipEffect: 'finishes',
    why: "SIGKILL stops the programming tool's whole process group at once; the chip keeps power and finishes the operation it started",
  },
  'kill-openocd': {
    reach: 'inside-operations',
    chipEffect: 'finishes',
    why: 'SIGKILL stops OpenOCD at once; the chip keeps power and finishes the operation it started',
  },
  srst: {
    reach: 'between-commands',
    chipEffect: 'finishes',
    why: 'OpenOCD serves the Tcl connection that asserts NRST only between commands; NRST resets the MCU, the chip finishes its own operation',
  },
  'tcl-shutdown': {
    reach: 'between-commands',
    chipEffect: 'finishes',
    why: 'OpenOCD serves Tcl shutdown only between commands',
  },
};

/** Fault points that lie inside a chip operation. */
export function isInsideOperation(point: FaultPoint): boolean {
  return point.kind === 'erase-in-flight' || point.kind === 'program-in-flight';
}

/** Why `kind` cannot land at `point`, or undefined when it can. */
export function unreachable(kind: InjectorKind, point: FaultPoint): string | undefined {
  // Injectors from outside harness/faults (a spec's own stop) are trusted between commands only.
  const entry = INJECTOR_REACH[kind] as ReachEntry | undefined;
  if (!isInsideOperation(point)) return undefined;
  if (!entry) return `${kind} has no entry in the reach table: it is not known to land inside a chip operation`;
  if (entry.reach === 'between-commands') return `${kind} cannot land inside a chip operation: ${entry.why}`;
  return undefined;
}

/** The landing words (harness/flash/landing-observation.ts classifies the flash into one). */
export type LandingClass = 'none' | 'erase-partial' | 'erased' | 'program-partial' | 'written';

export interface IntendedLanding {
  /** 'any' for a time point: it lands wherever the run is; the observation says where. */
  readonly observed: LandingClass | 'any';
  /** The plan's erase unit where the flash state must change last (undefined: not checked). */
  readonly unit: number | undefined;
  readonly why: string;
}

/** What the plan needs to say where a point lands: its units and where a write stops. */
export interface LandingPlanFacts {
  readonly unitCount: number;
  /** The image byte after which a write point stops (planProgramming's split). */
  readonly writeStopByte?: number;
  /** The plan unit holding the last byte a write point writes. */
  readonly writeStopUnit?: number;
  /** The plan unit a unit reference resolves to. */
  resolveUnit(ref: EraseUnitRef): number;
}

/** Where `kind` at `point` must leave the flash, by the table above. */
export function intendedLanding(kind: InjectorKind, point: FaultPoint, plan: LandingPlanFacts): IntendedLanding {
  const stops = INJECTOR_REACH[kind].chipEffect === 'stops';
  switch (point.kind) {
    case 'erase-in-flight': {
      const unit = plan.resolveUnit(point.unit);
      return stops
        ? { observed: 'erase-partial', unit, why: `the cut stops the erase of unit ${unit} part way` }
        : { observed: 'erased', unit, why: `the chip finishes the erase of unit ${unit} that OpenOCD never saw acknowledged` };
    }
    case 'program-in-flight': {
      const unit = plan.resolveUnit(point.unit);
      return stops
        ? { observed: 'program-partial', unit, why: `the cut stops a page program in unit ${unit} part way` }
        : {
            observed: 'written',
            unit,
            why: `the chip finishes the page it was programming in unit ${unit} (the loader on the MCU, the pages already buffered), then nothing more`,
          };
    }
    case 'erase': {
      const unit = plan.resolveUnit(point.unit);
      if (point.when === 'after') return { observed: 'erased', unit, why: `units up to ${unit} erased, nothing written` };
      return unit === 0
        ? { observed: 'none', unit: undefined, why: 'nothing erased yet' }
        : { observed: 'erased', unit: unit - 1, why: `units before ${unit} erased, nothing written` };
    }
    case 'between-erase-and-write':
      return { observed: 'erased', unit: plan.unitCount - 1, why: 'every unit erased, nothing written' };
    case 'after-header':
    case 'write-bytes':
    case 'write-percent': {
      return { observed: 'written', unit: plan.writeStopUnit, why: `the image written up to byte ${plan.writeStopByte ?? '?'}, the rest erased` };
    }
    case 'time':
      return { observed: 'any', unit: undefined, why: 'a time point lands wherever the run is; the observation says where' };
  }
}
