import { AssertionError as NodeAssertionError } from 'node:assert';
import { AssertionError, expect } from 'chai';
import { classifyFailure, ExitCode, exitCodeFor, isNoVerdictError, NoVerdictError } from './exit-codes.js';

class OpenOcdDiedError extends NoVerdictError {}

describe('exit codes and verdict vs broken (harness/exit-codes)', () => {
  it('exit codes: 0 passed, 1 verdict failed, 2 no verdict', () => {
    expect(ExitCode).to.deep.equal({ Passed: 0, VerdictFailed: 1, NoVerdict: 2 });
  });

  it('a chai or node:assert AssertionError is a verdict', () => {
    let chaiError: unknown;
    try {
      expect(1).to.equal(2);
    } catch (error) {
      chaiError = error;
    }
    expect(chaiError).to.be.instanceOf(AssertionError);
    expect(classifyFailure(chaiError)).to.equal('verdict');
    expect(classifyFailure(new NodeAssertionError({ actual: 1, expected: 2, operator: 'strictEqual' }))).to.equal('verdict');
  });

  it('a NoVerdictError subclass, any other Error and a thrown non-Error are broken', () => {
    const died = new OpenOcdDiedError('openocd exited with signal SIGSEGV');
    expect(died.name).to.equal('OpenOcdDiedError');
    expect(isNoVerdictError(died)).to.equal(true);
    expect(classifyFailure(died)).to.equal('broken');
    expect(classifyFailure(new TypeError('x is undefined'))).to.equal('broken');
    expect(classifyFailure('a string')).to.equal('broken');
    expect(isNoVerdictError(new Error('plain'))).to.equal(false);
  });

  it('no brand stands in for a class: an error that only looks branded or named like one is broken', () => {
    const foreign = Object.assign(new Error('from another copy'), { [Symbol.for('hil.noVerdict')]: true, [Symbol.for('hil.verdict')]: true });
    foreign.name = 'AssertionError';
    // One copy of the harness per process (harness/cli/module-identity.test.ts): instanceof decides.
    expect(classifyFailure(foreign)).to.equal('broken');
  });

  it('run exit code: verdict failures outrank broken; broken alone is 2; nothing run, or every test skipped, is 2', () => {
    expect(exitCodeFor({ passed: 3, failed: 0, broken: 0, skipped: 1 })).to.equal(0);
    expect(exitCodeFor({ passed: 3, failed: 1, broken: 0, skipped: 0 })).to.equal(1);
    expect(exitCodeFor({ passed: 3, failed: 2, broken: 1, skipped: 0 })).to.equal(1);
    expect(exitCodeFor({ passed: 3, failed: 1, broken: 1, skipped: 0 })).to.equal(2);
    expect(exitCodeFor({ passed: 0, failed: 0, broken: 0, skipped: 0 })).to.equal(2);
    // Every test skipped: nothing was judged, no verdict.
    expect(exitCodeFor({ passed: 0, failed: 0, broken: 0, skipped: 2 })).to.equal(2);
  });
});
