/**
 * OpenOcdCommands: the exact Tcl each method sends, and how it parses OpenOCD 0.12.0 output.
 * Outputs are recorded from real OpenOCD 0.12.0 where a target-less run can produce them
 * (marked "recorded"); the rest are built from the v0.12.0 format strings named in
 * openocd-output.ts, since they need a probed QSPI bank (the virtual board will run them live).
 */
import { expect } from 'chai';
import { OpenOcdCommands, type TclCaller } from './commands.js';
import { ImageVerifyError, OpenOcdOutputParseError, TclCommandError } from './errors.js';
import type { CallOptions } from './tcl-client.js';

class RecordingCaller implements TclCaller {
  readonly sent: { command: string; options: CallOptions | undefined }[] = [];
  constructor(private readonly answer: (command: string) => string | Error) {}
  async call(command: string, options?: CallOptions): Promise<string> {
    this.sent.push({ command, options });
    const a = this.answer(command);
    if (a instanceof Error) throw a;
    return a;
  }
}

function withOutput(output: string): { tcl: RecordingCaller; ocd: OpenOcdCommands } {
  const tcl = new RecordingCaller(() => output);
  return { tcl, ocd: new OpenOcdCommands(tcl) };
}

/** Recorded: OpenOCD 0.12.0, testee target, `flash bank tt.qspi stmqspi 0x90000000 0 0 0 tt.cpu 0x52005000`. */
const RECORDED_TARGETS =
  '    TargetName         Type       Endian TapName            State       \n' +
  '--  ------------------ ---------- ------ ------------------ ------------\n' +
  ' 0* tt.cpu             testee     little tt.cpu             unknown\n';
const RECORDED_FLASH_BANKS = '#0 : tt.qspi (stmqspi) at 0x90000000, size 0x00000000, buswidth 0, chipwidth 0\n';
const RECORDED_FLASH_INFO_UNPROBED = '#0 : stmqspi at 0x90000000, size 0x00000000, buswidth 0, chipwidth 0\n\nQSPI flash bank not probed yet\n\n';

/**
 * Recorded on the virtual board (OpenOCD 0.12.0, `flash info 2` after `flash probe 2`), the
 * 1024 identical sector lines regenerated in the same format.
 */
function flashInfoW25q512(): string {
  let text = '#2 : stmqspi at 0x90000000, size 0x04000000, buswidth 0, chipwidth 0\n';
  for (let i = 0; i < 1024; i++) {
    text += `\t#${String(i).padStart(3)}: 0x${(i * 0x10000).toString(16).padStart(8, '0')} (0x10000 64kB) not protected\n`;
  }
  text +=
    "flash1 'sfdp', device id = 0x2040ef, flash size = 65536Ki B\n" +
    '(page size = 256, read = 0x13, qread = 0xec, pprog = 0x12, mass_erase = 0xc7, sector size = 64 KiB, sector_erase = 0xdc)\n';
  return text;
}

describe('OpenOcdCommands: exact Tcl sent and OpenOCD 0.12 output parsed', () => {
  it('targets: parses the recorded table (current marker, type, state)', async () => {
    const { tcl, ocd } = withOutput(RECORDED_TARGETS);
    expect(await ocd.targets()).to.deep.equal([
      { number: 0, current: true, name: 'tt.cpu', type: 'testee', endian: 'little', tapName: 'tt.cpu', state: 'unknown' },
    ]);
    expect(tcl.sent[0]?.command).to.equal('targets');
  });

  it('targets: two-target table (STM32H745 CM7 + CM4) from the format string', async () => {
    const { ocd } = withOutput(
      RECORDED_TARGETS.split('\n').slice(0, 2).join('\n') +
        '\n 0* stm32h745.cpu0     cortex_m   little stm32h745.cpu      halted\n 1  stm32h745.cpu1     cortex_m   little stm32h745.cpu      running\n',
    );
    const targets = await ocd.targets();
    expect(targets.map((t) => [t.name, t.current, t.state])).to.deep.equal([
      ['stm32h745.cpu0', true, 'halted'],
      ['stm32h745.cpu1', false, 'running'],
    ]);
  });

  it('flash banks: parses the recorded line', async () => {
    const { tcl, ocd } = withOutput(RECORDED_FLASH_BANKS);
    expect(await ocd.flashBanks()).to.deep.equal([{ number: 0, name: 'tt.qspi', driver: 'stmqspi', base: 0x90000000, size: 0, busWidth: 0, chipWidth: 0 }]);
    expect(tcl.sent[0]?.command).to.equal('flash banks');
  });

  it('flash banks: an unexpected line is OpenOcdOutputParseError naming the command', async () => {
    const { ocd } = withOutput('something else\n');
    const err = await ocd.flashBanks().catch((e: unknown) => e);
    expect(err).to.be.instanceOf(OpenOcdOutputParseError).and.include({ command: 'flash banks' });
  });

  it('flash list: parses the recorded list of dicts, with the target', async () => {
    const { tcl, ocd } = withOutput('{name tt.qspi driver stmqspi base 2415919104 size 0 bus_width 0 chip_width 0 target tt.cpu}');
    expect(await ocd.flashList()).to.deep.equal([
      { name: 'tt.qspi', driver: 'stmqspi', base: 0x90000000, size: 0, busWidth: 0, chipWidth: 0, target: 'tt.cpu' },
    ]);
    expect(tcl.sent[0]?.command).to.equal('flash list');
    const bad = withOutput('{name x}');
    expect(await bad.ocd.flashList().catch((e: unknown) => e)).to.be.instanceOf(OpenOcdOutputParseError);
  });

  it('flash info: recorded unprobed bank gives geometry, no sectors, driver text', async () => {
    const { tcl, ocd } = withOutput(RECORDED_FLASH_INFO_UNPROBED);
    const info = await ocd.flashInfo(0);
    expect(info).to.include({ number: 0, driver: 'stmqspi', base: 0x90000000, size: 0, driverInfo: 'QSPI flash bank not probed yet' });
    expect(info.sectors).to.deep.equal([]);
    expect(tcl.sent[0]?.command).to.equal('flash info 0');
  });

  it('flash info sectors: W25Q512JV has 1024 sectors of 64 KiB; last at offset 0x03ff0000', async () => {
    const { tcl, ocd } = withOutput(flashInfoW25q512());
    const info = await ocd.flashInfo('tt.qspi', { sectors: true });
    expect(tcl.sent[0]?.command).to.equal('flash info tt.qspi sectors');
    expect(info.size).to.equal(64 * 1024 * 1024);
    expect(info.sectors).to.have.length(1024);
    expect(info.sectors[1023]).to.deep.equal({ index: 1023, offset: 0x03ff0000, size: 0x10000, state: 'not protected' });
    expect(info.number).to.equal(2);
    expect(info.driverInfo).to.match(/^flash1 'sfdp', device id = 0x2040ef/);
  });

  it('flash erase_check: lists only the sectors not erased, with their state', async () => {
    const { tcl, ocd } = withOutput(
      'successfully checked erase state\n\t#  3: 0x00030000 (0x10000 64kB) not erased\n\t#1023: 0x03ff0000 (0x10000 64kB) erase state unknown\n',
    );
    const r = await ocd.flashEraseCheck(0);
    expect(tcl.sent[0]?.command).to.equal('flash erase_check 0');
    expect(r).to.deep.equal({
      checked: true,
      allErased: false,
      notErased: [
        { index: 3, offset: 0x30000, size: 0x10000, state: 'not erased' },
        { index: 1023, offset: 0x03ff0000, size: 0x10000, state: 'erase state unknown' },
      ],
    });
  });

  it('flash erase_check: "Bank is erased" (recorded on the virtual board) means every sector read back blank', async () => {
    const { ocd } = withOutput('successfully checked erase state\n\tBank is erased\n');
    expect(await ocd.flashEraseCheck(0)).to.deep.equal({ checked: true, allErased: true, notErased: [] });
  });

  it('flash erase_sector: sends first/last (or `last`) and returns the seconds', async () => {
    const { tcl, ocd } = withOutput('erased sectors 0 through 3 on flash bank 0 in 1.234000s\n');
    expect(await ocd.flashEraseSector(0, 0, 3)).to.deep.equal({ first: 0, last: 3, seconds: 1.234 });
    await ocd.flashEraseSector(0, 0, 'last').catch(() => undefined);
    expect(tcl.sent.map((s) => s.command)).to.deep.equal(['flash erase_sector 0 0 3', 'flash erase_sector 0 0 last']);
    expect(tcl.sent[0]?.options?.timeoutMs).to.equal(600_000);
  });

  it('flash erase_address pad unlock: word order and hex address', async () => {
    const { tcl, ocd } = withOutput('erased address 0x90000000 (length 65536) in 0.300000s (213.333 KiB/s)\n');
    expect(await ocd.flashEraseAddress(0x90000000, 65536, { pad: true, unlock: true })).to.deep.equal({ address: 0x90000000, length: 65536, seconds: 0.3 });
    expect(tcl.sent[0]?.command).to.equal('flash erase_address pad unlock 0x90000000 65536');
  });

  it('flash write_image erase: quotes a path with spaces and braces, offset and type', async () => {
    const { tcl, ocd } = withOutput('auto erase enabled\nwrote 4096 bytes from file /tmp/a b/{x}.bin in 0.512000s (7.812 KiB/s)\n');
    const r = await ocd.flashWriteImage('/tmp/a b/{x}.bin', { erase: true, offset: 0x90000000, type: 'bin' });
    expect(tcl.sent[0]?.command).to.equal('flash write_image erase "/tmp/a b/\\{x\\}.bin" 0x90000000 bin');
    expect(r).to.include({ bytes: 4096, seconds: 0.512 });
  });

  it('flash write_image: a type without offset sends offset 0 (OpenOCD reads type only after offset)', async () => {
    const { tcl, ocd } = withOutput('wrote 1 bytes from file f.elf in 0.1s (0.010 KiB/s)\n');
    await ocd.flashWriteImage('f.elf', { type: 'elf' });
    expect(tcl.sent[0]?.command).to.equal('flash write_image f.elf 0x0 elf');
  });

  it('verify_image: success parses bytes; a mismatch throws ImageVerifyError with the differences', async () => {
    const ok = withOutput('verified 4096 bytes in 0.100000s (40.000 KiB/s)\n');
    expect(await ok.ocd.verifyImage('/tmp/a.bin', { offset: 0x90000000 })).to.include({ bytes: 4096, seconds: 0.1 });
    expect(ok.tcl.sent[0]?.command).to.equal('verify_image /tmp/a.bin 0x90000000');

    const mismatch = 'diff 0 address 0x90000010. Was 0xff instead of 0x12\ndiff 1 address 0x90000011. Was 0xff instead of 0x34\nNo more differences found.\n';
    const tcl = new RecordingCaller((c) => new TclCommandError(c, mismatch, -4, 5));
    const err = await new OpenOcdCommands(tcl).verifyImage('/tmp/a.bin').catch((e: unknown) => e);
    expect(err).to.be.instanceOf(ImageVerifyError);
    expect((err as ImageVerifyError).differences).to.deep.equal([
      { address: 0x90000010, actual: 0xff, expected: 0x12 },
      { address: 0x90000011, actual: 0xff, expected: 0x34 },
    ]);
  });

  it('flash read_bank: offset and length', async () => {
    const { tcl, ocd } = withOutput('wrote 65536 bytes to file /tmp/x.bin from flash bank 0 at offset 0x00010000 in 1.000000s (64.000 KiB/s)\n');
    expect(await ocd.flashReadBank(0, '/tmp/x.bin', { offset: 0x10000, length: 65536 })).to.include({ bytes: 65536, seconds: 1 });
    expect(tcl.sent[0]?.command).to.equal('flash read_bank 0 /tmp/x.bin 0x10000 65536');
  });

  it('flash probe: driver and base', async () => {
    const { tcl, ocd } = withOutput("flash 'stmqspi' found at 0x90000000\n");
    expect(await ocd.flashProbe(0)).to.deep.equal({ driver: 'stmqspi', base: 0x90000000 });
    expect(tcl.sent[0]?.command).to.equal('flash probe 0');
  });

  it('stmqspi cmd: W25Q512JV JEDEC ID (9Fh) returns the three response bytes', async () => {
    const { tcl, ocd } = withOutput('spi: 9f -> ef 40 20 \n');
    expect([...(await ocd.stmqspiCmd(0, 3, 0x9f))]).to.deep.equal([0xef, 0x40, 0x20]);
    expect(tcl.sent[0]?.command).to.equal('stmqspi cmd 0 3 0x9f');
  });

  it('stmqspi cmd: a write (0 response bytes) sends data bytes and returns none', async () => {
    const { tcl, ocd } = withOutput('spi: 01 02 -> \n');
    expect([...(await ocd.stmqspiCmd(0, 0, 0x01, 0x02))]).to.deep.equal([]);
    expect(tcl.sent[0]?.command).to.equal('stmqspi cmd 0 0 0x1 0x2');
    expect(await ocd.stmqspiCmd(0, 0, 0x100).catch((e: unknown) => e)).to.be.instanceOf(RangeError);
  });

  it('stmqspi mass_erase, adapter srst, reset, halt, resume, shutdown: exact commands', async () => {
    const tcl = new RecordingCaller(() => '');
    const ocd = new OpenOcdCommands(tcl);
    await ocd.stmqspiMassErase(0);
    await ocd.assertSrst();
    await ocd.deassertSrst();
    await ocd.reset('init');
    await ocd.halt();
    await ocd.halt(100);
    await ocd.resume();
    await ocd.resume(0x08000000);
    await ocd.shutdown();
    await ocd.tclNotifications(true);
    await ocd.capture('flash info 0; echo $x');
    expect(tcl.sent.map((s) => s.command)).to.deep.equal([
      'stmqspi mass_erase 0',
      'adapter assert srst',
      'adapter deassert srst',
      'reset init',
      'halt',
      'halt 100',
      'resume',
      'resume 0x8000000',
      'shutdown',
      'tcl_notifications on',
      'capture "flash info 0; echo \\$x"',
    ]);
    expect(tcl.sent[8]?.options?.acceptCodes).to.deep.equal([-600]);
  });

  it('read_memory / write_memory: hex address, width, count; values as one list word', async () => {
    const tcl = new RecordingCaller((c) => (c.startsWith('read_memory') ? '0x12345678 0xdeadbeef' : ''));
    const ocd = new OpenOcdCommands(tcl);
    expect(await ocd.readMemory(0x52005000, 32, 2)).to.deep.equal([0x12345678, 0xdeadbeef]);
    await ocd.writeMemory(0x24000000, 32, [1, 0xffffffff]);
    expect(tcl.sent.map((s) => s.command)).to.deep.equal(['read_memory 0x52005000 32 2', 'write_memory 0x24000000 32 "0x1 0xffffffff"']);
    expect(await ocd.writeMemory(0, 8, [256]).catch((e: unknown) => e)).to.be.instanceOf(RangeError);
  });

  it('read_memory: a count mismatch is OpenOcdOutputParseError', async () => {
    const { ocd } = withOutput('0x1');
    const err = await ocd.readMemory(0, 8, 2).catch((e: unknown) => e);
    expect(err).to.be.instanceOf(OpenOcdOutputParseError);
  });
});
