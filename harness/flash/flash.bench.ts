/**
 * Flash programming and inspection costs on the virtual board through real OpenOCD 0.12, both
 * sides of each ratio measured in this run:
 * - harness chunked program + verify (erase_sector, write_bank chunks, verify_image) vs OpenOCD's
 *   `program <file> verify <addr>` of the same image (target <= 1.15x);
 * - on-target CRC compare (verify_image) vs a full read back (flash read_bank) of the same range
 *   (target >= 10x).
 * Sizes are smaller than the 1 MiB / 8 MiB so the file stays under a minute on the
 * virtual board (its stmqspi loaders run at ~25 KiB/s write, ~40 KiB/s read back).
 */
import { randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { selectBoard } from '../boards/index.js';
import { BoardSession } from '../session/index.js';

const PROGRAM_BYTES = 128 * 1024;
const COMPARE_BYTES = 512 * 1024;

const session = await BoardSession.open(selectBoard({ board: 'virtual-h745' }).board, { timeScale: 0.001, uart: false, handleSignals: true });
try {
  const image = randomBytes(PROGRAM_BYTES);
  const file = join(session.flash.target.workDir, 'bench.bin');
  await writeFile(file, image);

  let t0 = performance.now();
  const harness = await session.flash.program(image, { chunkSize: 64 * 1024 });
  const harnessMs = performance.now() - t0;
  if (!harness.verify?.ok) throw new Error('harness program did not verify');

  t0 = performance.now();
  const baseline = await session.flash.programWithProgramCommand(file, { verify: true, offset: 0 });
  const baselineMs = performance.now() - t0;
  if (!baseline.ok) throw new Error(`program failed: ${baseline.output}`);

  console.log(`bench flash-harness-program-verify-${PROGRAM_BYTES / 1024}kib: ${harnessMs.toFixed(0)} ms`);
  console.log(`bench flash-openocd-program-verify-${PROGRAM_BYTES / 1024}kib: ${baselineMs.toFixed(0)} ms`);
  console.log(`bench flash-harness-vs-openocd-program: ${(harnessMs / baselineMs).toFixed(2)} x`);

  const blank = new Uint8Array(COMPARE_BYTES).fill(0xff);
  await session.flash.erase(0, COMPARE_BYTES);
  t0 = performance.now();
  const compared = await session.flash.compare(0, blank);
  const crcMs = performance.now() - t0;
  if (!compared.matches) throw new Error('erased range does not compare blank');
  t0 = performance.now();
  await session.flash.readBack(0, COMPARE_BYTES);
  const readMs = performance.now() - t0;
  console.log(`bench flash-crc-compare-${COMPARE_BYTES / 1024}kib: ${crcMs.toFixed(0)} ms`);
  console.log(`bench flash-read-back-${COMPARE_BYTES / 1024}kib: ${readMs.toFixed(0)} ms`);
  console.log(`bench flash-read-back-vs-crc: ${(readMs / crcMs).toFixed(1)} x`);
} finally {
  await session.close();
}
