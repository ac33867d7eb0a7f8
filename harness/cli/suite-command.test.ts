/** `hil suite`'s board list, its worst-outcome rule and the counts it reads from each board's run. */
import { expect } from 'chai';
import { parseCounts, suiteCommand, takeBoards, worstExitCode } from './suite-command.js';
import { testCommand } from './test-command.js';
import { UsageError } from './usage-error.js';

describe('hil suite on several boards: arguments and outcome (harness/cli/suite-command)', () => {
  it('--board takes a comma list (or repeats); --all-boards; everything else goes to hil test', () => {
    expect(takeBoards(['--board', 'a,b', '--grep', 'x', 'specs/03.spec.ts'])).to.deep.equal({
      boards: ['a', 'b'],
      allBoards: false,
      rest: ['--grep', 'x', 'specs/03.spec.ts'],
    });
    expect(takeBoards(['--board=a', '--board', ' b , c,'])).to.deep.include({ boards: ['a', 'b', 'c'] });
    expect(takeBoards(['--all-boards', '--boards', 'farm.json'])).to.deep.equal({ boards: [], allBoards: true, rest: ['--boards', 'farm.json'] });
  });

  it("--procedure goes to each board's hil test, and both usages list it", () => {
    expect(takeBoards(['--board', 'a,b', '--procedure', 'flash-tool'])).to.deep.include({ boards: ['a', 'b'], rest: ['--procedure', 'flash-tool'] });
    for (const usage of [suiteCommand.usage, testCommand.usage]) {
      expect(usage).to.include('--procedure <id>').and.include('programming procedure the specs put under test (default: HIL_PROCEDURE');
    }
  });

  it('refuses an empty list, a board named twice, and --all-boards with --board', () => {
    expect(() => takeBoards(['--board', ','])).to.throw(UsageError, '--board needs a board id');
    expect(() => takeBoards(['--board', 'a,b,a'])).to.throw(UsageError, '--board names a twice');
    expect(() => takeBoards(['--all-boards', '--board', 'a'])).to.throw(UsageError, 'exclude each other');
  });

  it('the worst outcome: 1 if any board failed a check, else 2 if any reached no verdict (or died), else 0', () => {
    expect(worstExitCode([0, 0])).to.equal(0);
    expect(worstExitCode([0, 2, 1])).to.equal(1);
    expect(worstExitCode([0, 2])).to.equal(2);
    expect(worstExitCode([0, null])).to.equal(2);
    expect(worstExitCode([0, 134])).to.equal(2);
    expect(worstExitCode([])).to.equal(2);
  });

  it("reads a board run's counts from its closing lines", () => {
    expect(parseCounts(['x', 'broken: 1', 'suite: 3 passed, 2 failed, 4 skipped'])).to.deep.equal({ passed: 3, failed: 2, broken: 1, skipped: 4 });
    expect(parseCounts(['hil test: board a is in use by pid 7'])).to.equal(undefined);
  });
});
