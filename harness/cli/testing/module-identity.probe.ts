/**
 * Loaded as a spec by the module-identity test under each way of starting a run: the harness
 * must be one copy of each module whatever loaded it (the runner, this spec, `import()`, the
 * board kind's module on the fixtures side), so `instanceof` decides verdict and broken.
 */
import { expect } from 'chai';
import { importBoardKindModule } from '../../boards/board-kind-modules.js';
import { registeredBoardKinds } from '../../boards/board-kinds.js';
import { VerdictCategory, VerdictError } from '../../exit-codes.js';

describe('module identity probe', function () {
  it('one copy: import() and the virtual board kind module see the classes and registry this spec sees', async function () {
    const again = await import('../../exit-codes.js');
    expect(again.VerdictError, 'exit-codes.ts loaded twice').to.equal(VerdictError);
    await importBoardKindModule('virtual');
    expect(registeredBoardKinds(), 'the board kind module registered into another copy of the registry').to.include('virtual');
  });

  it('a verdict thrown here is judged by the runner as a verdict', function () {
    throw new VerdictError(VerdictCategory.procedureFailed, 'module identity probe: thrown on purpose');
  });
});
