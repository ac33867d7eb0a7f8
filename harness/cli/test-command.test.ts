import { join } from 'node:path';
import { expect } from 'chai';
import { REPO_ROOT } from '../boards/select.js';
import type { BoardRecord, CommandProcedureSpec } from '../boards/types.js';
import { BUILT_IN_PROCEDURES, UnknownProcedureError } from '../procedures/procedure.js';
import { chosenProcedure, parseTestArgs, procedureEnvironment, testFiles } from './test-command.js';
import { UsageError } from './usage-error.js';

describe('hil test arguments and default files (harness/cli/test-command)', () => {
  it('parses flags and positional files', () => {
    const args = parseTestArgs(['--specs-only', '--board', 'nucleo', '--boards', 'lab.json', '--grep', 'erase', 'a.spec.ts']);
    expect(args).to.deep.include({ specsOnly: true, unitOnly: false, board: 'nucleo', boards: 'lab.json', grep: 'erase', keepResults: false });
    expect(args.files).to.deep.equal(['a.spec.ts']);
    expect(args.procedure).to.equal(undefined);
    expect(parseTestArgs(['--procedure', 'flash-tool', '--procedure=openocd-program']).procedure).to.equal('openocd-program');
  });

  it('rejects unknown options, both --unit-only and --specs-only, and empty values', () => {
    expect(() => parseTestArgs(['--bogus'])).to.throw(UsageError, "Unknown option '--bogus'");
    expect(() => parseTestArgs(['--unit-only', '--specs-only'])).to.throw(UsageError, 'exclude each other');
    expect(() => parseTestArgs(['--board', ''])).to.throw(UsageError, '--board needs a value');
    expect(() => parseTestArgs(['--board'])).to.throw(UsageError);
    expect(() => parseTestArgs(['--procedure', ''])).to.throw(UsageError, '--procedure needs a value');
    expect(() => parseTestArgs(['--procedure', ' '])).to.throw(UsageError, '--procedure needs a value');
    expect(() => parseTestArgs(['--procedure'])).to.throw(UsageError);
  });

  it('defaults: unit tests under harness/ and fixtures/, specs under specs/', () => {
    const unit = testFiles({ unitOnly: true, specsOnly: false, files: [] }, REPO_ROOT);
    expect(unit).to.include(join(REPO_ROOT, 'harness', 'cli', 'test-command.test.ts'));
    expect(unit.every((f) => f.endsWith('.test.ts'))).to.equal(true);
    const specs = testFiles({ unitOnly: false, specsOnly: true, files: [] }, REPO_ROOT);
    // Whatever specs exist (their names change as the test plan grows), all under specs/.
    expect(specs.length).to.be.greaterThan(0);
    expect(specs.every((f) => f.startsWith(join(REPO_ROOT, 'specs') + '/'))).to.equal(true);
    expect(specs.every((f) => f.endsWith('.spec.ts'))).to.equal(true);
    const all = testFiles({ unitOnly: false, specsOnly: false, files: [] }, REPO_ROOT);
    expect(all).to.have.length(unit.length + specs.length);
  });

  it('a named file that does not exist is a usage error', () => {
    expect(() => testFiles({ unitOnly: false, specsOnly: false, files: ['nope.spec.ts'] }, REPO_ROOT)).to.throw(UsageError, 'no such test file: nope.spec.ts');
  });
});

describe('hil test: the procedure the specs put under test (harness/cli/test-command)', () => {
  const flashTool: CommandProcedureSpec = {
    id: 'flash-tool',
    kind: 'command',
    description: "the team's tool",
    argv: ['flash-tool', '--image', '{image}', '--offset', '{offset}'],
    shell: false,
    env: {},
    cwd: '/lab',
    successExitCodes: [0],
    needsProbe: true,
    usesHarnessOpenOcd: false,
    timeoutMs: 600_000,
    chunkBytes: 65536,
  };
  const board = { id: 'bench-1', procedures: [...BUILT_IN_PROCEDURES, flashTool] } as unknown as BoardRecord;

  it('--procedure, else HIL_PROCEDURE, else openocd-plan; the flag wins', () => {
    expect(chosenProcedure(board, 'flash-tool', { HIL_PROCEDURE: 'openocd-program' }).id).to.equal('flash-tool');
    expect(chosenProcedure(board, undefined, { HIL_PROCEDURE: 'openocd-program' }).id).to.equal('openocd-program');
    expect(chosenProcedure(board, undefined, {}).id).to.equal('openocd-plan');
    expect(chosenProcedure(board, undefined, { HIL_PROCEDURE: '' }).kind).to.equal('openocd-plan');
  });

  it('an id the board lacks is bad input naming the board, the id, where it came from and the known ids', () => {
    expect(() => chosenProcedure(board, 'flash-tol', {}))
      .to.throw(UnknownProcedureError, 'board bench-1: unknown procedure "flash-tol" (from --procedure); known: openocd-plan, openocd-program, flash-tool')
      .with.property('procedureId', 'flash-tol');
    expect(() => chosenProcedure(board, undefined, { HIL_PROCEDURE: 'nope' })).to.throw(UnknownProcedureError, '"nope" (from HIL_PROCEDURE)');
  });

  it('report environment: the id and kind, and for a command its argv joined with spaces', () => {
    expect(procedureEnvironment(BUILT_IN_PROCEDURES[0])).to.deep.equal({ procedure: 'openocd-plan', 'procedure.kind': 'openocd-plan' });
    expect(procedureEnvironment(flashTool)).to.deep.equal({
      procedure: 'flash-tool',
      'procedure.kind': 'command',
      'procedure.argv': 'flash-tool --image {image} --offset {offset}',
    });
  });
});
