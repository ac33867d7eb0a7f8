/**
 * Meta-tests: the mission specs can fail, and fail in the right report category. Each case runs
 * selected specs in a child `hil test --specs-only` against a deliberately broken procedure on
 * the virtual board, then reads the child's Allure results:
 *
 * - an OpenOCD config whose QSPI erase is stubbed out (fixtures/openocd/broken/): the
 *   interrupted-programming, erase-clears and erase-time specs must fail as "flash not cleared";
 * - an OpenOCD config that erases with 3-byte Block Erase (D8h) while the chip is in 4-byte mode:
 *   the chip drops every erase; interrupted-programming and erase-clears must fail as "flash not
 *   cleared", and so must the negative control, whose partial image the earlier image completes;
 * - an OpenOCD config whose erase clears 4 KiB where it claims 64 KiB (one 21h per unit): the
 *   erase-clears spec, which fills and checks whole units, must fail as "flash not cleared";
 * - an OpenOCD config whose erase fires 06h + DCh and returns without polling BUSY: the erase-time
 *   spec (at flash time scale 1) and the power-loss and mass-erase checks must fail as "flash not
 *   cleared";
 * - an OpenOCD config whose `stmqspi set` names the 4 KiB Sector Erase (21h) for 64 KiB sectors,
 *   so that every erase path through the stmqspi driver (`flash erase_sector`/`erase_address`,
 *   `flash write_image erase`, `program`) clears 4 KiB of each unit: erase-clears must fail;
 * - an OpenOCD config whose reset-init never resets the flash chip, so an erase suspended by an
 *   interrupted run stays suspended: the bad-flash-state spec must fail as "flash not cleared";
 * - an OpenOCD config whose `halted` hook clears CFSR/HFSR: the negative control must fail as
 *   "boot fault" (the crash went unnoticed);
 * - the bootloader built without the CRC check programmed where the real one belongs: the boot
 *   CRC spec must fail as "boot accepted a bad image".
 *
 * Every child run must exit 1 (a board failed a check), not 0 and not 2 (no verdict). And on a
 * board whose entry forbids mass erase and power cuts and has no SRST, the specs needing them
 * are skipped with the reason attached, never passed; a run in which they are all that was
 * selected judged nothing, so it exits 2 (no verdict), never 0.
 */
import { expect } from 'chai';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT } from '../../harness/boards/index.js';
import { ExitCode } from '../../harness/exit-codes.js';
import { checkEraseTime, W25Q512JV, type PlausibilityVerdict } from '../../harness/flash/index.js';
import { attachJson, attachText, labels } from '../../harness/report/index.js';
import { noCrcBootloaderElf } from '../support/board.js';
import { derivedVirtualBoard, runSpecsInChild, type ChildRun, summarizeChildRun } from '../support/child-run.js';

const BROKEN_DIR = join(REPO_ROOT, 'fixtures', 'openocd', 'broken');

/** boards.json's virtual board entry, renamed and with other OpenOCD configs. */
function brokenBoard(id: string, description: string, configs?: readonly string[]): Record<string, unknown> {
  return derivedVirtualBoard(id, description, configs ? { configs } : {});
}

/** An Allure result or step: where attachments hang. */
interface ResultNode {
  readonly name: string;
  readonly fullName?: string;
  readonly attachments?: readonly { name: string; source: string }[];
  readonly steps?: readonly ResultNode[];
}

function attachmentSource(node: ResultNode, name: string): string | undefined {
  return node.attachments?.find((a) => a.name === name)?.source ?? node.steps?.map((s) => attachmentSource(s, name)).find((s) => s !== undefined);
}

/** A JSON attachment of the child test whose full name matches, read from the child's results directory. */
async function childAttachment<T>(resultsDir: string, titlePattern: RegExp, name: string): Promise<T> {
  for (const file of (await readdir(resultsDir)).filter((f) => f.endsWith('-result.json'))) {
    const result = JSON.parse(await readFile(join(resultsDir, file), 'utf8')) as ResultNode;
    if (!titlePattern.test(result.fullName ?? result.name)) continue;
    const source = attachmentSource(result, name);
    if (source !== undefined) return JSON.parse(await readFile(join(resultsDir, source), 'utf8')) as T;
  }
  throw new Error(`no child result matching ${titlePattern} has an attachment "${name}"`);
}

describe('Meta: the mission specs fail, in the right category, against broken procedures', function () {
  this.timeout(600_000);
  let dir: string;
  let boardsFile: string;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'hil-meta-'));
    boardsFile = join(dir, 'boards.json');
    const boards = [
      brokenBoard('broken-erase-skipped', 'virtual board whose OpenOCD config stubs out flash erase_sector / erase_address', [
        join(BROKEN_DIR, 'virtual-h745-erase-skipped.cfg'),
      ]),
      brokenBoard('broken-3byte-erase', 'virtual board whose OpenOCD config erases with D8h + 3-byte address in 4-byte mode', [
        join(BROKEN_DIR, 'virtual-h745-3byte-in-4byte-mode.cfg'),
      ]),
      brokenBoard('broken-erase-4k-of-64k', 'virtual board whose OpenOCD config erases 4 KiB where it claims 64 KiB', [
        join(BROKEN_DIR, 'virtual-h745-erase-4k-of-64k.cfg'),
      ]),
      brokenBoard('broken-erase-no-busy-poll', 'virtual board whose OpenOCD config sends 06h + DCh per unit and returns without polling SR1.BUSY', [
        join(BROKEN_DIR, 'virtual-h745-erase-no-busy-poll.cfg'),
      ]),
      brokenBoard(
        'broken-stmqspi-set-4k-erase',
        'virtual board whose OpenOCD config declares the chip with stmqspi set: 64 KiB sectors erased by 21h (4 KiB)',
        [join(BROKEN_DIR, 'virtual-h745-stmqspi-set-4k-erase.cfg')],
      ),
      brokenBoard('broken-reset-init-no-chip-reset', 'virtual board whose reset-init never resets the W25Q512JV (no 66h/99h)', [
        join(BROKEN_DIR, 'virtual-h745-reset-init-no-chip-reset.cfg'),
      ]),
      brokenBoard('broken-halt-clears-fault-status', 'virtual board whose OpenOCD config clears CFSR/HFSR on every halt', [
        join(BROKEN_DIR, 'virtual-h745-halt-clears-fault-status.cfg'),
      ]),
      {
        ...brokenBoard('restricted-virtual', 'virtual board whose entry forbids mass erase and power cuts and has no SRST'),
        allows: { massErase: false, powerCut: false },
        reset: { srst: false },
      },
      brokenBoard('broken-nocrc-bootloader', 'virtual board programmed with the bootloader built with CHECK_CRC=0'),
    ];
    await writeFile(boardsFile, JSON.stringify({ boards }, null, 2));
  });
  after(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  async function run(board: string, files: string[], grep: string, env: Record<string, string> = {}): Promise<ChildRun & { resultsDir: string }> {
    const resultsDir = await mkdtemp(join(dir, `results-${board}-`));
    const result = await runSpecsInChild({ boardsFile, board, resultsDir, files, grep, env });
    await attachText(`hil test on ${board}: output`, result.output.slice(-20_000));
    await attachJson(`hil test on ${board}: results`, result.results);
    return { ...result, resultsDir };
  }

  function expectFailedAs(result: ChildRun, titlePattern: RegExp, category: string): void {
    const hits = result.results.filter((r) => titlePattern.test(r.fullName));
    expect(hits.length, `no result matched ${titlePattern}:\n${summarizeChildRun(result)}`).to.be.greaterThan(0);
    for (const hit of hits) {
      expect(hit.status, `${hit.fullName} should have failed:\n${summarizeChildRun(result)}`).to.equal('failed');
      expect(hit.category, `${hit.fullName} landed in the wrong category:\n${summarizeChildRun(result)}`).to.equal(category);
    }
  }

  it('erase stubbed out in the OpenOCD config: interrupted-programming, erase-clears and erase-time specs fail as "flash not cleared"; exit 1', async () => {
    await labels({ epic: 'meta', feature: 'specs can fail', severity: 'critical' });
    const result = await run(
      'broken-erase-skipped',
      ['specs/02-interrupted-programming.spec.ts', 'specs/03-erase-clears.spec.ts', 'specs/07-erase-time-plausibility.spec.ts'],
      'write:50%|flash erase_sector. across|every 64 KiB erase',
      { HIL_SPEC_INJECTORS: 'kill-openocd', HIL_SPEC_POINTS: 'write:50%' },
    );
    expect(result.exitCode, result.output.slice(-3000)).to.equal(ExitCode.VerdictFailed);
    expectFailedAs(result, /Interrupted programming.*kill-openocd at write:50%/, 'flash not cleared');
    expectFailedAs(result, /Erase really clears.*flash erase_sector. across the 16 MiB/, 'flash not cleared');
    expectFailedAs(result, /Erase-time plausibility.*every 64 KiB erase/, 'flash not cleared');
    const plausibility = result.results.find((r) => /every 64 KiB erase/.test(r.fullName));
    expect(plausibility?.message).to.match(/cannot erase that fast/);
  });

  it('3-byte erase commands while the chip is in 4-byte mode: interrupted-programming and erase-clears specs fail as "flash not cleared"; exit 1', async () => {
    await labels({ epic: 'meta', feature: 'specs can fail', severity: 'critical' });
    const result = await run(
      'broken-3byte-erase',
      ['specs/02-interrupted-programming.spec.ts', 'specs/03-erase-clears.spec.ts'],
      'write:50%|flash erase_sector. across',
      { HIL_SPEC_INJECTORS: 'tcl-shutdown', HIL_SPEC_POINTS: 'write:50%' },
    );
    expect(result.exitCode, result.output.slice(-3000)).to.equal(ExitCode.VerdictFailed);
    expectFailedAs(result, /Interrupted programming.*tcl-shutdown at write:50%/, 'flash not cleared');
    expectFailedAs(result, /Erase really clears.*flash erase_sector. across the 16 MiB/, 'flash not cleared');
  });

  it('an erase that clears 4 KiB where it claims 64 KiB: the erase-clears spec fails as "flash not cleared" (it checks whole units); exit 1', async () => {
    await labels({ epic: 'meta', feature: 'specs can fail', severity: 'critical' });
    const result = await run('broken-erase-4k-of-64k', ['specs/03-erase-clears.spec.ts'], 'flash erase_sector. across');
    expect(result.exitCode, result.output.slice(-3000)).to.equal(ExitCode.VerdictFailed);
    expectFailedAs(result, /Erase really clears.*flash erase_sector. across the 16 MiB/, 'flash not cleared');
    const erased = result.results.find((r) => /flash erase_sector. across/.test(r.fullName));
    expect(erased?.message, 'the units it left are named').to.match(/left units 0xff0000, 0x1000000 not blank/);
  });

  it('an erase that never polls BUSY: the erase-time spec fails as "flash not cleared" at flash time scale 1, where scale 0.002 would have passed it; exit 1', async () => {
    await labels({ epic: 'meta', feature: 'specs can fail', severity: 'critical' });
    const result = await run('broken-erase-no-busy-poll', ['specs/07-erase-time-plausibility.spec.ts'], 'every 64 KiB erase|erase_address. of 4 units', {
      // Spec 7 must hold its own floor of 1 against a CI run that asks for less.
      HIL_SPEC_TIME_SCALE: '0.002',
    });
    expect(result.exitCode, result.output.slice(-3000)).to.equal(ExitCode.VerdictFailed);
    expectFailedAs(result, /Erase-time plausibility.*every 64 KiB erase/, 'flash not cleared');
    expectFailedAs(result, /Erase-time plausibility.*erase_address. of 4 units/, 'flash not cleared');
    for (const r of result.results) expect(r.message, r.fullName).to.match(/cannot erase that fast/);

    // The same erase judged at scale 0.002. It never waits for the chip, so its duration is
    // OpenOCD's own (two `stmqspi cmd` per unit) and does not depend on the flash time scale:
    // the time measured here is the time a run at 0.002 would have measured. Judging it again
    // needs no way around spec 7's floor of 1, which a second child at 0.002 would.
    const erases = await childAttachment<{ length: number; elapsedMs: number }[]>(result.resultsDir, /every 64 KiB erase/, 'erase timings and verdicts');
    const four = await childAttachment<{ elapsedMs: number }>(result.resultsDir, /erase_address. of 4 units/, 'erase timing and verdict');
    const timings = [
      ...erases.map((e) => ({ bytes: e.length, units: 1, elapsedMs: e.elapsedMs })),
      { bytes: 4 * 64 * 1024, units: 4, elapsedMs: four.elapsedMs },
    ];
    const judged: { atScale1: PlausibilityVerdict; atScale0002: PlausibilityVerdict }[] = timings.map((t) => ({
      atScale1: checkEraseTime(W25Q512JV, t, { timeScale: 1 }),
      atScale0002: checkEraseTime(W25Q512JV, t, { timeScale: 0.002 }),
    }));
    await attachJson('the broken erases judged at flash time scale 1 and 0.002', judged);
    expect(judged.length).to.be.greaterThan(1);
    for (const j of judged) {
      expect(j.atScale1.plausible, j.atScale1.explanation).to.equal(false);
      expect(j.atScale0002.plausible, `at scale 0.002 the broken erase should have passed: ${j.atScale0002.explanation}`).to.equal(true);
    }
  });

  it('an erase that never polls BUSY: the power-loss test (chip still busy after "erase again") and the mass erase (too fast at scale 0.002) fail as "flash not cleared"; exit 1', async () => {
    await labels({ epic: 'meta', feature: 'specs can fail', severity: 'critical' });
    const result = await run('broken-erase-no-busy-poll', ['specs/03-erase-clears.spec.ts'], 'power loss|mass_erase');
    expect(result.exitCode, result.output.slice(-3000)).to.equal(ExitCode.VerdictFailed);
    expectFailedAs(result, /Erase really clears.*power loss.*erased again/, 'flash not cleared');
    expectFailedAs(result, /Erase really clears.*mass_erase. clears/, 'flash not cleared');
    const cut = result.results.find((r) => /erased again/.test(r.fullName));
    expect(cut?.message).to.match(/still erasing .*BUSY=1/);
    const mass = result.results.find((r) => /mass_erase. clears/.test(r.fullName));
    expect(mass?.message).to.match(/cannot erase that fast/);
  });

  it('`stmqspi set` with a 4 KiB erase command for 64 KiB sectors: erase-clears fails on flash erase_sector, erase_address, write_image erase and program, as "flash not cleared"; exit 1', async () => {
    await labels({ epic: 'meta', feature: 'specs can fail', severity: 'critical' });
    const result = await run('broken-stmqspi-set-4k-erase', ['specs/03-erase-clears.spec.ts'], 'across the 16 MiB|write_image erase');
    expect(result.exitCode, result.output.slice(-3000)).to.equal(ExitCode.VerdictFailed);
    expectFailedAs(result, /Erase really clears.*`flash erase_sector` across the 16 MiB/, 'flash not cleared');
    expectFailedAs(result, /Erase really clears.*`flash erase_address` across the 16 MiB/, 'flash not cleared');
    expectFailedAs(result, /Erase really clears.*`flash write_image erase` of an 8 KiB file/, 'flash not cleared');
    expectFailedAs(result, /Erase really clears.*`program`'s own erase/, 'flash not cleared');
    expect(result.results.length, summarizeChildRun(result)).to.equal(4);
  });

  it('a reset-init that never resets the flash chip: the bad-flash-state spec fails on the suspended erase as "flash not cleared", naming SUS=1; exit 1', async () => {
    await labels({ epic: 'meta', feature: 'specs can fail', severity: 'critical' });
    const result = await run('broken-reset-init-no-chip-reset', ['specs/06-bad-flash-state.spec.ts'], 'suspended');
    expect(result.exitCode, result.output.slice(-3000)).to.equal(ExitCode.VerdictFailed);
    expectFailedAs(result, /Flash left in a bad state.*erase of the image's block suspended/, 'flash not cleared');
    expect(result.results[0]?.message).to.match(/SUS=1/);
  });

  it('the negative control fails when the erase drops every command ("flash not cleared": the earlier image completes the partial one) and when a halt hook wipes CFSR/HFSR ("boot fault" unnoticed); exit 1', async () => {
    await labels({ epic: 'meta', feature: 'specs can fail', severity: 'critical' });
    const stale = await run('broken-3byte-erase', ['specs/05-negative-control.spec.ts'], 'detects the fault');
    expect(stale.exitCode, stale.output.slice(-3000)).to.equal(ExitCode.VerdictFailed);
    expectFailedAs(stale, /Negative control.*detects the fault/, 'flash not cleared');
    expect(stale.results[0]?.message).to.match(/partial image ran as if complete/);
    const hidden = await run('broken-halt-clears-fault-status', ['specs/05-negative-control.spec.ts'], 'detects the fault');
    expect(hidden.exitCode, hidden.output.slice(-3000)).to.equal(ExitCode.VerdictFailed);
    expectFailedAs(hidden, /Negative control.*detects the fault/, 'boot fault');
  });

  it('bootloader without the CRC check: the boot CRC spec fails as "boot accepted a bad image"; exit 1', async () => {
    await labels({ epic: 'meta', feature: 'specs can fail', severity: 'critical' });
    const result = await run('broken-nocrc-bootloader', ['specs/04-boot-crc.spec.ts'], 'truncated@6144|missing@4096', {
      HIL_BOOTLOADER_ELF: noCrcBootloaderElf(),
    });
    expect(result.exitCode, result.output.slice(-3000)).to.equal(ExitCode.VerdictFailed);
    expectFailedAs(result, /Boot CRC validation.*truncated@6144/, 'boot accepted a bad image');
    expectFailedAs(result, /Boot CRC validation.*missing@4096/, 'boot accepted a bad image');
  });

  it('a board that allows no mass erase, no power cut and has no SRST: those specs are skipped with the reason, never passed; all skipped is no verdict, exit 2', async () => {
    await labels({ epic: 'meta', feature: 'specs skip honestly', severity: 'normal' });
    const result = await run(
      'restricted-virtual',
      ['specs/02-interrupted-programming.spec.ts', 'specs/03-erase-clears.spec.ts'],
      'write:50%|mass_erase|power loss',
      { HIL_SPEC_INJECTORS: 'srst,power-cut', HIL_SPEC_POINTS: 'write:50%' },
    );
    // Nothing was judged on this board: a night like this must not read as green.
    expect(result.exitCode, result.output.slice(-3000)).to.equal(ExitCode.NoVerdict);
    expect(result.output).to.match(/no verdict: every test was skipped \(4\)/);
    expect(result.results.length, summarizeChildRun(result)).to.equal(4);
    for (const r of result.results) expect(r.status, `${r.fullName} must be skipped:\n${summarizeChildRun(result)}`).to.equal('skipped');
    expect(result.output).to.match(/skipped: boards\.json allows\.powerCut is false/);
    expect(result.output).to.match(/skipped: the board has no SRST line wired/);
    expect(result.output).to.match(/skipped: boards\.json allows\.massErase is false/);
  });
});
