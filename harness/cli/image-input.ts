/**
 * The `<image>` argument of `hil program` / `hil map`: .img/.bin are raw bytes placed at
 * --offset (default 0, the bootloader's image slot); .hex/.elf carry their own addresses, which
 * must fall in the board's QSPI window (memory-mapped base + 64 MiB). A missing or unreadable
 * file is a NoVerdictError that says what to give instead.
 */
import { existsSync } from 'node:fs';
import { extname, resolve } from 'node:path';
import { NoVerdictError } from '../exit-codes.js';
import { checkImage } from '../image/check-image.js';
import { flattenSegments, loadFirmwareFile } from '../image/loaders.js';
import { hex32 } from './cli-args.js';

const QSPI_WINDOW = 64 * 1024 * 1024;

export class ImageFileError extends NoVerdictError {
  constructor(
    readonly path: string,
    readonly problem: string,
    options?: { cause?: unknown },
  ) {
    super(`image ${path}: ${problem}`, options);
  }
}

export interface ImageInput {
  readonly path: string;
  readonly bytes: Uint8Array;
  /** Flash offset from the bank start. */
  readonly offset: number;
  /** What the bootloader would say of these bytes at the image slot (header check + CRC), when they start with a header. */
  readonly container?: {
    readonly image: string;
    readonly reason?: string;
    readonly version?: number;
    readonly payloadLength?: number;
    readonly payloadCrc?: string;
  };
}

export async function loadImageArgument(path: string, qspiBase: number, offset: number | undefined): Promise<ImageInput> {
  const absolute = resolve(path);
  if (!existsSync(absolute)) {
    throw new ImageFileError(
      path,
      'no such file: give the path of a .img, .bin, .hex or .elf (the fixture app image is fixtures/firmware/build/app.img, built by `npm run firmware`)',
    );
  }
  const ext = extname(absolute).toLowerCase();
  let bytes: Uint8Array;
  let at: number;
  try {
    const firmware = await loadFirmwareFile(absolute, qspiBase);
    const flat = flattenSegments(firmware);
    bytes = flat.bytes;
    at = ext === '.bin' || ext === '.img' ? (offset ?? 0) : (offset ?? flat.base - qspiBase);
  } catch (error) {
    throw new ImageFileError(path, error instanceof Error ? error.message : String(error), { cause: error });
  }
  if (bytes.length === 0) throw new ImageFileError(path, 'holds no bytes to program');
  if (at < 0 || at + bytes.length > QSPI_WINDOW) {
    throw new ImageFileError(
      path,
      `its bytes would land at flash offset ${at < 0 ? `-0x${(-at).toString(16)}` : hex32(at)}..${hex32(at + bytes.length)}, outside the 64 MiB QSPI flash at ${hex32(qspiBase)} (an internal-flash ELF? use --internal)`,
    );
  }
  const verdict = checkImage(bytes);
  let container: ImageInput['container'];
  if (verdict.image === 'ok') {
    container = {
      image: verdict.image,
      version: verdict.header.imageVersion,
      payloadLength: verdict.header.payloadLength,
      payloadCrc: hex32(verdict.header.payloadCrc),
    };
  } else if (verdict.image === 'rejected' && verdict.reason !== 'bad-magic') {
    // A container the bootloader would refuse (bad-magic means: not a container at all, e.g. a raw .bin).
    container = { image: 'rejected', reason: verdict.reason };
  }
  return { path: absolute, bytes, offset: at, ...(container ? { container } : {}) };
}
