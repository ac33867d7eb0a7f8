/**
 * The fixture firmware (bootloader ELF, app image) for the harness's end-to-end tests, built
 * the way a person builds it, `npm run firmware` (fixtures/firmware/build.ts, a child process):
 * the harness takes images as any user's input and never imports fixtures/.
 */
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { REPO_ROOT } from '../../boards/select.js';

export interface FixtureFirmware {
  readonly bootloaderElf: string;
  readonly appImage: string;
}

const BUILD_SCRIPT = join(REPO_ROOT, 'fixtures', 'firmware', 'build.ts');
const BUILD_DIR = join(REPO_ROOT, 'fixtures', 'firmware', 'build');

/** Runs the firmware build (make is incremental: quick when nothing changed) and returns the outputs. */
export function buildFixtureFirmware(): FixtureFirmware {
  const tsx = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
  const run = spawnSync(process.execPath, ['--import', tsx, BUILD_SCRIPT], { cwd: REPO_ROOT, encoding: 'utf8', timeout: 280_000 });
  if (run.status !== 0) throw new Error(`the fixture firmware build (${BUILD_SCRIPT}) exited with ${run.status ?? run.signal}:\n${run.stdout}${run.stderr}`);
  return { bootloaderElf: join(BUILD_DIR, 'bootloader.elf'), appImage: join(BUILD_DIR, 'app.img') };
}
