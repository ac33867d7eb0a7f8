import { expect } from 'chai';
import { ExitCode } from '../exit-codes.js';
import type { ProgrammingResult } from '../flash/programmer.js';
import { parseProgramArgs, programVerdict } from './program-command.js';
import { UsageError } from './usage-error.js';

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
});
