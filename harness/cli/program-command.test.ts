import { expect } from 'chai';
import type { CommandProcedureSpec } from '../boards/types.js';
import { ExitCode } from '../exit-codes.js';
import type { ProgrammingResult } from '../flash/programmer.js';
import { BUILT_IN_PROCEDURES } from '../procedures/procedure.js';
import type { ProcedureRun } from '../procedures/procedure-run.js';
import { parseProgramArgs as parseWithEnv, procedureVerdict, programCommand, programVerdict, resolveProcedure } from './program-command.js';
import { UsageError } from './usage-error.js';
import { commandProcedure } from '../procedures/testing/command-procedure.js';

/** No HIL_PROCEDURE from the environment (`hil test --procedure x` sets it for the whole run). */
const parseProgramArgs = (values: Parameters<typeof parseWithEnv>[0], positionals: readonly string[], env: NodeJS.ProcessEnv = {}) =>
  parseWithEnv(values, positionals, env);
const [PLAN, OPENOCD_PROGRAM] = BUILT_IN_PROCEDURES;
const TOOL: CommandProcedureSpec = commandProcedure(
  { id: 'flash-tool', description: 'the team tool', argv: ['tools/flash.sh', '{image}'], progress: '(?<percent>\\d+)%', timeoutSeconds: 60 },
  '/tmp',
);

type VerdictInput = Parameters<typeof programVerdict>[0];
const erase = (plausible: boolean): ProgrammingResult['erases'][number] => ({
  unitIndex: 0,
  offset: 0x10000,
  length: 65536,
  elapsedMs: plausible ? 150 : 0.2,
  openOcdSeconds: 0,
  plausibility: { plausible, floorMs: 75, typicalMs: 150, elapsedMs: plausible ? 150 : 0.2, explanation: plausible ? 'ok' : '0.2 ms < 75 ms floor' },
});

describe('hil program: arguments and verdict (harness/cli/program-command)', () => {
  it("defaults to the harness plan at the image's own offset", () => {
    expect(parseProgramArgs({}, ['app.img'])).to.deep.equal({ image: 'app.img', method: 'plan' });
    expect(parseProgramArgs({ openocd: true, offset: '64K' }, ['app.img'])).to.deep.equal({ image: 'app.img', method: 'openocd', offset: 65536 });
  });

  it('a fault point and its injector go together, with the plan only', () => {
    const parsed = parseProgramArgs({ fault: 'write:50%', injector: 'kill-openocd' }, ['app.img']);
    expect(parsed.faultPoint).to.deep.equal({ kind: 'write-percent', percent: 50 });
    expect(parsed.injector).to.equal('kill-openocd');
    expect(() => parseProgramArgs({ fault: 'write:50%' }, ['app.img'])).to.throw(UsageError, /--fault needs --injector/);
    expect(() => parseProgramArgs({ injector: 'srst' }, ['app.img'])).to.throw(UsageError, /--injector needs --fault/);
    expect(() => parseProgramArgs({ fault: 'write:50%', injector: 'srst', openocd: true }, ['app.img'])).to.throw(UsageError, /harness plan only/);
    expect(() => parseProgramArgs({ fault: 'write:50%', injector: 'hammer' }, ['app.img'])).to.throw(UsageError, /unknown kind "hammer"/);
    expect(() => parseProgramArgs({ fault: 'sometime', injector: 'srst' }, ['app.img'])).to.throw(UsageError, /--fault: bad fault point/);
  });

  it('--plan, --openocd and --internal exclude each other; an image is required', () => {
    expect(() => parseProgramArgs({ plan: true, openocd: true }, ['a.img'])).to.throw(UsageError, /--plan and --openocd exclude each other/);
    expect(() => parseProgramArgs({}, [])).to.throw(UsageError, /give the image file/);
    expect(() => parseProgramArgs({ internal: true, offset: '0' }, ['bl.elf'])).to.throw(UsageError, /--internal takes the addresses from the ELF/);
  });

  it('exit codes: 0 verified, 1 verify failed, 1 an erase faster than the chip (flash not cleared), 0 interrupted where asked', () => {
    const base: VerdictInput = { completed: true, verify: { ok: true, differences: [] }, implausibleErases: [], landing: undefined };
    expect(programVerdict(base).exitCode).to.equal(ExitCode.Passed);
    expect(programVerdict({ ...base, verify: { ok: false, differences: [{ address: 0x90000000, actual: 0xff, expected: 0 }] } })).to.deep.equal({
      exitCode: ExitCode.VerdictFailed,
      reason: 'verify failed: 1 difference(s) listed by verify_image',
    });
    const fast = programVerdict({ ...base, implausibleErases: [erase(false)] });
    expect(fast.exitCode).to.equal(ExitCode.VerdictFailed);
    expect(fast.reason).to.match(/^flash not cleared: 1 erase\(s\) finished faster than the W25Q512JV can erase \(first at 0x00010000/);
    const landing = { injector: 'kill-openocd', point: 'write:50%' } as unknown as NonNullable<VerdictInput['landing']>;
    expect(programVerdict({ ...base, completed: false, verify: undefined, landing })).to.deep.equal({
      exitCode: ExitCode.Passed,
      reason: 'interrupted by kill-openocd at write:50% as asked',
    });
  });

  describe('--procedure <id> (and HIL_PROCEDURE)', () => {
    it('names a procedure, from the flag or else HIL_PROCEDURE; --fault and --injector wait for its kind', () => {
      expect(parseProgramArgs({ procedure: 'flash-tool', offset: '64K' }, ['app.img'])).to.deep.equal({
        image: 'app.img',
        method: 'plan',
        offset: 65536,
        procedure: { id: 'flash-tool', chosenBy: '--procedure' },
      });
      expect(parseProgramArgs({}, ['app.img'], { HIL_PROCEDURE: 'flash-tool' }).procedure).to.deep.equal({ id: 'flash-tool', chosenBy: 'HIL_PROCEDURE' });
      expect(parseProgramArgs({ procedure: 'other' }, ['app.img'], { HIL_PROCEDURE: 'flash-tool' }).procedure?.id).to.equal('other');
      expect(parseProgramArgs({}, ['app.img'], { HIL_PROCEDURE: '' })).to.deep.equal({ image: 'app.img', method: 'plan' });
      expect(parseProgramArgs({ procedure: 'flash-tool', fault: 'progress:50%', injector: 'kill-tool' }, ['app.img']).procedure).to.deep.equal({
        id: 'flash-tool',
        chosenBy: '--procedure',
        fault: 'progress:50%',
        injector: 'kill-tool',
      });
      expect(() => parseProgramArgs({ procedure: 'flash-tool', fault: 'progress:50%' }, ['app.img'])).to.throw(UsageError, /--fault needs --injector/);
      expect(() => parseProgramArgs({ procedure: 'flash-tool', injector: 'kill-tool' }, ['app.img'])).to.throw(UsageError, /--injector needs --fault/);
    });

    it('--procedure with --plan, --openocd or --internal is a usage error; those flags ignore HIL_PROCEDURE', () => {
      for (const method of ['plan', 'openocd', 'internal'])
        expect(() => parseProgramArgs({ procedure: 'flash-tool', [method]: true }, ['app.img'])).to.throw(
          UsageError,
          new RegExp(`--procedure and --${method} exclude each other`),
        );
      expect(parseProgramArgs({ openocd: true }, ['app.img'], { HIL_PROCEDURE: 'flash-tool' })).to.deep.equal({ image: 'app.img', method: 'openocd' });
      expect(parseProgramArgs({ fault: 'write:50%', injector: 'srst', plan: true }, ['app.img'], { HIL_PROCEDURE: 'flash-tool' }).faultPoint).to.deep.equal({
        kind: 'write-percent',
        percent: 50,
      });
    });

    it("the procedure's kind picks the --fault grammar: the plan's points and injectors for openocd-plan, procedure points and kill-tool otherwise", () => {
      // kill-tool without a procedure: the plan does not know it, and the message says where it belongs.
      expect(() => parseProgramArgs({ fault: 'write:50%', injector: 'kill-tool' }, ['app.img'])).to.throw(
        UsageError,
        /kill-tool interrupts a procedure's run: name it with --procedure/,
      );
      // --procedure openocd-plan is the plan, with the plan's grammar.
      const plan = resolveProcedure(
        parseProgramArgs({ procedure: 'openocd-plan', fault: 'write:50%', injector: 'kill-openocd', 'chunk-size': '1K' }, ['app.img']),
        PLAN,
      );
      expect(plan).to.deep.equal({
        plan: { image: 'app.img', method: 'plan', chunkSize: 1024, faultPoint: { kind: 'write-percent', percent: 50 }, injector: 'kill-openocd' },
      });
      expect(() =>
        resolveProcedure(parseProgramArgs({ procedure: 'openocd-plan', fault: 'progress:50%', injector: 'kill-openocd' }, ['a.img']), PLAN),
      ).to.throw(UsageError, /--fault: bad fault point/);
      expect(() => resolveProcedure(parseProgramArgs({ procedure: 'openocd-plan', fault: 'write:50%', injector: 'kill-tool' }, ['a.img']), PLAN)).to.throw(
        UsageError,
        /unknown kind "kill-tool"/,
      );
      // A command procedure: procedure points, the procedure injectors.
      expect(
        resolveProcedure(parseProgramArgs({ procedure: 'flash-tool', fault: 'progress:50%', injector: 'kill-tool', offset: '4K' }, ['app.img']), TOOL),
      ).to.deep.equal({
        run: {
          image: 'app.img',
          offset: 4096,
          procedure: TOOL,
          chosenBy: '--procedure',
          fault: { injector: 'kill-tool', point: { kind: 'progress', percent: 50 } },
        },
      });
      const fromEnv = resolveProcedure(parseProgramArgs({}, ['a.img'], { HIL_PROCEDURE: 'flash-tool' }), TOOL);
      expect(fromEnv).to.deep.equal({ run: { image: 'a.img', procedure: TOOL, chosenBy: 'HIL_PROCEDURE' } });
      expect(() => resolveProcedure(parseProgramArgs({ procedure: 'flash-tool', fault: 'write:50%', injector: 'kill-tool' }, ['a.img']), TOOL)).to.throw(
        UsageError,
        /--fault: .*is a step of the harness's plan/,
      );
      expect(() => resolveProcedure(parseProgramArgs({ procedure: 'flash-tool', fault: 'progress:150%', injector: 'kill-tool' }, ['a.img']), TOOL)).to.throw(
        UsageError,
        /--fault: .*progress:<p>% with 0 < p < 100/,
      );
      expect(() => resolveProcedure(parseProgramArgs({ procedure: 'flash-tool', fault: 'line:([', injector: 'kill-tool' }, ['a.img']), TOOL)).to.throw(
        UsageError,
        /not a regex/,
      );
      expect(() => resolveProcedure(parseProgramArgs({ procedure: 'flash-tool', fault: 'time:500ms', injector: 'tcl-shutdown' }, ['a.img']), TOOL)).to.throw(
        UsageError,
        /unknown kind "tcl-shutdown" for procedure flash-tool \(command\): one of kill-tool, power-cut, srst, kill-openocd/,
      );
      expect(() => resolveProcedure(parseProgramArgs({ procedure: 'openocd-program', 'chunk-size': '1K' }, ['a.img']), OPENOCD_PROGRAM)).to.throw(
        UsageError,
        /--chunk-size is the harness plan's write chunk: procedure openocd-program/,
      );
    });

    it('exit codes: 0 succeeded, 1 "procedure failed" (no fault, or the tool failed before the point), 0 interrupted as asked, 2 the fault never fired', () => {
      const run: ProcedureRun = {
        procedure: 'flash-tool',
        kind: 'command',
        boardId: 'bench-1',
        command: 'tools/flash.sh /tmp/img.bin',
        exit: { exitCode: 0, signal: null, timedOut: false, killedByHarness: false, durationMs: 1200 },
        succeeded: true,
        transcript: '',
        progress: [],
        durationMs: 1200,
        imageBytes: 4096,
      };
      expect(procedureVerdict(run)).to.deep.equal({ exitCode: ExitCode.Passed, reason: 'programmed with procedure flash-tool' });
      const failed = { ...run, succeeded: false, failure: 'exited with code 1 (success: 0)' };
      expect(procedureVerdict(failed)).to.deep.equal({
        exitCode: ExitCode.VerdictFailed,
        reason: 'procedure failed: board bench-1: procedure flash-tool (tools/flash.sh /tmp/img.bin) exited with code 1 (success: 0)',
      });
      const fired = { injector: 'kill-tool', point: 'progress:50%', fired: true, trigger: 'progress 50.0 %', notes: [] } as const;
      expect(procedureVerdict({ ...run, succeeded: false, failure: 'was killed by the harness', fault: fired })).to.deep.equal({
        exitCode: ExitCode.Passed,
        reason: 'interrupted by kill-tool at progress:50% as asked',
      });
      const never = { injector: 'kill-tool', point: 'progress:50%', fired: false, notes: ['the procedure ended before the fault point was reached'] } as const;
      expect(procedureVerdict({ ...run, fault: never })).to.deep.equal({
        exitCode: ExitCode.NoVerdict,
        reason: 'the fault never fired: the procedure ended before the fault point was reached',
      });
      expect(procedureVerdict({ ...failed, fault: never }).exitCode).to.equal(ExitCode.VerdictFailed);
    });

    it('the usage documents --procedure, the procedure points and injectors', () => {
      expect(programCommand.usage).to.include('--procedure <id>').and.include('HIL_PROCEDURE');
      for (const word of [
        'progress:<p>%',
        'line:<regex>',
        'time:<ms>',
        'erase-in-flight:<unit>:<p>%',
        'program-in-flight:<unit>[:<p>%]',
        'kill-tool, power-cut, srst, kill-openocd',
      ])
        expect(programCommand.usage).to.include(word);
    });
  });
});
