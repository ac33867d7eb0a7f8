import { setTimeout as delay } from 'node:timers/promises';
import type { VirtualFlashOperation } from '../boards/virtual-board-control.js';
import { requirePowerCut } from './field-injectors.js';
import {
  FaultInjectionError,
  FaultNotSupportedError,
  type EraseTarget,
  type FaultEnvironment,
  type FaultInjector,
  type FireResult,
  type PowerCutOptions,
} from './injector.js';

/**
 * Virtual board only: waits until the chip itself reports the erase of the target unit in
 * progress (its operation log over the control socket), waits `delayMs`, then cuts power at
 * the board. Precise where a relay is not: the landing carries the chip's own record of the
 * interrupted erase (elapsed fraction).
 */
export class VirtualChipPowerCut implements FaultInjector {
  readonly kind = 'virtual-chip-power-cut' as const;
  readonly endsOpenOcd = false;
  readonly cutsPower = true;
  private target: EraseTarget | undefined;
  /** Start time (chip nanos) of the newest logged operation before the erase was sent. */
  private baselineNanos = -1;

  constructor(private readonly options: PowerCutOptions = {}) {}

  async prepareForErase(env: FaultEnvironment): Promise<void> {
    const ops = await env.control()!.operations();
    this.baselineNanos = ops.reduce((max, op) => Math.max(max, op.startNanos), -1);
  }

  preflight(env: FaultEnvironment): void {
    if (env.board.kind !== 'virtual') throw new FaultNotSupportedError(env.board.id, this.kind, 'only the virtual board has an in-chip trigger');
    if (!env.control()) throw new FaultNotSupportedError(env.board.id, this.kind, 'the virtual board has no control socket');
    requirePowerCut(env, this.kind);
  }

  async waitForEraseMoment(env: FaultEnvironment, target: EraseTarget): Promise<void> {
    this.target = target;
    const control = env.control()!;
    const deadline = performance.now() + 10_000;
    for (;;) {
      const ops = await control.operations();
      const erase = findErase(ops, target.offset, this.baselineNanos);
      if (erase?.result === 'in-progress') break;
      if (erase && erase.result !== 'in-progress') {
        throw new FaultInjectionError(
          env.board.id,
          this.kind,
          `catch the erase of unit ${target.unitIndex} in flight`,
          `the chip's log shows it already ${erase.result} (erase too short for the trigger: raise the virtual time scale)`,
        );
      }
      if (performance.now() > deadline)
        throw new FaultInjectionError(
          env.board.id,
          this.kind,
          `see the erase of unit ${target.unitIndex} start`,
          'no erase of that address in the chip log within 10 s',
        );
      await delay(1);
    }
    await delay(target.delayMs);
  }

  async fire(env: FaultEnvironment): Promise<FireResult> {
    const control = env.control()!;
    await control.power(false);
    const offMs = this.options.offMs ?? 300;
    const notes = ['power cut through the virtual board control socket'];
    const virtual: Record<string, unknown> = {};
    if (this.target) {
      const record = findErase(await control.operations(), this.target.offset, this.baselineNanos);
      virtual.interruptedOperation = record;
      if (record)
        notes.push(
          `chip log: ${record.op} at 0x${record.address.toString(16)} ${record.result}${record.fraction !== undefined ? ` at ${(record.fraction * 100).toFixed(1)} %` : ''}`,
        );
    }
    if (this.options.restore ?? true) {
      await delay(offMs);
      await control.power(true);
      notes.push(`power restored after ${offMs} ms`);
    }
    return { notes, virtual };
  }
}

function findErase(ops: readonly VirtualFlashOperation[], offset: number, afterNanos: number): VirtualFlashOperation | undefined {
  for (let i = ops.length - 1; i >= 0; i--) {
    const op = ops[i]!;
    if (op.startNanos <= afterNanos) continue;
    if (op.op.includes('erase') && op.address <= offset && offset < op.address + op.length) return op;
  }
  return undefined;
}
