import { join } from 'node:path';
import { expect } from 'chai';
import { REPO_ROOT } from '../boards/select.js';
import { parseTestArgs, testFiles } from './test-command.js';
import { UsageError } from './usage-error.js';

describe('hil test arguments and default files (harness/cli/test-command)', () => {
  it('parses flags and positional files', () => {
    const args = parseTestArgs(['--specs-only', '--board', 'nucleo', '--boards', 'lab.json', '--grep', 'erase', 'a.spec.ts']);
    expect(args).to.deep.include({ specsOnly: true, unitOnly: false, board: 'nucleo', boards: 'lab.json', grep: 'erase', keepResults: false });
    expect(args.files).to.deep.equal(['a.spec.ts']);
  });

  it('rejects unknown options, both --unit-only and --specs-only, and empty values', () => {
    expect(() => parseTestArgs(['--bogus'])).to.throw(UsageError, "Unknown option '--bogus'");
    expect(() => parseTestArgs(['--unit-only', '--specs-only'])).to.throw(UsageError, 'exclude each other');
    expect(() => parseTestArgs(['--board', ''])).to.throw(UsageError, '--board needs a value');
    expect(() => parseTestArgs(['--board'])).to.throw(UsageError);
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
