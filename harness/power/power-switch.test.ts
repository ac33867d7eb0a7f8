import { expect } from 'chai';
import { closeSync, mkdtempSync, openSync, readFileSync, readSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startPtyPair, type PtyPair } from '../serial/pty-pair.js';
import { classifyFailure } from '../exit-codes.js';
import type { BoardRecord } from '../boards/types.js';
import { CommandSwitch, PowerCutNotAllowedError, PowerSwitchError, openPowerSwitch } from './power-switch.js';
import { RelayCommandDecoder, RelayFrameError, encodeRelayCommand } from './relay-protocol.js';

function board(overrides: Partial<BoardRecord>): BoardRecord {
  return {
    id: 'test-board',
    description: 'a board for power tests',
    kind: 'real',
    openocd: { configs: [], commands: [], searchDirs: [] },
    target: { mcu: 'STM32H745', core: 'cm7' },
    qspi: { bank: 1, base: 0x90000000, chip: 'W25Q512JV', jedecId: 'ef4020' },
    uart: { kind: 'virtual', baud: 115200 },
    power: { type: 'none' },
    reset: { srst: true },
    allows: { massErase: true, powerCut: true, nonVolatileWrites: false },
    procedures: [],
    source: { file: '/dev/null', jsonPath: '$.boards[0]' },
    ...overrides,
  };
}

describe('harness/power LCUS relay protocol', function () {
  it('encodes A0 01 01 A2 for relay 1 on and A0 01 00 A1 for off', function () {
    expect([...encodeRelayCommand({ channel: 1, on: true })]).to.deep.equal([0xa0, 0x01, 0x01, 0xa2]);
    expect([...encodeRelayCommand({ channel: 1, on: false })]).to.deep.equal([0xa0, 0x01, 0x00, 0xa1]);
    expect([...encodeRelayCommand({ channel: 4, on: true })]).to.deep.equal([0xa0, 0x04, 0x01, 0xa5]);
  });

  it('rejects channels a relay board does not have', function () {
    expect(() => encodeRelayCommand({ channel: 0, on: true })).to.throw(RangeError);
    expect(() => encodeRelayCommand({ channel: 9, on: true })).to.throw(RangeError);
  });

  it('decodes frames split at every offset and resynchronises on the start byte', function () {
    const stream = Buffer.concat([Buffer.from([0x00, 0x13]), encodeRelayCommand({ channel: 1, on: false }), encodeRelayCommand({ channel: 2, on: true })]);
    for (let cut = 0; cut <= stream.length; cut++) {
      const decoder = new RelayCommandDecoder();
      const out = [...decoder.push(stream.subarray(0, cut)), ...decoder.push(stream.subarray(cut))];
      expect(out, `cut at ${cut}`).to.deep.equal([
        { channel: 1, on: false },
        { channel: 2, on: true },
      ]);
    }
  });

  it('reports a bad checksum instead of obeying it', function () {
    const [result] = new RelayCommandDecoder().push(Buffer.from([0xa0, 0x01, 0x00, 0xa2]));
    expect(result).to.be.instanceOf(RelayFrameError);
    expect((result as Error).message)
      .to.contain('a0 01 00 a2')
      .and.contain('checksum');
  });
});

describe('harness/power switches', function () {
  let pair: PtyPair | undefined;
  afterEach(async function () {
    await pair?.stop();
    pair = undefined;
  });

  it('the serial relay switch sends off then on to its channel over a real tty', async function () {
    pair = await startPtyPair();
    const deviceFd = openSync(pair.devicePath, 'r+');
    try {
      const power = await openPowerSwitch(board({ power: { type: 'serial-relay', path: pair.hostPath, channel: 2 } }));
      expect(power).to.not.equal(undefined);
      await power!.off();
      await power!.on();
      await power!.close();
      const buffer = Buffer.alloc(8);
      let got = 0;
      while (got < 8) got += readSync(deviceFd, buffer, got, 8 - got, null);
      expect(new RelayCommandDecoder().push(buffer)).to.deep.equal([
        { channel: 2, on: false },
        { channel: 2, on: true },
      ]);
    } finally {
      closeSync(deviceFd);
    }
  });

  it('a board that forbids power cuts gets a switch whose off() refuses and sends nothing', async function () {
    pair = await startPtyPair();
    const power = await openPowerSwitch(
      board({ power: { type: 'serial-relay', path: pair.hostPath, channel: 1 }, allows: { massErase: false, powerCut: false, nonVolatileWrites: false } }),
    );
    const error = await power!.off().then(
      () => undefined,
      (e: unknown) => e,
    );
    await power!.close();
    expect(error).to.be.instanceOf(PowerCutNotAllowedError);
    expect((error as Error).message).to.contain('test-board');
    expect(classifyFailure(error)).to.equal('broken');
  });

  it('a missing relay tty is a clear error naming the board and the path', async function () {
    const error = await openPowerSwitch(board({ power: { type: 'serial-relay', path: '/dev/serial/by-id/no-relay', channel: 1 } })).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).to.be.instanceOf(PowerSwitchError);
    expect((error as Error).message)
      .to.contain('test-board')
      .and.contain('/dev/serial/by-id/no-relay');
  });

  it('the command switch runs the configured commands and reports a failing one with its output', async function () {
    const dir = mkdtempSync(join(tmpdir(), 'hil-power-'));
    try {
      const log = join(dir, 'log');
      const power = new CommandSwitch('test-board', { on: `echo on >> '${log}'`, off: `echo off >> '${log}'` });
      await power.off();
      await power.on();
      expect(readFileSync(log, 'utf8')).to.equal('off\non\n');
      const broken = new CommandSwitch('test-board', { on: 'echo no hub >&2; exit 3', off: 'true' });
      const error = await broken.on().then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).to.be.instanceOf(PowerSwitchError);
      expect((error as Error).message)
        .to.contain('exited 3')
        .and.contain('no hub');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a board without a switch has none', async function () {
    expect(await openPowerSwitch(board({ power: { type: 'none' } }))).to.equal(undefined);
  });
});
