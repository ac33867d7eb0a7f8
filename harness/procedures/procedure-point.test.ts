import { expect } from 'chai';
import { FaultPointSyntaxError } from '../faults/fault-point.js';
import { formatProcedurePoint, isChipOperationPoint, parseProcedurePoint, type ProcedurePoint } from './procedure-point.js';

/** The error `parseProcedurePoint(text)` throws; fails the test when it does not throw. */
function syntaxError(text: string): FaultPointSyntaxError {
  let thrown: unknown;
  try {
    parseProcedurePoint(text);
  } catch (error) {
    thrown = error;
  }
  expect(thrown, `parseProcedurePoint(${JSON.stringify(text)}) should throw`).to.be.instanceOf(FaultPointSyntaxError);
  const error = thrown as FaultPointSyntaxError;
  expect(error.text).to.equal(text);
  expect(error.message).to.contain(JSON.stringify(text));
  return error;
}

describe('procedure points (harness/procedures/procedure-point)', () => {
  describe('parse and format', () => {
    const cases: readonly { text: string; point: ProcedurePoint; formatted?: string }[] = [
      { text: 'progress:50%', point: { kind: 'progress', percent: 50 } },
      { text: 'progress:12.5%', point: { kind: 'progress', percent: 12.5 } },
      { text: 'line:\\*\\* Programming Started \\*\\*', point: { kind: 'line', pattern: '\\*\\* Programming Started \\*\\*' } },
      { text: 'line:a:b', point: { kind: 'line', pattern: 'a:b' } },
      { text: 'line:wrote (\\d+) bytes: ok', point: { kind: 'line', pattern: 'wrote (\\d+) bytes: ok' } },
      { text: 'time:1500ms', point: { kind: 'time', afterMs: 1500 } },
      { text: 'time:2s', point: { kind: 'time', afterMs: 2000 }, formatted: 'time:2000ms' },
      { text: 'erase-in-flight:middle:50%', point: { kind: 'erase-in-flight', unit: 'middle', fraction: 0.5 } },
      { text: 'erase-in-flight:0:12.5%', point: { kind: 'erase-in-flight', unit: 0, fraction: 0.125 } },
      { text: 'program-in-flight:last', point: { kind: 'program-in-flight', unit: 'last', fraction: 0.5 }, formatted: 'program-in-flight:last:50%' },
      { text: 'program-in-flight:3:25%', point: { kind: 'program-in-flight', unit: 3, fraction: 0.25 } },
      { text: 'program-in-flight:first:99%', point: { kind: 'program-in-flight', unit: 'first', fraction: 0.99 } },
    ];

    for (const { text, point, formatted } of cases) {
      it(`${text} parses to ${JSON.stringify(point)} and formats as ${formatted ?? text}`, () => {
        const parsed = parseProcedurePoint(text);
        expect(parsed).to.deep.equal(point);
        const spelled = formatProcedurePoint(parsed);
        expect(spelled).to.equal(formatted ?? text);
        // The formatted spelling reads back to the same point (reports and parameters round-trip).
        expect(parseProcedurePoint(spelled)).to.deep.equal(point);
      });
    }

    it('a line pattern keeps every colon after the first: line:a:b is the pattern a:b, not a unit or a moment', () => {
      const point = parseProcedurePoint('line:Info : flash:write:done');
      expect(point).to.deep.equal({ kind: 'line', pattern: 'Info : flash:write:done' });
      expect(new RegExp((point as Extract<ProcedurePoint, { kind: 'line' }>).pattern).test('Info : flash:write:done at 0x90000000')).to.equal(true);
    });

    it('surrounding whitespace of the whole text is ignored', () => {
      expect(parseProcedurePoint('  progress:25%\n')).to.deep.equal({ kind: 'progress', percent: 25 });
      expect(parseProcedurePoint(' time:250ms ')).to.deep.equal({ kind: 'time', afterMs: 250 });
    });
  });

  describe('errors: FaultPointSyntaxError', () => {
    it('progress:0% and progress:100%: the percent must lie strictly between 0 and 100', () => {
      expect(syntaxError('progress:0%').message).to.contain('0 < p < 100');
      expect(syntaxError('progress:100%').message).to.contain('0 < p < 100');
      syntaxError('progress:-5%');
      syntaxError('progress:150%');
    });

    it('progress:50 without the % sign', () => {
      expect(syntaxError('progress:50').message).to.contain('progress:<p>%');
    });

    it('progress:% and progress:abc%: no number', () => {
      syntaxError('progress:%');
      syntaxError('progress:abc%');
    });

    it('line: with no pattern', () => {
      expect(syntaxError('line:').message).to.contain('line:<regex>');
    });

    it('line:( is not a regex, and neither is an unescaped leading ** (the pattern is JavaScript regex syntax)', () => {
      expect(syntaxError('line:(').message).to.contain('not a regex');
      expect(syntaxError('line:** Programming Started **').message).to.contain('not a regex');
    });

    it('erase-in-flight:middle:20ms: inside a tool run an erase is aimed at a fraction, not a delay', () => {
      expect(syntaxError('erase-in-flight:middle:20ms').message).to.contain('aimed at a fraction');
    });

    it('chip-operation points keep the plan spelling rules (unit, percent range)', () => {
      syntaxError('erase-in-flight:somewhere:50%');
      syntaxError('erase-in-flight:middle:0%');
      syntaxError('program-in-flight:3:100%');
      syntaxError('program-in-flight');
    });

    for (const text of ['write:50%', 'write:4096', 'between-erase-and-write', 'erase:before:first', 'erase:after:3', 'after-header']) {
      it(`${text} is a step of the harness's plan, not a point of a tool's run`, () => {
        const error = syntaxError(text);
        expect(error.message).to.contain("is a step of the harness's plan");
        expect(error.message).to.contain('progress:<p>%');
      });
    }

    it('an unknown kind', () => {
      syntaxError('halfway');
      syntaxError('bogus:1');
    });
  });

  describe('isChipOperationPoint', () => {
    it('is true exactly for erase-in-flight and program-in-flight', () => {
      const expected: Record<string, boolean> = {
        'progress:50%': false,
        'line:done': false,
        'time:1500ms': false,
        'erase-in-flight:middle:50%': true,
        'program-in-flight:last': true,
      };
      for (const [text, chip] of Object.entries(expected)) expect(isChipOperationPoint(parseProcedurePoint(text)), text).to.equal(chip);
    });
  });
});
