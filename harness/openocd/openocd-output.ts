/**
 * Parsers for the text OpenOCD 0.12.0 prints for the commands the harness runs. Each regex
 * follows a format string in the v0.12.0 source (file named per parser); anything that does
 * not match throws OpenOcdOutputParseError with the command and the output.
 */
import { OpenOcdOutputParseError } from './errors.js';
import { parseTclList } from './tcl-list.js';

export interface TargetInfo {
  readonly number: number;
  /** Marked with `*`: the current target. */
  readonly current: boolean;
  readonly name: string;
  readonly type: string;
  readonly endian: string;
  readonly tapName: string;
  /** target_state_name(): unknown, running, halted, reset, debug-running, or tap-disabled. */
  readonly state: string;
}

/** `targets` (src/target/target.c handle_targets_command: "%2d%c %-18s %-10s %-6s %-18s %s"). */
export function parseTargets(command: string, output: string): TargetInfo[] {
  const targets: TargetInfo[] = [];
  for (const line of output.split('\n')) {
    const m = /^\s*(\d+)([* ])\s*(\S+)\s+(\S+)\s+(\S+)\s+(\S+)\s+(\S+)\s*$/.exec(line);
    if (!m) continue;
    targets.push({
      number: Number(m[1]),
      current: m[2] === '*',
      name: m[3] as string,
      type: m[4] as string,
      endian: m[5] as string,
      tapName: m[6] as string,
      state: m[7] as string,
    });
  }
  if (targets.length === 0 && !/TargetName/.test(output)) {
    throw new OpenOcdOutputParseError(command, output, 'the `targets` table');
  }
  return targets;
}

export interface FlashBankInfo {
  readonly number: number;
  readonly name: string;
  readonly driver: string;
  readonly base: number;
  readonly size: number;
  readonly busWidth: number;
  readonly chipWidth: number;
}

/** `flash banks` (src/flash/nor/tcl.c: "#%d : %s (%s) at 0x%8.8llx, size 0x%8.8x, buswidth %u, chipwidth %u"). */
export function parseFlashBanks(command: string, output: string): FlashBankInfo[] {
  const banks: FlashBankInfo[] = [];
  for (const line of output.split('\n')) {
    if (line.trim() === '') continue;
    const m = /^#(\d+) : (\S+) \((\S+)\) at (0x[0-9a-fA-F]+), size (0x[0-9a-fA-F]+), buswidth (\d+), chipwidth (\d+)\s*$/.exec(line);
    if (!m)
      throw new OpenOcdOutputParseError(command, output, `"#N : name (driver) at 0x…, size 0x…, buswidth N, chipwidth N" lines, got ${JSON.stringify(line)}`);
    banks.push({
      number: Number(m[1]),
      name: m[2] as string,
      driver: m[3] as string,
      base: Number(m[4]),
      size: Number(m[5]),
      busWidth: Number(m[6]),
      chipWidth: Number(m[7]),
    });
  }
  return banks;
}

export interface FlashListEntry {
  readonly name: string;
  readonly driver: string;
  readonly base: number;
  readonly size: number;
  readonly busWidth: number;
  readonly chipWidth: number;
  /** The target the bank belongs to (not printed by `flash banks`). */
  readonly target: string;
}

/**
 * `flash list` (src/flash/nor/tcl.c jim_flash_list): a Tcl list of dicts
 * {name N driver D base B size S bus_width W chip_width C target T}, numbers in decimal.
 */
export function parseFlashList(command: string, output: string): FlashListEntry[] {
  try {
    return parseTclList(output).map((element) => {
      const words = parseTclList(element);
      const dict = new Map<string, string>();
      for (let i = 0; i + 1 < words.length; i += 2) dict.set(words[i] as string, words[i + 1] as string);
      const field = (key: string): string => {
        const v = dict.get(key);
        if (v === undefined) throw new Error(`no "${key}" in ${JSON.stringify(element)}`);
        return v;
      };
      const num = (key: string): number => {
        const n = Number(field(key));
        if (!Number.isSafeInteger(n)) throw new Error(`"${key}" is not an integer in ${JSON.stringify(element)}`);
        return n;
      };
      return {
        name: field('name'),
        driver: field('driver'),
        base: num('base'),
        size: num('size'),
        busWidth: num('bus_width'),
        chipWidth: num('chip_width'),
        target: field('target'),
      };
    });
  } catch (err) {
    throw new OpenOcdOutputParseError(
      command,
      output,
      `a list of {name … driver … base … size … bus_width … chip_width … target …} (${(err as Error).message})`,
    );
  }
}

export interface FlashSectorInfo {
  readonly index: number;
  /** Offset from the bank base. */
  readonly offset: number;
  readonly size: number;
  /** The state word OpenOCD printed: "not protected", "protected", "protection state unknown",
   * "not erased", "erase state unknown", or "" (flash info sectors with no state). */
  readonly state: string;
}

/** "\t#%3i: 0x%8.8x (0x%x %ukB) %s" (src/flash/nor/tcl.c, flash info and flash erase_check). */
const SECTOR_LINE = /^\s*#\s*(\d+): (0x[0-9a-fA-F]+) \((0x[0-9a-fA-F]+) \d+kB\) ?(.*?)\s*$/;

function parseSectorLine(line: string): FlashSectorInfo | undefined {
  const m = SECTOR_LINE.exec(line);
  if (!m) return undefined;
  return { index: Number(m[1]), offset: Number(m[2]), size: Number(m[3]), state: m[4] as string };
}

export interface FlashInfo {
  readonly number: number;
  readonly driver: string;
  readonly base: number;
  readonly size: number;
  readonly busWidth: number;
  readonly chipWidth: number;
  /** Sectors, or protection blocks when the driver has them and `sectors` was not asked. */
  readonly sectors: FlashSectorInfo[];
  /** The driver's own info text (stmqspi: device name, id, opcodes), as printed. */
  readonly driverInfo: string;
}

/** `flash info N [sectors]` (src/flash/nor/tcl.c handle_flash_info_command). */
export function parseFlashInfo(command: string, output: string): FlashInfo {
  const lines = output.split('\n');
  const header = /^#(\d+) : (\S+) at (0x[0-9a-fA-F]+), size (0x[0-9a-fA-F]+), buswidth (\d+), chipwidth (\d+)\s*$/.exec(lines[0] ?? '');
  if (!header) throw new OpenOcdOutputParseError(command, output, '"#N : driver at 0x…, size 0x…, buswidth N, chipwidth N" first line');
  const sectors: FlashSectorInfo[] = [];
  let i = 1;
  for (; i < lines.length; i++) {
    const sector = parseSectorLine(lines[i] as string);
    if (!sector) break;
    sectors.push(sector);
  }
  return {
    number: Number(header[1]),
    driver: header[2] as string,
    base: Number(header[3]),
    size: Number(header[4]),
    busWidth: Number(header[5]),
    chipWidth: Number(header[6]),
    sectors,
    driverInfo: lines.slice(i).join('\n').trim(),
  };
}

export interface EraseCheckResult {
  /** "successfully checked erase state" (false: the driver's check failed, states may be stale). */
  readonly checked: boolean;
  /** Sectors OpenOCD did not report as erased (erased ones are not listed by 0.12). */
  readonly notErased: FlashSectorInfo[];
  /** "Bank is erased": every sector read back blank. */
  readonly allErased: boolean;
}

/** `flash erase_check N` (src/flash/nor/tcl.c handle_flash_erase_check_command). */
export function parseEraseCheck(command: string, output: string): EraseCheckResult {
  const checked = /successfully checked erase state/.test(output);
  if (!checked && !/unknown error when checking erase state/.test(output)) {
    throw new OpenOcdOutputParseError(command, output, '"successfully checked erase state" or "unknown error when checking erase state"');
  }
  const notErased: FlashSectorInfo[] = [];
  for (const line of output.split('\n')) {
    const sector = parseSectorLine(line);
    if (sector) notErased.push(sector);
  }
  return { checked, notErased, allErased: /\tBank is erased|^\s*Bank is erased/m.test(output) };
}

/** A "…in %fs (%0.3f KiB/s)" figure pulled out of a command's report line. */
export interface TransferReport {
  readonly bytes: number;
  readonly seconds: number;
  /** The whole output (e.g. "auto erase enabled" lines first). */
  readonly output: string;
}

function match(command: string, output: string, re: RegExp, expected: string): RegExpExecArray {
  const m = re.exec(output);
  if (!m) throw new OpenOcdOutputParseError(command, output, expected);
  return m;
}

/** `flash write_image`: "wrote %u bytes from file %s in %fs (%0.3f KiB/s)". */
export function parseWriteImage(command: string, output: string): TransferReport {
  const m = match(command, output, /wrote (\d+) bytes from file .* in ([\d.]+)s/, '"wrote N bytes from file … in Xs"');
  return { bytes: Number(m[1]), seconds: Number(m[2]), output };
}

/** `verify_image` (src/target/target.c): "verified %u bytes in %fs (%0.3f KiB/s)". */
export function parseVerifyImage(command: string, output: string): TransferReport {
  const m = match(command, output, /verified (\d+) bytes in ([\d.]+)s/, '"verified N bytes in Xs"');
  return { bytes: Number(m[1]), seconds: Number(m[2]), output };
}

export interface ImageDifference {
  readonly address: number;
  readonly actual: number;
  readonly expected: number;
}

/** verify_image mismatch lines: "diff %d address 0x%08x. Was 0x%02x instead of 0x%02x" (at most 128). */
export function parseVerifyDifferences(output: string): ImageDifference[] {
  const diffs: ImageDifference[] = [];
  for (const m of output.matchAll(/diff \d+ address (0x[0-9a-fA-F]+)\. Was (0x[0-9a-fA-F]+) instead of (0x[0-9a-fA-F]+)/g)) {
    diffs.push({ address: Number(m[1]), actual: Number(m[2]), expected: Number(m[3]) });
  }
  return diffs;
}

/** `flash read_bank`: "wrote %zd bytes to file %s from flash bank %u at offset 0x%8.8x in %fs (…)". */
export function parseReadBank(command: string, output: string): TransferReport {
  const m = match(
    command,
    output,
    /wrote (\d+) bytes to file .* from flash bank \d+ at offset 0x[0-9a-fA-F]+ in ([\d.]+)s/,
    '"wrote N bytes to file … from flash bank …"',
  );
  return { bytes: Number(m[1]), seconds: Number(m[2]), output };
}

/** `flash erase_sector`: "erased sectors %u through %u on flash bank %u in %fs". Returns seconds. */
export function parseEraseSectors(command: string, output: string): { first: number; last: number; seconds: number } {
  const m = match(command, output, /erased sectors (\d+) through (\d+) on flash bank \d+ in ([\d.]+)s/, '"erased sectors A through B on flash bank N in Xs"');
  return { first: Number(m[1]), last: Number(m[2]), seconds: Number(m[3]) };
}

/** `flash erase_address`: "erased address 0x%8.8llx (length %u) in %fs (%0.3f KiB/s)". */
export function parseEraseAddress(command: string, output: string): { address: number; length: number; seconds: number } {
  const m = match(command, output, /erased address (0x[0-9a-fA-F]+) \(length (\d+)\) in ([\d.]+)s/, '"erased address 0x… (length N) in Xs"');
  return { address: Number(m[1]), length: Number(m[2]), seconds: Number(m[3]) };
}

/** `flash probe`: "flash '%s' found at 0x%8.8llx". */
export function parseFlashProbe(command: string, output: string): { driver: string; base: number } {
  const m = match(command, output, /flash '([^']*)' found at (0x[0-9a-fA-F]+)/, `"flash 'driver' found at 0x…"`);
  return { driver: m[1] as string, base: Number(m[2]) };
}

/**
 * `stmqspi cmd` (src/flash/nor/stmqspi.c stmqspi_handle_cmd): "spi: CC AA AA -> RR RR " with
 * every byte as %02x; the bytes after "->" are the response (none for a write).
 */
export function parseStmqspiResponse(command: string, output: string): Uint8Array {
  const m = match(command, output, /spi:((?: [0-9a-fA-F]{2})*) ->((?: [0-9a-fA-F]{2})*)\s*$/m, '"spi: CC … -> RR …"');
  const hex = (m[2] as string).trim();
  return hex === '' ? new Uint8Array(0) : Uint8Array.from(hex.split(/\s+/).map((b) => parseInt(b, 16)));
}

/** `read_memory` (src/target/target.c target_jim_read_memory): a Tcl list of "0x%llx" words. */
export function parseReadMemory(command: string, output: string, expectedCount: number): bigint[] {
  const words = output.trim() === '' ? [] : output.trim().split(/\s+/);
  if (words.length !== expectedCount || !words.every((w) => /^0x[0-9a-fA-F]+$/.test(w))) {
    throw new OpenOcdOutputParseError(command, output, `${expectedCount} hex numbers`);
  }
  return words.map((w) => BigInt(w));
}
