/**
 * OpenOcdCommands against real OpenOCD 0.12 with the `testee` target on the `dummy` adapter and
 * a declared (never probed) stmqspi bank: the commands that need no memory access run for real;
 * the rest are covered by commands.test.ts until the virtual board exists.
 */
import { expect } from 'chai';
import { OpenOcdCommands } from './commands.js';
import { TclCommandError } from './errors.js';
import type { OpenOcdProcess } from './openocd-process.js';
import { startOpenOcdWithTesteeTarget, TESTEE_TARGET_COMMANDS } from './test-support.js';

describe('OpenOcdCommands against real OpenOCD 0.12 (testee target, declared stmqspi bank)', function () {
  this.timeout(60_000);
  let openocd: OpenOcdProcess;
  let ocd: OpenOcdCommands;

  before(async () => {
    openocd = await startOpenOcdWithTesteeTarget({
      commands: [...TESTEE_TARGET_COMMANDS, 'flash bank tt.qspi stmqspi 0x90000000 0 0 0 tt.cpu 0x52005000', 'reset_config srst_only'],
    });
    ocd = new OpenOcdCommands(openocd.tcl);
  });

  after(async () => {
    await openocd?.stop();
  });

  it('version', async () => {
    expect(await ocd.version()).to.match(/^Open On-Chip Debugger 0\.12\./);
  });

  it('targets parses the live table', async () => {
    expect(await ocd.targets()).to.deep.equal([
      { number: 0, current: true, name: 'tt.cpu', type: 'testee', endian: 'little', tapName: 'tt.cpu', state: 'unknown' },
    ]);
  });

  it('flash banks parses the declared stmqspi bank', async () => {
    expect(await ocd.flashBanks()).to.deep.equal([{ number: 0, name: 'tt.qspi', driver: 'stmqspi', base: 0x90000000, size: 0, busWidth: 0, chipWidth: 0 }]);
  });

  it('flash info on an unprobed stmqspi bank fails with code -907 and the header in the message', async () => {
    const err = await ocd.flashInfo('tt.qspi').catch((e: unknown) => e);
    expect(err).to.be.instanceOf(TclCommandError);
    expect((err as TclCommandError).returnCode).to.equal(-907);
    expect((err as TclCommandError).tclMessage).to.match(/^#0 : stmqspi at 0x90000000/);
  });

  it('a failing OpenOCD command carries the log lines that explain it (stmqspi cmd on testee)', async () => {
    const err = await ocd.stmqspiCmd(0, 3, 0x9f).catch((e: unknown) => e);
    expect(err).to.be.instanceOf(TclCommandError);
    expect((err as TclCommandError).command).to.equal('stmqspi cmd 0 3 0x9f');
    expect((err as TclCommandError).logLines.join('\n')).to.match(/Error: Target tt\.cpu doesn't support (read|write)_memory/);
  });

  it('reset halt/run/init, halt, adapter assert/deassert srst run without error', async () => {
    await ocd.reset('halt');
    await ocd.reset('run');
    await ocd.reset('init');
    await ocd.halt(100);
    await ocd.assertSrst();
    await ocd.deassertSrst();
  });

  it('capture returns the log output of a script', async () => {
    expect(await ocd.capture('echo "captured {text}"')).to.equal('captured {text}\n');
  });

  it('shutdown: OpenOCD replies, then exits 0 (announced with expectExit, so not unexpected)', async () => {
    openocd.expectExit();
    await ocd.shutdown();
    const info = await openocd.exited;
    expect(info).to.deep.equal({ code: 0, signal: null, how: 'shutdown' });
    expect(openocd.exitError).to.equal(undefined);
  });
});
