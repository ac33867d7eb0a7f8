/**
 * Firmware file loaders: raw .bin, Intel HEX and ELF32 (PT_LOAD segments at their load
 * addresses). All return the same segment list, which `flattenSegments` turns into one block.
 */
import { readFile } from 'node:fs/promises';
import { extname } from 'node:path';
import { FirmwareFileError } from './errors.js';

export interface Segment {
  /** Load address (ELF p_paddr, i.e. where the bytes live in flash). */
  readonly address: number;
  readonly bytes: Uint8Array;
}

export interface FirmwareFile {
  readonly segments: readonly Segment[];
  /** Entry point when the format carries one (ELF e_entry, HEX record 05). */
  readonly entry?: number;
}

/** Intel HEX (types 00 data, 01 EOF, 02 segment base, 03 CS:IP, 04 linear base, 05 linear entry). */
export function parseIntelHex(text: string, file = '<hex>'): FirmwareFile {
  const chunks: { address: number; bytes: number[] }[] = [];
  let base = 0;
  let entry: number | undefined;
  let sawEof = false;
  const lines = text.split(/\r?\n/);
  for (let n = 0; n < lines.length; n++) {
    const line = lines[n]!.trim();
    if (line === '') continue;
    if (sawEof) throw new FirmwareFileError(file, `line ${n + 1}: data after the end-of-file record`);
    if (!/^:([0-9A-Fa-f]{2})+$/.test(line)) throw new FirmwareFileError(file, `line ${n + 1}: not an Intel HEX record: ${JSON.stringify(line.slice(0, 40))}`);
    const raw = Buffer.from(line.slice(1), 'hex');
    const count = raw[0]!;
    if (raw.length !== count + 5) throw new FirmwareFileError(file, `line ${n + 1}: byte count ${count} does not match the record length`);
    const sum = raw.reduce((a, b) => (a + b) & 0xff, 0);
    if (sum !== 0) throw new FirmwareFileError(file, `line ${n + 1}: checksum mismatch`);
    const offset = (raw[1]! << 8) | raw[2]!;
    const type = raw[3]!;
    const data = raw.subarray(4, 4 + count);
    switch (type) {
      case 0x00: {
        const address = (base + offset) >>> 0;
        const last = chunks[chunks.length - 1];
        if (last && last.address + last.bytes.length === address) last.bytes.push(...data);
        else chunks.push({ address, bytes: [...data] });
        break;
      }
      case 0x01:
        sawEof = true;
        break;
      case 0x02:
        base = ((data[0]! << 8) | data[1]!) << 4;
        break;
      case 0x03:
        entry = (((data[0]! << 8) | data[1]!) << 4) + ((data[2]! << 8) | data[3]!);
        break;
      case 0x04:
        base = (((data[0]! << 8) | data[1]!) << 16) >>> 0;
        break;
      case 0x05:
        entry = ((data[0]! << 24) | (data[1]! << 16) | (data[2]! << 8) | data[3]!) >>> 0;
        break;
      default:
        throw new FirmwareFileError(file, `line ${n + 1}: unknown record type 0x${type.toString(16)}`);
    }
  }
  if (!sawEof) throw new FirmwareFileError(file, 'no end-of-file record (truncated file?)');
  return { segments: chunks.map((c) => ({ address: c.address, bytes: Uint8Array.from(c.bytes) })), ...(entry === undefined ? {} : { entry }) };
}

const PT_LOAD = 1;

/** ELF32 little-endian: the file bytes of every PT_LOAD segment at its physical (load) address. */
export function parseElf(data: Uint8Array, file = '<elf>'): FirmwareFile {
  if (data.length < 52 || data[0] !== 0x7f || data[1] !== 0x45 || data[2] !== 0x4c || data[3] !== 0x46) throw new FirmwareFileError(file, 'not an ELF file');
  if (data[4] !== 1) throw new FirmwareFileError(file, 'not a 32-bit ELF file');
  if (data[5] !== 1) throw new FirmwareFileError(file, 'not a little-endian ELF file');
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const entry = view.getUint32(24, true);
  const phoff = view.getUint32(28, true);
  const phentsize = view.getUint16(42, true);
  const phnum = view.getUint16(44, true);
  if (phoff + phnum * phentsize > data.length) throw new FirmwareFileError(file, 'program header table runs past the end of the file');
  const segments: Segment[] = [];
  for (let i = 0; i < phnum; i++) {
    const ph = phoff + i * phentsize;
    if (view.getUint32(ph, true) !== PT_LOAD) continue;
    const offset = view.getUint32(ph + 4, true);
    const paddr = view.getUint32(ph + 12, true);
    const filesz = view.getUint32(ph + 16, true);
    if (filesz === 0) continue;
    if (offset + filesz > data.length) throw new FirmwareFileError(file, `segment ${i} runs past the end of the file`);
    segments.push({ address: paddr, bytes: data.slice(offset, offset + filesz) });
  }
  segments.sort((a, b) => a.address - b.address);
  return { segments, entry };
}

/** One contiguous block from `base` (default: lowest segment) to the end of the highest; gaps filled with `fill`. */
export function flattenSegments(firmware: FirmwareFile, options: { base?: number; fill?: number } = {}): { base: number; bytes: Uint8Array } {
  const segments = firmware.segments;
  if (segments.length === 0) return { base: options.base ?? 0, bytes: new Uint8Array(0) };
  const base = options.base ?? Math.min(...segments.map((s) => s.address));
  const end = Math.max(...segments.map((s) => s.address + s.bytes.length));
  if (segments.some((s) => s.address < base)) throw new FirmwareFileError('<segments>', `a segment lies below the base 0x${base.toString(16)}`);
  const bytes = new Uint8Array(end - base).fill(options.fill ?? 0xff);
  for (const s of segments) bytes.set(s.bytes, s.address - base);
  return { base, bytes };
}

/** Loads .bin (at `binAddress`, default 0), .hex/.ihex or .elf/.axf by extension. */
export async function loadFirmwareFile(path: string, binAddress = 0): Promise<FirmwareFile> {
  let data: Buffer;
  try {
    data = await readFile(path);
  } catch (cause) {
    throw new FirmwareFileError(path, 'cannot read the file', { cause });
  }
  const ext = extname(path).toLowerCase();
  const bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  if (ext === '.hex' || ext === '.ihex') return parseIntelHex(data.toString('latin1'), path);
  if (ext === '.elf' || ext === '.axf') return parseElf(bytes, path);
  if (ext === '.bin' || ext === '.img') return { segments: [{ address: binAddress, bytes: bytes.slice() }] };
  throw new FirmwareFileError(path, `unknown firmware file type "${ext}" (expected .bin, .img, .hex or .elf)`);
}
