import { expect } from 'chai';
import type { BoardRecord, CommandProcedureSpec, OpenOcdProgramProcedureSpec } from '../boards/types.js';
import { classifyFailure } from '../exit-codes.js';
import { BUILT_IN_PROCEDURES, DEFAULT_PROCEDURE_ID, findProcedure, procedureChoice, UnknownProcedureError, withBuiltInProcedures } from './procedure.js';
import { commandProcedure } from './testing/command-procedure.js';

const flashSh: CommandProcedureSpec = commandProcedure({ id: 'flash-sh', description: 'the team flash.sh', argv: ['/opt/flash.sh', '{image}'] }, '/opt');

function board(procedures = withBuiltInProcedures([flashSh])): BoardRecord {
  return { id: 'bench-1', procedures } as unknown as BoardRecord;
}

describe('procedures (harness/procedures/procedure)', () => {
  describe('withBuiltInProcedures', () => {
    it('gives the built-ins first, openocd-plan the default, then the entries', () => {
      expect(withBuiltInProcedures([]).map((p) => p.id)).to.deep.equal([DEFAULT_PROCEDURE_ID, 'openocd-program']);
      expect(DEFAULT_PROCEDURE_ID).to.equal('openocd-plan');
      expect(withBuiltInProcedures([flashSh]).map((p) => p.id)).to.deep.equal(['openocd-plan', 'openocd-program', 'flash-sh']);
    });

    it('an entry with a built-in id replaces that built-in, in its place', () => {
      const slow: OpenOcdProgramProcedureSpec = { ...BUILT_IN_PROCEDURES[1], verify: false, timeoutMs: 1_200_000 };
      const procedures = withBuiltInProcedures([flashSh, slow]);
      expect(procedures).to.deep.equal([BUILT_IN_PROCEDURES[0], slow, flashSh]);
    });
  });

  describe('findProcedure', () => {
    it('the default id when none is chosen', () => {
      expect(findProcedure(board(), undefined)).to.equal(BUILT_IN_PROCEDURES[0]);
    });

    it('the procedure of the chosen id', () => {
      expect(findProcedure(board(), 'flash-sh')).to.equal(flashSh);
      expect(findProcedure(board(), 'openocd-program').kind).to.equal('openocd-program');
    });

    it('an unknown id: a no-verdict UnknownProcedureError naming the board, the id, where it came from, the known ids and a near name', () => {
      let error: unknown;
      try {
        findProcedure(board(), 'flash_sh', 'HIL_PROCEDURE');
      } catch (e) {
        error = e;
      }
      expect(error).to.be.instanceOf(UnknownProcedureError);
      const unknown = error as UnknownProcedureError;
      expect(unknown).to.include({ boardId: 'bench-1', procedureId: 'flash_sh', chosenBy: 'HIL_PROCEDURE' });
      expect(unknown.knownIds).to.deep.equal(['openocd-plan', 'openocd-program', 'flash-sh']);
      expect(unknown.message).to.equal(
        'board bench-1: unknown procedure "flash_sh" (from HIL_PROCEDURE); known: openocd-plan, openocd-program, flash-sh; did you mean "flash-sh"?',
      );
      expect(classifyFailure(unknown)).to.equal('broken');
    });

    it('an unknown id far from every known one gets no suggestion; --procedure is the default source', () => {
      expect(() => findProcedure(board(), 'jlink'))
        .to.throw(UnknownProcedureError)
        .with.property('message')
        .that.includes('unknown procedure "jlink" (from --procedure)')
        .and.not.include('did you mean');
    });

    it('a board without the built-ins (a hand-made record) has no default', () => {
      expect(() => findProcedure(board([flashSh]), undefined)).to.throw(UnknownProcedureError, /unknown procedure "openocd-plan"/);
    });
  });

  describe('procedureChoice', () => {
    it('the flag wins over HIL_PROCEDURE', () => {
      expect(procedureChoice('flash-sh', { HIL_PROCEDURE: 'openocd-program' })).to.deep.equal({ id: 'flash-sh', chosenBy: '--procedure' });
    });

    it('HIL_PROCEDURE when there is no flag (or an empty one)', () => {
      expect(procedureChoice(undefined, { HIL_PROCEDURE: 'openocd-program' })).to.deep.equal({ id: 'openocd-program', chosenBy: 'HIL_PROCEDURE' });
      expect(procedureChoice('', { HIL_PROCEDURE: 'openocd-program' })).to.deep.equal({ id: 'openocd-program', chosenBy: 'HIL_PROCEDURE' });
    });

    it('neither (or an empty HIL_PROCEDURE): the default', () => {
      expect(procedureChoice(undefined, {})).to.deep.equal({ id: undefined, chosenBy: 'the default' });
      expect(procedureChoice(undefined, { HIL_PROCEDURE: '' })).to.deep.equal({ id: undefined, chosenBy: 'the default' });
    });

    it('the choice finds the procedure and names its source in errors', () => {
      const { id, chosenBy } = procedureChoice(undefined, { HIL_PROCEDURE: 'nope' });
      expect(() => findProcedure(board(), id, chosenBy)).to.throw(UnknownProcedureError, /\(from HIL_PROCEDURE\)/);
    });
  });
});
