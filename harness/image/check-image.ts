/**
 * What the bootloader concludes about a flash content, computed on the host with the same
 * checks in the same order as fixtures/firmware/bootloader/image_check.c. `flash` is the
 * content from 0x90000000 on; bytes past its end read as erased (0xFF), as on a chip where the
 * programming run stopped early.
 */
import { crc32 } from './crc32.js';
import { ImageAbsentError, ImageRejectedError } from './errors.js';
import {
  DEFAULT_FLASH_SIZE,
  ERASED_BYTE,
  HEADER_CRC_COVERS,
  HeaderField,
  IMAGE_FORMAT_VERSION,
  IMAGE_HEADER_SIZE,
  IMAGE_MAGIC,
  PAYLOAD_ALIGNMENT,
  QSPI_BASE,
  STACK_RAM_RANGES,
  type BootVerdict,
  type ImageHeader,
  type RejectReason,
} from './format.js';

export interface CheckOptions {
  /** Size of the flash behind 0x90000000; defaults to 64 MiB. */
  readonly flashSize?: number;
  /**
   * false = the negative-control bootloader (HIL_CHECK_IMAGE_CRC=0): header CRC, length,
   * payload CRC and vector table are not checked. Default true.
   */
  readonly checkCrc?: boolean;
}

/** `length` bytes at `offset`, erased bytes where `flash` ends. */
export function readFlash(flash: Uint8Array, offset: number, length: number): Uint8Array {
  const out = new Uint8Array(length).fill(ERASED_BYTE);
  if (offset < flash.length) out.set(flash.subarray(offset, Math.min(flash.length, offset + length)));
  return out;
}

export function decodeHeader(header: Uint8Array): ImageHeader {
  const view = new DataView(header.buffer, header.byteOffset, IMAGE_HEADER_SIZE);
  return {
    magic: view.getUint32(HeaderField.magic, true),
    formatVersion: view.getUint16(HeaderField.formatVersion, true),
    headerSize: view.getUint16(HeaderField.headerSize, true),
    payloadOffset: view.getUint32(HeaderField.payloadOffset, true),
    payloadLength: view.getUint32(HeaderField.payloadLength, true),
    payloadCrc: view.getUint32(HeaderField.payloadCrc, true),
    imageVersion: view.getUint32(HeaderField.imageVersion, true),
    flags: view.getUint32(HeaderField.flags, true),
    headerCrc: view.getUint32(HeaderField.headerCrc, true),
  };
}

function rejected(reason: RejectReason, fields: Record<string, number>): BootVerdict {
  return { image: 'rejected', reason, fields };
}

function inStackRam(sp: number): boolean {
  return (sp & 3) === 0 && STACK_RAM_RANGES.some(([lo, hi]) => sp > lo && sp <= hi);
}

/** The bootloader's verdict for this flash content (never throws). */
export function checkImage(flash: Uint8Array, options: CheckOptions = {}): BootVerdict {
  const flashSize = options.flashSize ?? DEFAULT_FLASH_SIZE;
  const checkCrc = options.checkCrc ?? true;
  const headerBytes = readFlash(flash, 0, IMAGE_HEADER_SIZE);
  if (headerBytes.every((b) => b === ERASED_BYTE)) return { image: 'absent', reason: 'blank' };
  const header = decodeHeader(headerBytes);
  if (header.magic !== IMAGE_MAGIC) return rejected('bad-magic', { magic: header.magic });
  if (checkCrc) {
    const actual = crc32(headerBytes.subarray(0, HEADER_CRC_COVERS));
    if (actual !== header.headerCrc) return rejected('header-crc', { expected: header.headerCrc, actual });
  }
  if (header.formatVersion !== IMAGE_FORMAT_VERSION) return rejected('unsupported-format', { format: header.formatVersion });
  if (header.headerSize !== IMAGE_HEADER_SIZE) return rejected('bad-header-size', { header_size: header.headerSize });
  if (header.payloadOffset % PAYLOAD_ALIGNMENT !== 0 || header.payloadOffset < header.headerSize || header.payloadOffset >= flashSize) {
    return rejected('bad-payload-offset', { offset: header.payloadOffset });
  }
  if (!checkCrc) return { image: 'ok', header };
  if (header.payloadLength < 8 || header.payloadLength > flashSize - header.payloadOffset) {
    return rejected('length-out-of-range', { length: header.payloadLength, offset: header.payloadOffset, flash_size: flashSize });
  }
  const payload = readFlash(flash, header.payloadOffset, header.payloadLength);
  const actual = crc32(payload);
  if (actual !== header.payloadCrc) return rejected('crc-mismatch', { expected: header.payloadCrc, actual, length: header.payloadLength });
  const view = new DataView(payload.buffer, payload.byteOffset, 8);
  const sp = view.getUint32(0, true);
  const reset = view.getUint32(4, true);
  const start = QSPI_BASE + header.payloadOffset;
  const target = (reset & ~1) >>> 0;
  if (!inStackRam(sp) || (reset & 1) === 0 || target < start || target >= start + header.payloadLength) {
    return rejected('bad-vector-table', { sp, reset });
  }
  return { image: 'ok', header };
}

export interface ParsedImage {
  readonly header: ImageHeader;
  readonly payload: Uint8Array;
}

/** Header and payload of a valid image; `ImageAbsentError` / `ImageRejectedError` otherwise. */
export function parseImage(flash: Uint8Array, options: CheckOptions = {}): ParsedImage {
  const verdict = checkImage(flash, { ...options, checkCrc: true });
  if (verdict.image === 'absent') throw new ImageAbsentError();
  if (verdict.image === 'rejected') throw new ImageRejectedError(verdict.reason, verdict.fields);
  return { header: verdict.header, payload: readFlash(flash, verdict.header.payloadOffset, verdict.header.payloadLength) };
}
