/**
 * Meta-tests: the mission specs can fail, and fail in the right report category. Each case runs
 * selected specs in a child `hil test --specs-only` against a deliberately broken procedure on
 * the virtual board, then reads the child's Allure results:
 *
 * - an OpenOCD config whose QSPI erase is stubbed out (fixtures/openocd/broken/): the
 *   interrupted-programming, erase-clears and erase-time specs must fail as "flash not cleared";
 * - an OpenOCD config that erases with 3-byte Block Erase (D8h) while the chip is in 4-byte mode:
 *   the chip drops every erase; interrupted-programming and erase-clears must fail as "flash not
 *   cleared" (its status polling makes it slow enough to pass the time floor at scale 0.1);
 * - an OpenOCD config whose erase clears 4 KiB where it claims 64 KiB (one 21h per unit): the
 *   erase-clears spec, which fills and checks whole units, must fail as "flash not cleared";
 * - the bootloader built without the CRC check programmed where the real one belongs: the boot
 *   CRC spec must fail as "boot accepted a bad image".
 *
 * Every child run must exit 1 (a board failed a check), not 0 and not 2 (no verdict). And on a
 * board whose entry forbids mass erase and power cuts and has no SRST, the specs needing them
 * are skipped with the reason attached, never passed.
 */
import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT } from '../../harness/boards/index.js';
import { ExitCode } from '../../harness/exit-codes.js';
import { attachJson, attachText, labels } from '../../harness/report/index.js';
import { noCrcBootloaderElf } from '../support/board.js';
import { runSpecsInChild, type ChildRun } from '../support/child-run.js';

const BROKEN_DIR = join(REPO_ROOT, 'fixtures', 'openocd', 'broken');

/** boards.json's virtual board entry, renamed and with other OpenOCD configs. */
function brokenBoard(id: string, description: string, configs?: readonly string[]): Record<string, unknown> {
  const inventory = JSON.parse(readFileSync(join(REPO_ROOT, 'boards.json'), 'utf8')) as { boards: Record<string, unknown>[] };
  const base = inventory.boards.find((b) => b.id === 'virtual-h745');
  if (!base) throw new Error('boards.json has no virtual-h745 entry to derive the broken boards from');
  const openocd = base.openocd as Record<string, unknown>;
  const baseConfigs = (openocd.configs as string[]).map((c) => join(REPO_ROOT, c));
  return { ...base, id, description, openocd: { ...openocd, configs: configs ?? baseConfigs } };
}

function summary(run: ChildRun): string {
  return run.results.map((r) => `${r.status.padEnd(7)} ${r.category ?? '-'} | ${r.fullName}\n        ${r.message.split('\n')[0]}`).join('\n');
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

  async function run(board: string, files: string[], grep: string, env: Record<string, string> = {}): Promise<ChildRun> {
    const resultsDir = await mkdtemp(join(dir, `results-${board}-`));
    const result = await runSpecsInChild({ boardsFile, board, resultsDir, files, grep, env });
    await attachText(`hil test on ${board}: output`, result.output.slice(-20_000));
    await attachJson(`hil test on ${board}: results`, result.results);
    return result;
  }

  function expectFailedAs(result: ChildRun, titlePattern: RegExp, category: string): void {
    const hits = result.results.filter((r) => titlePattern.test(r.fullName));
    expect(hits.length, `no result matched ${titlePattern}:\n${summary(result)}`).to.be.greaterThan(0);
    for (const hit of hits) {
      expect(hit.status, `${hit.fullName} should have failed:\n${summary(result)}`).to.equal('failed');
      expect(hit.category, `${hit.fullName} landed in the wrong category:\n${summary(result)}`).to.equal(category);
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

  it('bootloader without the CRC check: the boot CRC spec fails as "boot accepted a bad image"; exit 1', async () => {
    await labels({ epic: 'meta', feature: 'specs can fail', severity: 'critical' });
    const result = await run('broken-nocrc-bootloader', ['specs/04-boot-crc.spec.ts'], 'truncated@6144|missing@4096', {
      HIL_BOOTLOADER_ELF: noCrcBootloaderElf(),
    });
    expect(result.exitCode, result.output.slice(-3000)).to.equal(ExitCode.VerdictFailed);
    expectFailedAs(result, /Boot CRC validation.*truncated@6144/, 'boot accepted a bad image');
    expectFailedAs(result, /Boot CRC validation.*missing@4096/, 'boot accepted a bad image');
  });

  it('a board that allows no mass erase, no power cut and has no SRST: those specs are skipped with the reason, never passed; exit 0', async () => {
    await labels({ epic: 'meta', feature: 'specs skip honestly', severity: 'normal' });
    const result = await run(
      'restricted-virtual',
      ['specs/02-interrupted-programming.spec.ts', 'specs/03-erase-clears.spec.ts'],
      'write:50%|mass_erase|power loss',
      { HIL_SPEC_INJECTORS: 'srst,power-cut', HIL_SPEC_POINTS: 'write:50%' },
    );
    expect(result.exitCode, result.output.slice(-3000)).to.equal(ExitCode.Passed);
    expect(result.results.length, summary(result)).to.equal(4);
    for (const r of result.results) expect(r.status, `${r.fullName} must be skipped:\n${summary(result)}`).to.equal('skipped');
    expect(result.output).to.match(/skipped: boards\.json allows\.powerCut is false/);
    expect(result.output).to.match(/skipped: the board has no SRST line wired/);
    expect(result.output).to.match(/skipped: boards\.json allows\.massErase is false/);
  });
});
