/**
 * Builds a container image (IMAGE_FORMAT.md) from an app binary: header, 0xFF padding up to the
 * payload offset, payload. The result is what gets written at 0x90000000.
 */
import { crc32 } from './crc32.js';
import { ImageBuildError } from './errors.js';
import {
  DEFAULT_FLASH_SIZE,
  DEFAULT_PAYLOAD_OFFSET,
  ERASED_BYTE,
  HEADER_CRC_COVERS,
  HeaderField,
  IMAGE_FORMAT_VERSION,
  IMAGE_HEADER_SIZE,
  IMAGE_MAGIC,
  PAYLOAD_ALIGNMENT,
  type ImageHeader,
} from './format.js';

export interface BuildImageOptions {
  /** The app binary, linked to run at QSPI_BASE + payloadOffset. */
  readonly payload: Uint8Array;
  /** Image version stored in the header (unsigned 32-bit). */
  readonly version: number;
  /** Defaults to 1024; must be a multiple of 1024 (the app's vector table lives there). */
  readonly payloadOffset?: number;
  readonly flags?: number;
  /** The image must fit in this flash; defaults to 64 MiB. */
  readonly flashSize?: number;
}

function isU32(n: number): boolean {
  return Number.isInteger(n) && n >= 0 && n <= 0xffffffff;
}

/** Writes the header fields and, last, the CRC over bytes [0, 60). */
export function encodeHeader(
  fields: Omit<ImageHeader, 'headerCrc' | 'magic' | 'formatVersion' | 'headerSize'> & Partial<Pick<ImageHeader, 'magic' | 'formatVersion' | 'headerSize'>>,
): Uint8Array {
  const header = new Uint8Array(IMAGE_HEADER_SIZE);
  const view = new DataView(header.buffer);
  view.setUint32(HeaderField.magic, fields.magic ?? IMAGE_MAGIC, true);
  view.setUint16(HeaderField.formatVersion, fields.formatVersion ?? IMAGE_FORMAT_VERSION, true);
  view.setUint16(HeaderField.headerSize, fields.headerSize ?? IMAGE_HEADER_SIZE, true);
  view.setUint32(HeaderField.payloadOffset, fields.payloadOffset, true);
  view.setUint32(HeaderField.payloadLength, fields.payloadLength, true);
  view.setUint32(HeaderField.payloadCrc, fields.payloadCrc, true);
  view.setUint32(HeaderField.imageVersion, fields.imageVersion, true);
  view.setUint32(HeaderField.flags, fields.flags, true);
  view.setUint32(HeaderField.headerCrc, crc32(header.subarray(0, HEADER_CRC_COVERS)), true);
  return header;
}

/** Recomputes the header CRC in place (variants that edit a field and keep the header consistent). */
export function resealHeader(image: Uint8Array): void {
  const view = new DataView(image.buffer, image.byteOffset, IMAGE_HEADER_SIZE);
  view.setUint32(HeaderField.headerCrc, crc32(image.subarray(0, HEADER_CRC_COVERS)), true);
}

export function buildImage(options: BuildImageOptions): Uint8Array {
  const payloadOffset = options.payloadOffset ?? DEFAULT_PAYLOAD_OFFSET;
  const flashSize = options.flashSize ?? DEFAULT_FLASH_SIZE;
  if (!isU32(options.version)) throw new ImageBuildError(`image version ${options.version} is not an unsigned 32-bit integer`);
  if (payloadOffset % PAYLOAD_ALIGNMENT !== 0 || payloadOffset < IMAGE_HEADER_SIZE) {
    throw new ImageBuildError(`payload offset ${payloadOffset} must be a non-zero multiple of ${PAYLOAD_ALIGNMENT}`);
  }
  if (options.payload.length < 8) throw new ImageBuildError(`payload of ${options.payload.length} bytes cannot hold a vector table (SP and reset vector)`);
  if (payloadOffset + options.payload.length > flashSize) {
    throw new ImageBuildError(`image of ${payloadOffset + options.payload.length} bytes does not fit a ${flashSize}-byte flash`);
  }
  const image = new Uint8Array(payloadOffset + options.payload.length).fill(ERASED_BYTE);
  image.set(
    encodeHeader({
      payloadOffset,
      payloadLength: options.payload.length,
      payloadCrc: crc32(options.payload),
      imageVersion: options.version,
      flags: options.flags ?? 0,
    }),
    0,
  );
  image.set(options.payload, payloadOffset);
  return image;
}
