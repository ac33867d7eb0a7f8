/**
 * The QSPI image container (fixtures/firmware/IMAGE_FORMAT.md): one 64-byte header at the start
 * of the external flash, the app payload at a 1 KiB-aligned offset behind it. The bootloader
 * (fixtures/firmware/bootloader/image.h) checks exactly these fields in exactly this order, so the
 * offsets and reasons here are a contract with C code: change both or neither.
 */

/** "HILI" read as a little-endian word (bytes 48 49 4C 49). */
export const IMAGE_MAGIC = 0x494c4948;
export const IMAGE_FORMAT_VERSION = 1;
export const IMAGE_HEADER_SIZE = 64;
/** The app's vector table sits at the payload start; VTOR needs 1 KiB alignment (166 vectors -> 256-entry alignment). */
export const PAYLOAD_ALIGNMENT = 1024;
export const DEFAULT_PAYLOAD_OFFSET = 1024;
/** W25Q512JV: 64 MiB, memory-mapped at 0x90000000. */
export const DEFAULT_FLASH_SIZE = 64 * 1024 * 1024;
export const QSPI_BASE = 0x90000000;
/** What an erased NOR cell reads as. */
export const ERASED_BYTE = 0xff;

/** Byte offsets of the header fields (all little-endian). */
export const HeaderField = {
  magic: 0,
  formatVersion: 4, // u16
  headerSize: 6, // u16
  payloadOffset: 8,
  payloadLength: 12,
  payloadCrc: 16,
  imageVersion: 20,
  flags: 24,
  /** 28..59 reserved, written as zero, covered by the header CRC. */
  reserved: 28,
  headerCrc: 60,
} as const;

/** The header CRC covers bytes [0, HEADER_CRC_COVERS) — everything but the CRC field itself. */
export const HEADER_CRC_COVERS = HeaderField.headerCrc;

export interface ImageHeader {
  readonly magic: number;
  readonly formatVersion: number;
  readonly headerSize: number;
  readonly payloadOffset: number;
  readonly payloadLength: number;
  readonly payloadCrc: number;
  readonly imageVersion: number;
  readonly flags: number;
  readonly headerCrc: number;
}

/**
 * Why the bootloader refuses an image, in its check order. The same words appear after
 * `reason=` in `HIL-BOOT image=rejected` lines (fixtures/firmware/BOOT_LOG.md).
 */
export const REJECT_REASONS = [
  'bad-magic',
  'header-crc',
  'unsupported-format',
  'bad-header-size',
  'bad-payload-offset',
  'length-out-of-range',
  'crc-mismatch',
  'bad-vector-table',
] as const;
export type RejectReason = (typeof REJECT_REASONS)[number];

/** What the bootloader must conclude about a flash content: its `image=` value and reason. */
export type BootVerdict =
  | { readonly image: 'ok'; readonly header: ImageHeader }
  | { readonly image: 'absent'; readonly reason: 'blank' }
  | { readonly image: 'rejected'; readonly reason: RejectReason; readonly fields: Readonly<Record<string, number>> };

/** The app's RAM as the bootloader's vector-table sanity check accepts it for the initial SP. */
export const STACK_RAM_RANGES: readonly (readonly [number, number])[] = [
  [0x20000000, 0x20020000], // DTCM 128 KiB
  [0x24000000, 0x24080000], // AXI SRAM 512 KiB
];
