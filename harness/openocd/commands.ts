/**
 * OpenOcdCommands: the OpenOCD 0.12.0 commands the harness uses, with every argument passed
 * through tclQuote (via tclCommand) and results parsed into typed values. Each method names the
 * exact command it sends.
 */
import { ImageVerifyError, TclCommandError } from './errors.js';
import {
  parseEraseAddress,
  parseEraseCheck,
  parseEraseSectors,
  parseFlashBanks,
  parseFlashInfo,
  parseFlashList,
  parseFlashProbe,
  parseReadBank,
  parseReadMemory,
  parseStmqspiResponse,
  parseTargets,
  parseVerifyDifferences,
  parseVerifyImage,
  parseWriteImage,
  type EraseCheckResult,
  type FlashBankInfo,
  type FlashInfo,
  type FlashListEntry,
  type TargetInfo,
  type TransferReport,
} from './openocd-output.js';
import { tclCommand, tclList, tclQuote } from './tcl-quote.js';
import type { CallOptions } from './tcl-client.js';

/** What the commands need from a Tcl connection (TclRpcClient, or a recorder in tests). */
export interface TclCaller {
  call(command: string, options?: CallOptions): Promise<string>;
}

/** A flash bank by number (`0`) or by name (`stm32h7x.qspi`). */
export type BankId = number | string;
export type ResetMode = 'run' | 'halt' | 'init';
export type MemoryWidth = 8 | 16 | 32;
/** OpenOCD image types (`flash write_image … [offset [type]]`). */
export type ImageType = 'bin' | 'ihex' | 'elf' | 's19' | 'mem' | 'build';

export interface CommandsOptions {
  /** Timeout for flash erase/write/verify/read and mass erase. Default 10 min (64 MiB QSPI). */
  flashTimeoutMs?: number;
}

/** "0x…" for an address or value; rejects what OpenOCD would misread. */
export function hex(value: number | bigint): string {
  if (typeof value === 'number' && (!Number.isSafeInteger(value) || value < 0)) {
    throw new RangeError(`not a non-negative integer address/value: ${value}`);
  }
  if (typeof value === 'bigint' && value < 0n) throw new RangeError(`negative address/value: ${value}`);
  return '0x' + value.toString(16);
}

function checkByte(value: number, what: string): number {
  if (!Number.isInteger(value) || value < 0 || value > 0xff) throw new RangeError(`${what} must be a byte 0..255, got ${value}`);
  return value;
}

export class OpenOcdCommands {
  private readonly flashTimeoutMs: number;

  constructor(
    private readonly tcl: TclCaller,
    options: CommandsOptions = {},
  ) {
    this.flashTimeoutMs = options.flashTimeoutMs ?? 600_000;
  }

  /** Any command (already valid Tcl); prefer the typed methods. */
  raw(command: string, options?: CallOptions): Promise<string> {
    return this.tcl.call(command, options);
  }

  /** `version` → "Open On-Chip Debugger 0.12.0". */
  version(): Promise<string> {
    return this.tcl.call('version');
  }

  /** `init` (after `noinit` in the config stage). */
  async init(): Promise<void> {
    await this.tcl.call('init');
  }

  /** `targets` → the parsed table. */
  async targets(): Promise<TargetInfo[]> {
    const command = 'targets';
    return parseTargets(command, await this.tcl.call(command));
  }

  /** `reset run` | `reset halt` | `reset init`. */
  async reset(mode: ResetMode): Promise<void> {
    await this.tcl.call(tclCommand('reset', mode), { timeoutMs: 60_000 });
  }

  /** `halt` or `halt <ms>` (wait up to ms for the halt; OpenOCD's default is 5000). */
  async halt(waitMs?: number): Promise<void> {
    await this.tcl.call(waitMs === undefined ? 'halt' : tclCommand('halt', Math.round(waitMs)));
  }

  /** `resume` or `resume <address>`. */
  async resume(address?: number | bigint): Promise<void> {
    await this.tcl.call(address === undefined ? 'resume' : tclCommand('resume', hex(address)));
  }

  /** `read_memory <addr> <width> <count>` → values (count ≤ 65536, OpenOCD's limit). */
  async readMemory(address: number | bigint, width: MemoryWidth, count: number): Promise<number[]> {
    const command = tclCommand('read_memory', hex(address), width, count);
    return parseReadMemory(command, await this.tcl.call(command), count).map(Number);
  }

  /** `write_memory <addr> <width> {v0 v1 …}` (≤ 65536 values). */
  async writeMemory(address: number | bigint, width: MemoryWidth, values: readonly (number | bigint)[]): Promise<void> {
    const limit = 2 ** width;
    for (const v of values) {
      if (BigInt(v) >= BigInt(limit) || BigInt(v) < 0n) throw new RangeError(`value ${v} does not fit in ${width} bits`);
    }
    await this.tcl.call(`${tclCommand('write_memory', hex(address), width)} ${tclList(values.map(hex))}`);
  }

  /** `flash banks` → every configured bank. */
  async flashBanks(): Promise<FlashBankInfo[]> {
    const command = 'flash banks';
    return parseFlashBanks(command, await this.tcl.call(command));
  }

  /** `flash list` → every bank with its target (numbers from Jim ints, names as declared). */
  async flashList(): Promise<FlashListEntry[]> {
    const command = 'flash list';
    return parseFlashList(command, await this.tcl.call(command));
  }

  /** `flash probe <bank>` → the driver and base OpenOCD found. */
  async flashProbe(bank: BankId): Promise<{ driver: string; base: number }> {
    const command = tclCommand('flash', 'probe', bank);
    return parseFlashProbe(command, await this.tcl.call(command));
  }

  /** `flash info <bank> [sectors]` → geometry, sectors (or protection blocks) and driver info. */
  async flashInfo(bank: BankId, options: { sectors?: boolean } = {}): Promise<FlashInfo> {
    const command = options.sectors ? tclCommand('flash', 'info', bank, 'sectors') : tclCommand('flash', 'info', bank);
    return parseFlashInfo(command, await this.tcl.call(command));
  }

  /** `flash erase_sector <bank> <first> <last|last>` → the sector range and seconds taken. */
  async flashEraseSector(bank: BankId, first: number, last: number | 'last', options?: CallOptions): Promise<{ first: number; last: number; seconds: number }> {
    const command = tclCommand('flash', 'erase_sector', bank, first, last);
    return parseEraseSectors(command, await this.tcl.call(command, { timeoutMs: this.flashTimeoutMs, ...options }));
  }

  /** `flash erase_address [pad] [unlock] <address> <length>`. */
  async flashEraseAddress(
    address: number | bigint,
    length: number,
    options: { pad?: boolean; unlock?: boolean } & CallOptions = {},
  ): Promise<{ address: number; length: number; seconds: number }> {
    const words: (string | number)[] = ['flash', 'erase_address'];
    if (options.pad) words.push('pad');
    if (options.unlock) words.push('unlock');
    words.push(hex(address), length);
    const command = tclCommand(...words);
    return parseEraseAddress(command, await this.tcl.call(command, { timeoutMs: options.timeoutMs ?? this.flashTimeoutMs }));
  }

  /** `flash write_image [erase] [unlock] <file> [<offset> [<type>]]`. */
  async flashWriteImage(
    file: string,
    options: { erase?: boolean; unlock?: boolean; offset?: number | bigint; type?: ImageType } & CallOptions = {},
  ): Promise<TransferReport> {
    const words: string[] = ['flash', 'write_image'];
    if (options.erase) words.push('erase');
    if (options.unlock) words.push('unlock');
    words.push(file, ...offsetAndType(options.offset, options.type));
    const command = tclCommand(...words);
    return parseWriteImage(command, await this.tcl.call(command, { timeoutMs: options.timeoutMs ?? this.flashTimeoutMs }));
  }

  /**
   * `verify_image <file> [<offset> [<type>]]`. A mismatch throws ImageVerifyError with the
   * differences OpenOCD printed.
   */
  async verifyImage(file: string, options: { offset?: number | bigint; type?: ImageType } & CallOptions = {}): Promise<TransferReport> {
    const command = tclCommand('verify_image', file, ...offsetAndType(options.offset, options.type));
    let output: string;
    try {
      output = await this.tcl.call(command, { timeoutMs: options.timeoutMs ?? this.flashTimeoutMs });
    } catch (err) {
      if (err instanceof TclCommandError) {
        const differences = parseVerifyDifferences(err.tclMessage);
        if (differences.length > 0) throw new ImageVerifyError(err.command, err.tclMessage, err.returnCode, err.elapsedMs, differences, err.logLines);
      }
      throw err;
    }
    return parseVerifyImage(command, output);
  }

  /** `flash read_bank <bank> <file> [<offset> [<length>]]` (file written by OpenOCD). */
  async flashReadBank(bank: BankId, file: string, options: { offset?: number; length?: number } & CallOptions = {}): Promise<TransferReport> {
    const words: (string | number)[] = ['flash', 'read_bank', bank, file];
    if (options.offset !== undefined || options.length !== undefined) words.push(hex(options.offset ?? 0));
    if (options.length !== undefined) words.push(options.length);
    const command = tclCommand(...words);
    return parseReadBank(command, await this.tcl.call(command, { timeoutMs: options.timeoutMs ?? this.flashTimeoutMs }));
  }

  /** `flash erase_check <bank>` → which sectors are not (known to be) erased. */
  async flashEraseCheck(bank: BankId, options?: CallOptions): Promise<EraseCheckResult> {
    const command = tclCommand('flash', 'erase_check', bank);
    return parseEraseCheck(command, await this.tcl.call(command, { timeoutMs: this.flashTimeoutMs, ...options }));
  }

  /**
   * `stmqspi cmd <bank> <responseBytes> <cmdByte> [bytes…]` → the response bytes. With
   * responseBytes > 0 the following bytes (≤ 4) are the address; with 0 they are data to write.
   */
  async stmqspiCmd(bank: BankId, responseBytes: number, commandByte: number, ...bytes: number[]): Promise<Uint8Array> {
    checkByte(responseBytes, 'responseBytes');
    const command = tclCommand(
      'stmqspi',
      'cmd',
      bank,
      responseBytes,
      hex(checkByte(commandByte, 'commandByte')),
      ...bytes.map((b) => hex(checkByte(b, 'data byte'))),
    );
    return parseStmqspiResponse(command, await this.tcl.call(command));
  }

  /** `stmqspi mass_erase <bank>` → OpenOCD's report line. */
  stmqspiMassErase(bank: BankId, options?: CallOptions): Promise<string> {
    return this.tcl.call(tclCommand('stmqspi', 'mass_erase', bank), { timeoutMs: this.flashTimeoutMs, ...options });
  }

  /** `adapter assert srst` (OpenOCD 0.12 syntax; needs `init` first). */
  async assertSrst(): Promise<void> {
    await this.tcl.call('adapter assert srst');
  }

  /** `adapter deassert srst`. */
  async deassertSrst(): Promise<void> {
    await this.tcl.call('adapter deassert srst');
  }

  /** `capture <script>` → the log output the script produced (or its result if none). */
  capture(script: string, options?: CallOptions): Promise<string> {
    return this.tcl.call(`capture ${tclQuote(script)}`, options);
  }

  /** `tcl_notifications on|off` for this connection (0.12 has no `tcl notifications`). */
  async tclNotifications(on: boolean): Promise<void> {
    await this.tcl.call(tclCommand('tcl_notifications', on ? 'on' : 'off'));
  }

  /** `shutdown`: OpenOCD replies (code -600, ERROR_COMMAND_CLOSE_CONNECTION) and exits. */
  async shutdown(): Promise<void> {
    await this.tcl.call('shutdown', { acceptCodes: [-600] });
  }
}

function offsetAndType(offset: number | bigint | undefined, type: ImageType | undefined): string[] {
  if (type !== undefined) return [hex(offset ?? 0), type];
  if (offset !== undefined) return [hex(offset)];
  return [];
}
