/**
 * Partial and corrupted images for negative tests. Each variant says what the CRC-checking
 * bootloader must print for it (`expected`), reasoned from *what was changed where*, not by
 * running the checker: a change inside CRC-covered bytes is a CRC failure (CRC-32 catches every
 * single-bit error and every burst up to 32 bits; anything longer slips through with odds of
 * 2^-32, and the tests would show such a collision). `checkImage` must agree; the tests hold it
 * to that.
 */
import { crc32 } from './crc32.js';
import { resealHeader } from './build-image.js';
import { readFlash } from './check-image.js';
import { ImageBuildError } from './errors.js';
import { ERASED_BYTE, HeaderField, IMAGE_HEADER_SIZE, type RejectReason } from './format.js';

/** W25Q512JV page (program unit) and smallest erase unit. */
export const FLASH_PAGE_SIZE = 256;
export const FLASH_SECTOR_SIZE = 4096;

export type ExpectedOutcome = { readonly image: 'ok' } | { readonly image: 'absent' } | { readonly image: 'rejected'; readonly reason: RejectReason };

export interface ImageVariant {
  /** Short machine name, e.g. `truncated@5000`. */
  readonly name: string;
  /** One sentence on what was done to the image. */
  readonly description: string;
  /** Flash content from 0x90000000 on; anything past its end is erased. */
  readonly bytes: Uint8Array;
  /** What the CRC-checking bootloader must say (`HIL-BOOT image=... reason=...`). */
  readonly expected: ExpectedOutcome;
}

function header(image: Uint8Array): { payloadOffset: number; payloadLength: number } {
  if (image.length < IMAGE_HEADER_SIZE) throw new ImageBuildError(`a ${image.length}-byte buffer holds no image header`);
  const view = new DataView(image.buffer, image.byteOffset, IMAGE_HEADER_SIZE);
  return { payloadOffset: view.getUint32(HeaderField.payloadOffset, true), payloadLength: view.getUint32(HeaderField.payloadLength, true) };
}

function differs(a: Uint8Array, b: Uint8Array, from: number, to: number): boolean {
  const x = readFlash(a, from, to - from);
  const y = readFlash(b, from, to - from);
  for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return true;
  return false;
}

/**
 * The verdict for `modified`, a damaged copy of the valid `original` whose header CRC was not
 * recomputed, judged by which bytes changed.
 */
export function expectedAfterDamage(original: Uint8Array, modified: Uint8Array): ExpectedOutcome {
  const { payloadOffset, payloadLength } = header(original);
  if (readFlash(modified, 0, IMAGE_HEADER_SIZE).every((b) => b === ERASED_BYTE)) return { image: 'absent' };
  if (differs(original, modified, HeaderField.magic, HeaderField.magic + 4)) return { image: 'rejected', reason: 'bad-magic' };
  if (differs(original, modified, 4, IMAGE_HEADER_SIZE)) return { image: 'rejected', reason: 'header-crc' };
  if (differs(original, modified, payloadOffset, payloadOffset + payloadLength)) return { image: 'rejected', reason: 'crc-mismatch' };
  // Only the 0xFF padding between header and payload changed (or nothing): covered by no CRC.
  return { image: 'ok' };
}

/** The programming run stopped after `atByte` bytes: the rest of the flash is erased. */
export function truncated(image: Uint8Array, atByte: number): ImageVariant {
  if (!Number.isInteger(atByte) || atByte < 0 || atByte > image.length) throw new ImageBuildError(`cannot truncate a ${image.length}-byte image at ${atByte}`);
  const bytes = image.slice(0, atByte);
  return {
    name: `truncated@${atByte}`,
    description: `only the first ${atByte} of ${image.length} bytes were written; the rest reads erased`,
    bytes,
    expected: expectedAfterDamage(image, bytes),
  };
}

/** `length` bytes at `offset` never got programmed (a page or sector skipped mid-run): they read 0xFF. */
export function missingRange(image: Uint8Array, offset: number, length: number): ImageVariant {
  if (offset < 0 || length <= 0 || offset + length > image.length)
    throw new ImageBuildError(`range ${offset}+${length} is outside the ${image.length}-byte image`);
  const bytes = image.slice();
  bytes.fill(ERASED_BYTE, offset, offset + length);
  return {
    name: `missing@${offset}+${length}`,
    description: `bytes ${offset}..${offset + length - 1} were never programmed and read erased`,
    bytes,
    expected: expectedAfterDamage(image, bytes),
  };
}

/** Page `index` (256 bytes, counted from the start of the flash) missing. */
export function missingPage(image: Uint8Array, index: number): ImageVariant {
  const offset = index * FLASH_PAGE_SIZE;
  return missingRange(image, offset, Math.min(FLASH_PAGE_SIZE, image.length - offset));
}

/** 4 KiB sector `index` missing (erased but never reprogrammed). */
export function missingSector(image: Uint8Array, index: number): ImageVariant {
  const offset = index * FLASH_SECTOR_SIZE;
  return missingRange(image, offset, Math.min(FLASH_SECTOR_SIZE, image.length - offset));
}

/** One bit flipped (bit `bitIndex & 7` of byte `bitIndex >> 3`): a disturbed cell. */
export function flippedBit(image: Uint8Array, bitIndex: number): ImageVariant {
  const byte = Math.floor(bitIndex / 8);
  if (!Number.isInteger(bitIndex) || bitIndex < 0 || byte >= image.length)
    throw new ImageBuildError(`bit ${bitIndex} is outside the ${image.length}-byte image`);
  const bytes = image.slice();
  bytes[byte] = bytes[byte]! ^ (1 << (bitIndex & 7));
  return {
    name: `bitflip@${bitIndex}`,
    description: `bit ${bitIndex & 7} of byte ${byte} flipped`,
    bytes,
    expected: expectedAfterDamage(image, bytes),
  };
}

/** The header CRC field itself corrupted (inverted), every other byte intact. */
export function badHeaderCrc(image: Uint8Array): ImageVariant {
  header(image);
  const bytes = image.slice();
  for (let i = HeaderField.headerCrc; i < HeaderField.headerCrc + 4; i++) bytes[i] = bytes[i]! ^ 0xff;
  return { name: 'bad-header-crc', description: 'header CRC field inverted', bytes, expected: { image: 'rejected', reason: 'header-crc' } };
}

/**
 * A consistent header (its CRC recomputed) whose payload length runs one byte past the end of a
 * `flashSize` flash: the bootloader must refuse before reading beyond the chip.
 */
export function lengthBeyondFlash(image: Uint8Array, flashSize: number): ImageVariant {
  const { payloadOffset } = header(image);
  const bytes = image.slice();
  const length = flashSize - payloadOffset + 1;
  new DataView(bytes.buffer).setUint32(HeaderField.payloadLength, length >>> 0, true);
  resealHeader(bytes);
  return {
    name: 'length-beyond-flash',
    description: `header claims ${length} payload bytes at offset ${payloadOffset}, one past the end of a ${flashSize}-byte flash (header CRC recomputed)`,
    bytes,
    expected: { image: 'rejected', reason: 'length-out-of-range' },
  };
}

/**
 * A correctly sealed image whose app vector table is wrong (initial SP 0): the payload and header
 * CRCs are recomputed so only the vector-table check can catch it.
 */
export function badVectorTable(image: Uint8Array): ImageVariant {
  const { payloadOffset, payloadLength } = header(image);
  const bytes = image.slice();
  const view = new DataView(bytes.buffer);
  view.setUint32(payloadOffset, 0, true);
  view.setUint32(HeaderField.payloadCrc, crc32(bytes.subarray(payloadOffset, payloadOffset + payloadLength)), true);
  resealHeader(bytes);
  return { name: 'bad-vector-table', description: 'initial SP set to 0, CRCs recomputed', bytes, expected: { image: 'rejected', reason: 'bad-vector-table' } };
}

/** No image at all: `length` erased bytes (0 = nothing written). */
export function blank(length: number): ImageVariant {
  return { name: `blank(${length})`, description: `${length} erased bytes`, bytes: new Uint8Array(length).fill(ERASED_BYTE), expected: { image: 'absent' } };
}
