import { expect } from 'chai';
import { TeardownError, TeardownStack } from './teardown.js';

describe('TeardownStack (Playwright fixture teardown order)', () => {
  it('runs steps in reverse order of set-up', async () => {
    const order: string[] = [];
    const stack = new TeardownStack();
    for (const name of ['lock', 'virtual board', 'OpenOCD', 'UART']) stack.push(name, () => order.push(name));
    expect(await stack.run()).to.deep.equal([]);
    expect(order).to.deep.equal(['UART', 'OpenOCD', 'virtual board', 'lock']);
  });

  it('keeps going after a failure and reports every failure, the first first', async () => {
    const order: string[] = [];
    const stack = new TeardownStack();
    stack.push('a', () => order.push('a'));
    stack.push('b', () => {
      throw new Error('b broke');
    });
    stack.push('c', async () => {
      order.push('c');
      throw new Error('c broke');
    });
    const failures = await stack.run();
    expect(order).to.deep.equal(['c', 'a']);
    expect(failures.map((f) => f.name)).to.deep.equal(['c', 'b']);
    const error = new TeardownError(failures);
    expect(error.message).to.match(/2 step\(s\) failed: c: c broke; b: b broke/);
    expect((error.cause as Error).message).to.equal('c broke');
  });

  it('refuses new steps once it ran', async () => {
    const stack = new TeardownStack();
    await stack.run();
    expect(() => stack.push('late', () => undefined)).to.throw(/already ran/);
  });
});
