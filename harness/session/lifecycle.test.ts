import { expect } from 'chai';
import { SessionBrokenError, SessionStateError } from './errors.js';
import { Lifecycle, type LifecycleActions } from './lifecycle.js';

function recorder(fail: Partial<Record<keyof LifecycleActions, Error>> = {}): { calls: string[]; actions: LifecycleActions } {
  const calls: string[] = [];
  const act = (name: keyof LifecycleActions) => async (): Promise<void> => {
    calls.push(name);
    if (fail[name]) throw fail[name];
  };
  return { calls, actions: { powerOn: act('powerOn'), powerOff: act('powerOff'), halt: act('halt'), flashReady: act('flashReady'), boot: act('boot') } };
}

describe('Lifecycle: off → powered → halted → flash-ready → booted (labgrid strategy)', () => {
  it('from off, reaching flash-ready powers on first, then runs reset init', async () => {
    const { calls, actions } = recorder();
    const life = new Lifecycle('b1', actions);
    await life.transition('flash-ready');
    expect(calls).to.deep.equal(['powerOn', 'flashReady']);
    expect(life.status).to.equal('flash-ready');
  });

  it('a transition to the current state does nothing', async () => {
    const { calls, actions } = recorder();
    const life = new Lifecycle('b1', actions, 'booted');
    await life.transition('booted');
    expect(calls).to.deep.equal([]);
  });

  it('booted → halted runs reset halt only (the board is already powered)', async () => {
    const { calls, actions } = recorder();
    const life = new Lifecycle('b1', actions, 'booted');
    await life.transition('halted');
    expect(calls).to.deep.equal(['halt']);
  });

  it('a failed action leaves the state unchanged and breaks the lifecycle; later calls fail fast with the first cause', async () => {
    const cause = new Error('reset init: target not examined');
    const { calls, actions } = recorder({ flashReady: cause });
    const life = new Lifecycle('b1', actions, 'powered');
    let first: unknown;
    try {
      await life.transition('flash-ready');
    } catch (error) {
      first = error;
    }
    expect(first).to.equal(cause);
    expect(life.status).to.equal('powered');
    let second: unknown;
    try {
      await life.transition('booted');
    } catch (error) {
      second = error;
    }
    expect(second).to.be.instanceOf(SessionBrokenError);
    expect((second as SessionBrokenError).firstCause).to.equal(cause);
    expect(calls).to.deep.equal(['flashReady']);
    life.clearBroken();
    await life.transition('booted');
    expect(life.status).to.equal('booted');
  });

  it('a refused power-off does not break the session', async () => {
    const { actions } = recorder({ powerOff: new Error('power cuts not allowed') });
    const life = new Lifecycle('b1', actions, 'booted');
    let error: unknown;
    try {
      await life.transition('off');
    } catch (e) {
      error = e;
    }
    expect((error as Error).message).to.equal('power cuts not allowed');
    expect(life.broken).to.equal(undefined);
    expect(life.status).to.equal('booted');
  });

  it('force() adopts a state without acting; close() makes every call fail with SessionStateError', async () => {
    const { calls, actions } = recorder();
    const life = new Lifecycle('b1', actions);
    life.force('powered');
    expect(life.status).to.equal('powered');
    life.close();
    expect(() => life.check('flash')).to.throw(SessionStateError, /closed/);
    expect(calls).to.deep.equal([]);
  });
});
