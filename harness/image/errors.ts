/**
 * Typed errors of the image tools. A rejected or absent image carries the verdict the
 * bootloader must print for it, so a spec can compare the UART line against it field by field.
 */
import type { BootVerdict, RejectReason } from './format.js';

export class ImageError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** `buildImage` was asked for something the format cannot hold. */
export class ImageBuildError extends ImageError {}

/** The flash holds no image at all (header area erased). */
export class ImageAbsentError extends ImageError {
  readonly verdict: Extract<BootVerdict, { image: 'absent' }> = { image: 'absent', reason: 'blank' };
  constructor() {
    super('no image: the header area is erased (all 0xFF)');
  }
}

/** The flash holds an image the bootloader must refuse, for `reason`. */
export class ImageRejectedError extends ImageError {
  readonly verdict: Extract<BootVerdict, { image: 'rejected' }>;
  constructor(
    readonly reason: RejectReason,
    readonly fields: Readonly<Record<string, number>>,
  ) {
    const detail = Object.entries(fields)
      .map(([k, v]) => `${k}=0x${(v >>> 0).toString(16)}`)
      .join(' ');
    super(`image rejected: reason=${reason}${detail ? ` ${detail}` : ''}`);
    this.verdict = { image: 'rejected', reason, fields };
  }
}

/** A .bin/.hex/.elf file could not be read as firmware. */
export class FirmwareFileError extends ImageError {
  constructor(
    readonly file: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(`${file}: ${message}`, options);
  }
}
