/**
 * An "injector" that does nothing to the board: placed at the `between-erase-and-write` fault
 * point it just stops the harness plan there, so a spec can blank-check exactly what this run's
 * erase phase cleared before anything is written (the second pass of the interrupted-programming
 * spec). harness/faults has no non-destructive stop; this one lives with the specs.
 */
import type { FaultEnvironment, FaultInjector, FireResult, InjectorKind } from '../../harness/faults/index.js';

export class StopAfterErase implements FaultInjector {
  // Not one of harness/faults' kinds: shown as such in the landing and the report.
  readonly kind = 'stop-after-erase' as unknown as InjectorKind;
  readonly endsOpenOcd = false;
  readonly cutsPower = false;
  preflight(): void {}
  fire(_env: FaultEnvironment): Promise<FireResult> {
    return Promise.resolve({ notes: ['run stopped by the spec after its erase phase (nothing done to the board)'] });
  }
}
