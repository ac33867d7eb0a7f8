import { expect } from 'chai';
import { ExitCode } from '../exit-codes.js';
import type { ProgressEvent } from '../flash/programmer.js';
import { BootStory } from './boot-log-reader.js';
import { widenToBlocks } from './erase-command.js';
import { CliOutput, toJson } from './output.js';
import { formatProgressLine, plainProgress } from './progress.js';
import { recoverExitCode } from './recover-command.js';

const line = (text: string, atMs = 0): { text: string; atMs: number } => ({ text, atMs });

describe('hil command helpers (boot story, erase widening, progress, JSON output, exit codes)', () => {
  describe('hil boot: the boot story and its exit code (fixtures/firmware/BOOT_LOG.md)', () => {
    it('image=ok then the app line: exit 0, conclusion names both; waits up to 3 s for the app after image=ok', () => {
      const story = new BootStory();
      expect(story.add(line('HIL-BOOT stage=start bootloader=1.0.0 check_crc=1 build=x'))).to.equal(undefined);
      expect(story.add(line('HIL-BOOT image=ok version=1 length=2088 crc=0x38a99462 offset=0x00000400'))).to.equal(3000);
      expect(story.add(line('HIL-APP version=1.0.0 build=x vtor=0x90000400'))).to.equal(300);
      expect(story.exitCode).to.equal(ExitCode.Passed);
      expect(story.conclusion).to.equal('bootloader verdict: image=ok; app started: HIL-APP version=1.0.0 build=x vtor=0x90000400');
    });

    it('image=rejected reason=crc-mismatch is a verdict: exit 0 (the command reports)', () => {
      const story = new BootStory();
      story.add(line('HIL-BOOT image=rejected reason=crc-mismatch expected=0x1 actual=0x2 length=9'));
      expect(story.exitCode).to.equal(ExitCode.Passed);
      expect(story.conclusion).to.equal('bootloader verdict: image=rejected reason=crc-mismatch');
    });

    it('HIL-FAULT: exit 1, CFSR decoded in the conclusion', () => {
      const story = new BootStory();
      story.add(line('HIL-BOOT image=unchecked version=1 length=9 crc=0x0 offset=0x400'));
      story.add(
        line('HIL-FAULT type=HardFault cfsr=0x00010000 hfsr=0x40000000 mmfar=0x0 bfar=0x0 pc=0x90000c28 lr=0x0 xpsr=0x0 sp=0x0 exc_return=0xfffffff9 in=app'),
      );
      expect(story.exitCode).to.equal(ExitCode.VerdictFailed);
      expect(story.conclusion).to.match(/^boot fault: HardFault in app pc=0x90000c28 \(.*FORCED.*UNDEFINSTR/);
    });

    it('nothing, or no verdict line: exit 2 with a hint', () => {
      expect(new BootStory().exitCode).to.equal(ExitCode.NoVerdict);
      expect(new BootStory().conclusion).to.match(/hil program --internal/);
      const noise = new BootStory();
      noise.add(line('garbage'));
      expect(noise.exitCode).to.equal(ExitCode.NoVerdict);
      expect(noise.conclusion).to.match(/no bootloader verdict line/);
    });
  });

  it('hil erase widens a range to the 64 KiB blocks stmqspi erases', () => {
    expect(widenToBlocks({ offset: 0x1000, length: 0x1000 })).to.deep.equal({ offset: 0, length: 0x10000 });
    expect(widenToBlocks({ offset: 0xf000, length: 0x2000 })).to.deep.equal({ offset: 0, length: 0x20000 });
    expect(widenToBlocks({ offset: 0x10000, length: 0x10000 })).to.deep.equal({ offset: 0x10000, length: 0x10000 });
  });

  it('hil recover: exit 1 when protection bits keep sectors read-only, else 0', () => {
    expect(recoverExitCode({ protection: { protected: true } as never })).to.equal(ExitCode.VerdictFailed);
    expect(recoverExitCode({ protection: { protected: false } as never })).to.equal(ExitCode.Passed);
  });

  it('plain progress: one line per phase change and per further 10 % written', () => {
    const lines: string[] = [];
    const sink = plainProgress((l) => lines.push(l));
    const event = (phase: ProgressEvent['phase'], bytesWritten: number): ProgressEvent => ({
      phase,
      bytesWritten,
      totalBytes: 1000,
      unitsErased: 1,
      totalUnits: 1,
      elapsedMs: 100,
      step: { kind: 'verify', offset: 0, length: 1000 },
    });
    sink.update(event('erase', 0));
    for (let b = 50; b <= 1000; b += 50) sink.update(event('write', b));
    sink.update(event('verify', 1000));
    expect(lines[0]).to.match(/^erase +0% +0\/1000 bytes written, 1\/1 erase units/);
    expect(lines.filter((l) => l.startsWith('write'))).to.have.length(11); // 5 %, then 10 %, 20 % ... 100 %
    expect(lines.at(-1)).to.match(/^verify 100%/);
    expect(formatProgressLine(event('write', 500))).to.equal('write   50%  500/1000 bytes written, 1/1 erase units (64 KiB), 0.1 s');
  });

  it('--json: one document on stdout, nothing else; notes go to stderr; flash bytes never dumped', () => {
    const out: string[] = [];
    const err: string[] = [];
    const json = new CliOutput(
      true,
      (t) => out.push(t),
      (t) => err.push(t),
    );
    json.line('for people');
    json.note('progress');
    json.document({ exitCode: 0, bytes: new Uint8Array(3), big: 5n });
    expect(out).to.have.length(1);
    expect(JSON.parse(out[0]!)).to.deep.equal({ exitCode: 0, bytes: '<3 bytes>', big: '5' });
    expect(err).to.deep.equal(['progress\n']);
    const text: string[] = [];
    const human = new CliOutput(
      false,
      (t) => text.push(t),
      () => undefined,
    );
    human.line('for people');
    human.document({ ignored: true });
    expect(text).to.deep.equal(['for people\n']);
    expect(toJson({ a: 1 })).to.equal('{\n  "a": 1\n}');
  });
});
