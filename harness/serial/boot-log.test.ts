import { expect } from 'chai';
import { BootLogParser, explainFault, imageVerdictOf, parseBootLog, parseBootLogLine, type BootLogEvent, type FaultEvent } from './boot-log.js';

/** A boot as BOOT_LOG.md describes it: rejected image, then (other run) ok + app + fault. */
const TRANSCRIPT =
  [
    '',
    'HIL-BOOT stage=start bootloader=1.0.0 check_crc=1 build=3f2a9c0d1e7b',
    'HIL-BOOT flash=ready jedec=0xef4020 found_sr1=0x02 found_sr2=0x80 found_sr3=0x01 busy=0 resumed=1 sr1=0x00 sr2=0x02 sr3=0x00 addr_mode=3byte read_cmd=0x13',
    'HIL-BOOT image=rejected reason=crc-mismatch expected=0x1c291ca3 actual=0x8e2f01d4 length=2076',
    'HIL-BOOT image=ok version=1 length=2076 crc=0x1c291ca3 offset=0x00000400',
    'HIL-BOOT stage=jump vtor=0x90000400 sp=0x24080000 entry=0x90000699',
    'HIL-APP version=1.0.0 build=3f2a9c0d1e7b vtor=0x90000400',
    'HIL-APP heartbeat n=1',
    'HIL-FAULT type=HardFault cfsr=0x00010000 hfsr=0x40000000 mmfar=0xe000edf8 bfar=0xe000edf8 pc=0x90000b70 lr=0x900006c5 xpsr=0x01000000 sp=0x2407ffd8 exc_return=0xfffffff9 in=app',
  ].join('\r\n') + '\r\n';

describe('harness/serial/boot-log: BOOT_LOG.md lines to events', () => {
  it('parses the prefix kind, key=value fields and numbers (hex and decimal)', () => {
    const e = parseBootLogLine('HIL-BOOT image=ok version=7 length=2076 crc=0x1C291CA3 offset=0x00000400\r');
    expect(e.kind).to.equal('boot');
    if (e.kind !== 'boot') throw new Error('unreachable');
    expect(e.fields).to.deep.equal({ image: 'ok', version: '7', length: '2076', crc: '0x1C291CA3', offset: '0x00000400' });
    expect(e.numbers).to.deep.equal({ version: 7, length: 2076, crc: 0x1c291ca3, offset: 0x400 });
    expect(e.words).to.deep.equal([]);
    expect(e.line).to.equal('HIL-BOOT image=ok version=7 length=2076 crc=0x1C291CA3 offset=0x00000400');
  });

  it('keeps bare words (HIL-APP heartbeat n=3)', () => {
    const e = parseBootLogLine('HIL-APP heartbeat n=3');
    expect(e.kind).to.equal('app');
    if (e.kind !== 'app') throw new Error('unreachable');
    expect(e.words).to.deep.equal(['heartbeat']);
    expect(e.numbers.n).to.equal(3);
  });

  it('lines without a prefix, or with a prefix that is only a substring, are "other"', () => {
    expect(parseBootLogLine('hello world').kind).to.equal('other');
    expect(parseBootLogLine('HIL-BOOTX image=ok').kind).to.equal('other');
    expect(parseBootLogLine('xx HIL-BOOT image=ok').kind).to.equal('other');
    expect(parseBootLogLine('HIL-BOOT').kind).to.equal('boot');
  });

  it('tolerates reset noise (NUL, 0xFF, U+FFFD) in front of the prefix', () => {
    const e = parseBootLogLine('\u0000\u00ff\ufffdHIL-BOOT stage=start bootloader=1.0.0 check_crc=0');
    expect(e.kind).to.equal('boot');
    if (e.kind !== 'boot') throw new Error('unreachable');
    expect(e.numbers.check_crc).to.equal(0);
  });

  it('reports damaged tokens as malformed instead of inventing fields', () => {
    const e = parseBootLogLine('HIL-BOOT image=ok =oops 9x=1');
    if (e.kind !== 'boot') throw new Error('unreachable');
    expect(e.malformed).to.deep.equal(['=oops', '9x=1']);
    expect(e.fields).to.deep.equal({ image: 'ok' });
  });

  it('HIL-FAULT: registers as numbers, type and image, CFSR/HFSR explained (UNDEFINSTR forced to HardFault)', () => {
    const e = parseBootLogLine(
      'HIL-FAULT type=HardFault cfsr=0x00010000 hfsr=0x40000000 mmfar=0x00000000 bfar=0x00000000 pc=0x90000b70 lr=0x900006c5 xpsr=0x01000000 sp=0x2407ffd8 exc_return=0xfffffff9 in=app',
    ) as FaultEvent;
    expect(e.kind).to.equal('fault');
    expect(e.type).to.equal('HardFault');
    expect(e.where).to.equal('app');
    expect(e.registers).to.deep.equal({
      cfsr: 0x10000,
      hfsr: 0x40000000,
      mmfar: 0,
      bfar: 0,
      pc: 0x90000b70,
      lr: 0x900006c5,
      xpsr: 0x01000000,
      sp: 0x2407ffd8,
      excReturn: 0xfffffff9,
    });
    expect(e.explanation).to.have.length(2);
    expect(e.explanation[0]).to.match(/^FORCED: /);
    expect(e.explanation[1]).to.match(/^UNDEFINSTR: /);
  });

  it('ARMv7-M B3.2.15/16: each CFSR and HFSR bit is named', () => {
    expect(explainFault(1 << 0, 0)[0]).to.match(/^IACCVIOL: instruction access violation/);
    expect(explainFault(1 << 17, 0)[0]).to.match(/^INVSTATE/);
    expect(explainFault((1 << 9) | (1 << 15), 0)).to.have.length(2);
    expect(explainFault(0, 1 << 1)[0]).to.match(/^VECTTBL/);
    expect(explainFault(1 << 19, 1 << 30).map((s) => s.split(':')[0])).to.deep.equal(['FORCED', 'NOCP']);
    expect(explainFault(0, 0)).to.deep.equal([]);
  });

  it('a fault line whose frame was unreadable still parses (no pc)', () => {
    const e = parseBootLogLine(
      'HIL-FAULT type=BusFault cfsr=0x00001000 hfsr=0x00000000 mmfar=0x0 bfar=0x0 frame=unreadable sp=0x00000000 exc_return=0xfffffff9 in=bootloader',
    ) as FaultEvent;
    expect(e.registers.pc).to.equal(undefined);
    expect(e.fields.frame).to.equal('unreadable');
    expect(e.explanation[0]).to.match(/^STKERR/);
  });
});

describe('harness/serial/boot-log: transcripts and framing', () => {
  it('parses a whole transcript in order, skipping empty lines', () => {
    const events = parseBootLog(TRANSCRIPT);
    expect(events.map((e) => e.kind)).to.deep.equal(['boot', 'boot', 'boot', 'boot', 'boot', 'app', 'app', 'fault']);
  });

  it('imageVerdictOf picks the verdict lines only', () => {
    const verdicts = parseBootLog(TRANSCRIPT)
      .map(imageVerdictOf)
      .filter((v) => v !== undefined);
    expect(verdicts).to.deep.equal([{ image: 'rejected', reason: 'crc-mismatch' }, { image: 'ok' }]);
    expect(imageVerdictOf(parseBootLogLine('HIL-BOOT image=absent reason=blank'))).to.deep.equal({ image: 'absent', reason: 'blank' });
  });

  it('split at every byte offset into two chunks gives the same events as the whole text', () => {
    const whole = parseBootLog(TRANSCRIPT);
    const bytes = Buffer.from(TRANSCRIPT, 'latin1');
    for (let cut = 0; cut <= bytes.length; cut++) {
      const p = new BootLogParser();
      const got: BootLogEvent[] = [...p.push(bytes.subarray(0, cut)), ...p.push(bytes.subarray(cut)), ...p.flush()];
      expect(got, `cut at ${cut}`).to.deep.equal(whole);
    }
  });

  it('byte-at-a-time input and a final line without newline (flush)', () => {
    const p = new BootLogParser();
    const got: BootLogEvent[] = [];
    for (const b of Buffer.from('HIL-APP heartbeat n=1\nHIL-APP heartbeat n=2', 'latin1')) got.push(...p.push(Uint8Array.of(b)));
    expect(got).to.have.length(1);
    const rest = p.flush();
    expect(rest).to.have.length(1);
    expect(rest[0]!.kind === 'app' && rest[0]!.numbers.n).to.equal(2);
  });
});
