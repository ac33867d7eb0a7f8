import { setTimeout as delay } from 'node:timers/promises';
import { requirePowerCut } from './field-injectors.js';
import { FaultInjectionError, FaultNotSupportedError, type FaultEnvironment, type FaultInjector, type FireResult, type PowerCutOptions } from './injector.js';

/**
 * Virtual board only: cuts the chip's power through the board's control socket, with no relay
 * in between. Where it lands inside an operation is the aim's business (the chip trigger holds
 * the board at the exact fraction); the landing carries the chip's own record.
 */
export class VirtualChipPowerCut implements FaultInjector {
  readonly kind = 'virtual-chip-power-cut' as const;
  readonly endsOpenOcd = false;
  readonly cutsPower = true;

  constructor(private readonly options: PowerCutOptions = {}) {}

  preflight(env: FaultEnvironment): void {
    if (env.board.kind !== 'virtual') throw new FaultNotSupportedError(env.board.id, this.kind, 'only the virtual board has an in-chip power switch');
    if (!env.control()) throw new FaultNotSupportedError(env.board.id, this.kind, 'the virtual board has no control socket');
    requirePowerCut(env, this.kind);
  }

  async fire(env: FaultEnvironment): Promise<FireResult> {
    const control = env.control()!;
    try {
      await control.power(false);
    } catch (error) {
      throw new FaultInjectionError(env.board.id, this.kind, 'cut power', error instanceof Error ? error.message : String(error), { cause: error });
    }
    const offMs = this.options.offMs ?? 300;
    const notes = ['power cut through the virtual board control socket'];
    const interrupted = (await control.operations()).filter((op) => op.result === 'interrupted').at(-1);
    if (interrupted)
      notes.push(
        `chip log: ${interrupted.op} at 0x${interrupted.address.toString(16)} interrupted${interrupted.fraction !== undefined ? ` at ${(interrupted.fraction * 100).toFixed(1)} %` : ''}`,
      );
    if (this.options.restore ?? true) {
      await delay(offMs);
      await control.power(true);
      notes.push(`power restored after ${offMs} ms`);
    }
    return { notes, ...(interrupted ? { virtual: { interruptedOperation: interrupted } } : {}) };
  }
}
