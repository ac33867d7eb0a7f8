import { expect } from 'chai';
import { ImageTooLargeError, landingFacts, planProgramming, type PlanInput, type PlanStep } from './programming-plan.js';
import { parseFaultPoint } from '../faults/fault-point.js';

const KiB = 1024;
const base: PlanInput = { imageLength: 200 * KiB, flashOffset: 0, flashSize: 64 * KiB * KiB, eraseUnit: 64 * KiB, chunkSize: 32 * KiB, headerLength: 64 };

const kinds = (steps: readonly PlanStep[]) => steps.map((s) => s.kind);
const written = (steps: readonly PlanStep[]) => steps.filter((s) => s.kind === 'write').reduce((sum, s) => sum + (s as { length: number }).length, 0);

describe('harness/flash programming plans', function () {
  it('erases every 64 KiB unit the image touches, writes it all in chunks, then verifies', function () {
    const plan = planProgramming(base);
    expect(plan.eraseUnits.map((u) => u.offset)).to.deep.equal([0, 0x10000, 0x20000, 0x30000]);
    expect(kinds(plan.steps)).to.deep.equal(['erase', 'erase', 'erase', 'erase', 'write', 'write', 'write', 'write', 'write', 'write', 'write', 'verify']);
    expect(written(plan.steps)).to.equal(200 * KiB);
    expect(plan.steps.at(-1)).to.deep.equal({ kind: 'verify', offset: 0, length: 200 * KiB });
  });

  it('places the image at a flash offset', function () {
    const plan = planProgramming({ ...base, flashOffset: 0x1000000 });
    expect(plan.eraseUnits[0]!.offset).to.equal(0x1000000);
    expect(plan.steps.find((s) => s.kind === 'write')).to.include({ offset: 0x1000000, imageOffset: 0 });
  });

  it('refuses an image too large for the flash before any step', function () {
    expect(() => planProgramming({ ...base, imageLength: 65 * KiB * KiB })).to.throw(
      ImageTooLargeError,
      /beyond the 64 MiB flash: nothing was erased or written/,
    );
    expect(() => planProgramming({ ...base, flashOffset: 64 * KiB * KiB - 64 * KiB })).to.throw(ImageTooLargeError);
  });

  it('a fault before erasing the last unit stops before that erase', function () {
    const plan = planProgramming({ ...base, faultPoint: parseFaultPoint('erase:before:last') });
    expect(kinds(plan.steps)).to.deep.equal(['erase', 'erase', 'erase', 'fault']);
  });

  it('a fault after erasing the middle unit stops right after it', function () {
    const plan = planProgramming({ ...base, faultPoint: parseFaultPoint('erase:after:middle') });
    expect(kinds(plan.steps)).to.deep.equal(['erase', 'erase', 'fault']);
    expect((plan.steps[1] as { unitIndex: number }).unitIndex).to.equal(1);
  });

  it('an in-flight erase fault sends the erase and fires without waiting', function () {
    const plan = planProgramming({ ...base, faultPoint: parseFaultPoint('erase-in-flight:first:30ms') });
    expect(plan.steps[0]).to.deep.equal({ kind: 'erase-interrupted', unitIndex: 0, offset: 0, length: 64 * KiB, at: { delayMs: 30 } });
    expect(kinds(plan.steps)).to.deep.equal(['erase-interrupted', 'fault']);
  });

  it('a page program in flight: every unit erased, then writes up to the one carrying the middle page of the unit', function () {
    const plan = planProgramming({
      ...base,
      imageLength: 3 * 64 * KiB + 1000,
      chunkSize: 16 * KiB,
      faultPoint: parseFaultPoint('program-in-flight:middle:25%'),
    });
    expect(kinds(plan.steps).filter((k) => k === 'erase')).to.have.length(4);
    const last = plan.steps.at(-2)!;
    expect(last).to.deep.include({
      kind: 'write-interrupted',
      unitIndex: 1,
      pageOffset: 64 * KiB + 32 * KiB,
      offset: 64 * KiB + 32 * KiB,
      pagesBefore: 0,
      fraction: 0.25,
    });
    expect(plan.steps.at(-1)!.kind).to.equal('fault');
  });

  it('a page program in flight in a last unit the image only half fills aims inside the image', function () {
    const plan = planProgramming({ ...base, imageLength: 3 * 64 * KiB + 1000, chunkSize: 512, faultPoint: parseFaultPoint('program-in-flight:last') });
    const target = plan.steps.find((s) => s.kind === 'write-interrupted') as { pageOffset: number; pagesBefore: number };
    expect(target.pageOffset).to.equal(3 * 64 * KiB + 256);
    expect(target.pagesBefore).to.equal(1);
  });

  it('landing facts name the unit where a write point stops', function () {
    const plan = planProgramming({ ...base, imageLength: 4 * 64 * KiB, faultPoint: parseFaultPoint('write:50%') });
    const facts = landingFacts(plan);
    expect(facts.writeStopByte).to.equal(128 * KiB);
    expect(facts.writeStopUnit).to.equal(1);
    expect(facts.resolveUnit('last')).to.equal(3);
  });

  it('a write fault at 50 % splits the chunk so exactly half the image is written', function () {
    const plan = planProgramming({ ...base, imageLength: 100_000, faultPoint: parseFaultPoint('write:50%') });
    expect(written(plan.steps)).to.equal(50_000);
    expect(plan.steps.at(-1)!.kind).to.equal('fault');
    expect((plan.steps.at(-1) as { description: string }).description).to.contain('50000 of 100000 bytes');
  });

  it('1 % and 99 % still leave a partial image, even a small one', function () {
    const tiny = { ...base, imageLength: 50 };
    expect(written(planProgramming({ ...tiny, faultPoint: parseFaultPoint('write:1%') }).steps)).to.equal(1);
    expect(written(planProgramming({ ...tiny, faultPoint: parseFaultPoint('write:99%') }).steps)).to.equal(49);
  });

  it('after-header writes exactly the header', function () {
    const plan = planProgramming({ ...base, faultPoint: parseFaultPoint('after-header') });
    expect(written(plan.steps)).to.equal(64);
    expect(kinds(plan.steps).filter((k) => k === 'erase')).to.have.length(4);
  });

  it('between-erase-and-write erases everything and writes nothing', function () {
    const plan = planProgramming({ ...base, faultPoint: parseFaultPoint('between-erase-and-write') });
    expect(kinds(plan.steps)).to.deep.equal(['erase', 'erase', 'erase', 'erase', 'fault']);
  });

  it('a fault point outside the plan is an error, not a silent full run', function () {
    expect(() => planProgramming({ ...base, faultPoint: parseFaultPoint('erase:after:9') })).to.throw(RangeError, /covers 4 unit/);
    expect(() => planProgramming({ ...base, faultPoint: parseFaultPoint(`write:${200 * KiB}`) })).to.throw(RangeError);
  });
});
