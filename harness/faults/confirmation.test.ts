import { expect } from 'chai';
import type { BoardRecord } from '../boards/types.js';
import { isNoVerdictError } from '../exit-codes.js';
import { confirmFault, decodeResetFlags, FaultNotConfirmedError, prepareConfirmation, RCC_RSR_ADDRESS } from './confirmation.js';
import type { FaultEnvironment, FaultLanding, InjectorKind } from './injector.js';

const RSR = `0x${RCC_RSR_ADDRESS.toString(16)}`;

/** A fake OpenOCD holding one RCC_RSR: `write_memory` with RMVF clears it, `read_memory` returns it. */
function fakeEnv(rsr: { value: number }, mcu = 'STM32H745'): { env: FaultEnvironment; commands: string[] } {
  const commands: string[] = [];
  const call = (command: string): Promise<string> => {
    commands.push(command);
    if (command === `write_memory ${RSR} 32 0x10000`) rsr.value = 0;
    if (command.startsWith('read_memory')) return Promise.resolve(`0x${rsr.value.toString(16)}`);
    return Promise.resolve('');
  };
  const board = { id: 'b1', target: { mcu, core: 'cm7' } } as unknown as BoardRecord;
  return {
    commands,
    env: {
      board,
      openOcdProcess: () => undefined,
      openSideChannel: () => Promise.resolve({ call, close: () => Promise.resolve() }),
      power: () => undefined,
      control: () => undefined,
    },
  };
}

function landingOf(injector: InjectorKind, confirmation: FaultLanding['confirmation']): FaultLanding {
  return {
    injector,
    point: 'write:50%',
    description: 'test',
    phase: 'write',
    lastAckedByte: 0,
    lastErasedUnit: undefined,
    lastErasedOffset: undefined,
    elapsedMs: 0,
    inFlightCommand: undefined,
    inFlightOutcome: 'none',
    injectorDoneAtMs: 0,
    notes: ['power cut through serial relay /dev/ttyRELAY channel 2'],
    ...(confirmation ? { confirmation } : {}),
  };
}

describe('fault confirmation from RCC_RSR (harness/faults/confirmation)', function () {
  it('decodes the RM0399 flags: 0x00FE0000 after power-on', function () {
    expect(decodeResetFlags(0x00fe0000)).to.deep.equal(['C1RSTF', 'C2RSTF', 'D1RSTF', 'D2RSTF', 'BORRSTF', 'PINRSTF', 'PORRSTF']);
    expect(decodeResetFlags(0x01460000)).to.deep.equal(['C1RSTF', 'C2RSTF', 'PINRSTF', 'SFT1RSTF']);
    expect(decodeResetFlags(0x0000ffff)).to.deep.equal([]);
  });

  it('before the fault the flags are cleared (RMVF set, then released): a stale POR flag cannot confirm', async function () {
    const rsr = { value: 0x00fe0000 };
    const { env, commands } = fakeEnv(rsr);
    const record = await prepareConfirmation(env, 'power-cut');
    expect(record).to.include({ status: 'pending', evidence: 'power-on', clearedBefore: true });
    expect(commands).to.deep.equal([`write_memory ${RSR} 32 0x10000`, `write_memory ${RSR} 32 0x0`]);
    expect(rsr.value).to.equal(0);
  });

  it('a power cut is confirmed by PORRSTF or BORRSTF; the flags are cleared after reading', async function () {
    const rsr = { value: 0 };
    const { env } = fakeEnv(rsr);
    const landing = landingOf('power-cut', await prepareConfirmation(env, 'power-cut'));
    rsr.value = 0x00fe0000;
    const record = await confirmFault(env, landing);
    expect(record).to.equal(landing.confirmation);
    expect(record).to.include({ status: 'confirmed', clearedAfter: true });
    expect(record!.reading).to.deep.include({ value: '0x00fe0000' });
    expect(record!.note).to.match(/PORRSTF and BORRSTF set, the MCU went through a power-on reset$/);
    expect(rsr.value).to.equal(0);
    expect(await confirmFault(env, landing), 'settled: returned as it is').to.equal(record);
  });

  it('a power cut that left only PINRSTF (a reset init, no power-on) is not confirmed: broken, naming the register and the relay', async function () {
    const rsr = { value: 0 };
    const { env } = fakeEnv(rsr);
    const landing = landingOf('power-cut', await prepareConfirmation(env, 'power-cut'));
    rsr.value = 0x00460000;
    let error: unknown;
    try {
      await confirmFault(env, landing);
    } catch (e) {
      error = e;
    }
    expect(error).to.be.instanceOf(FaultNotConfirmedError);
    expect(isNoVerdictError(error)).to.equal(true);
    expect((error as Error).message).to.equal(
      'board b1: fault not confirmed: power switch did not cut power: RCC_RSR=0x00460000 (C1RSTF C2RSTF PINRSTF) after power-cut at write:50% ' +
        '(no PORRSTF/BORRSTF flag; power cut through serial relay /dev/ttyRELAY channel 2)',
    );
    expect(landing.confirmation).to.include({ status: 'not-confirmed', clearedAfter: true });
  });

  it('SRST is confirmed by PINRSTF, and not confirmed without it', async function () {
    const rsr = { value: 0 };
    const { env } = fakeEnv(rsr);
    const pinned = landingOf('srst', await prepareConfirmation(env, 'srst'));
    rsr.value = 0x00460000;
    expect(await confirmFault(env, pinned)).to.include({ status: 'confirmed', evidence: 'pin-reset' });
    const missed = landingOf('srst', await prepareConfirmation(env, 'srst'));
    let error: unknown;
    try {
      await confirmFault(env, missed);
    } catch (e) {
      error = e;
    }
    expect((error as Error).message).to.match(
      /fault not confirmed: SRST did not reset the MCU: RCC_RSR=0x00000000 \(no flags\) after srst at write:50% \(no PINRSTF flag\)$/,
    );
  });

  it('injectors that reset nothing get no record; an MCU without known flags is skipped with a note, never confirmed', async function () {
    const { env, commands } = fakeEnv({ value: 0 });
    expect(await prepareConfirmation(env, 'kill-openocd')).to.equal(undefined);
    expect(await confirmFault(env, landingOf('kill-openocd', undefined))).to.equal(undefined);
    const other = fakeEnv({ value: 0 }, 'STM32H743').env;
    const skipped = await prepareConfirmation(other, 'power-cut');
    expect(skipped).to.include({ status: 'skipped', clearedBefore: false });
    expect(skipped!.note).to.match(/no reset-cause register known for MCU STM32H743: the fault is not confirmed/);
    expect(await confirmFault(other, landingOf('power-cut', skipped))).to.include({ status: 'skipped' });
    expect(commands).to.deep.equal([]);
  });
});
