/**
 * harness/openocd: talk to OpenOCD over its Tcl RPC port and run it as a supervised process.
 *
 *   const openocd = await OpenOcdProcess.start({
 *     preConfigCommands: [`set VIRTUAL_BOARD_STLINK_PORT ${port}`],
 *     configFiles: ['fixtures/openocd/virtual-h745.cfg'],
 *     commands: ['init'],
 *   });
 *   try {
 *     const ocd = new OpenOcdCommands(openocd.tcl);
 *     await ocd.reset('init');
 *     await ocd.flashWriteImage(file, { erase: true, offset: 0x90000000, type: 'bin' });
 *   } finally {
 *     await openocd.stop();
 *   }
 *
 * Decisions worth knowing:
 * - Every call runs inside a proc (`__hil_rpc`, defined per connection) that catches it and
 *   returns "0x02 <code> <bytelength> <body>" with 0x1a escaped (rpc-wire.ts): errors become
 *   TclCommandError, replies are told from `type …` notifications by the 0x02 marker.
 * - Timeouts keep the connection by default and swallow the late reply (order stays exact);
 *   `timeoutPolicy: 'close-connection'` closes it instead.
 * - OpenOCD 0.12.0 has only the underscore commands: tcl_port, gdb_port, telnet_port,
 *   tcl_notifications.
 * - OpenOCD 0.12 echoes every Tcl result to its stdout (command_run_line), so the process log
 *   holds our replies too; TclCommandError.logLines keeps only OpenOCD's own messages.
 */
export { TclRpcClient } from './tcl-client.js';
export { TCL_SERVER_LINE_LIMIT } from './request-writer.js';
export type { CallOptions, TclCallRecord, TclRpcClientEvents, TclRpcClientOptions, TimeoutPolicy } from './tcl-client.js';
export { tclCommand, tclList, tclQuote, TclQuoteError } from './tcl-quote.js';
export type { TclWordValue } from './tcl-quote.js';
export { FrameReader, FRAME_TERMINATOR } from './frame-reader.js';
export type { FrameHandler } from './frame-reader.js';
export { parseTclList, TclListParseError } from './tcl-list.js';
export { parseNotification } from './notifications.js';
export type { OpenOcdNotification } from './notifications.js';
export { OpenOcdCommands, hex } from './commands.js';
export type { BankId, CommandsOptions, ImageType, MemoryWidth, ResetMode, TclCaller } from './commands.js';
export type {
  EraseCheckResult,
  FlashBankInfo,
  FlashInfo,
  FlashListEntry,
  FlashSectorInfo,
  ImageDifference,
  TargetInfo,
  TransferReport,
} from './openocd-output.js';
export { OpenOcdProcess } from './openocd-process.js';
export type { OpenOcdLaunchOptions, OpenOcdProcessEvents, StopOptions } from './openocd-process.js';
export { buildOpenOcdArgs } from './openocd-args.js';
export type { OpenOcdCommandLine } from './openocd-args.js';
export type { ExitInfo } from './child-exit.js';
export { findOpenOcd, MINIMUM_OPENOCD_VERSION, parseOpenOcdVersion } from './find-openocd.js';
export type { FindOpenOcdOptions, OpenOcdBinary } from './find-openocd.js';
export { ProcessLog } from './process-log.js';
export type { LogLine } from './process-log.js';
export type { SpawnedProcess, SpawnFunction, SpawnRequest } from './spawn.js';
export {
  ImageVerifyError,
  OpenOcdError,
  OpenOcdExitedError,
  OpenOcdNotFoundError,
  OpenOcdOutputParseError,
  OpenOcdStartError,
  OpenOcdStopError,
  OpenOcdVersionError,
  TclCommandError,
  TclConnectionLostError,
  TclProtocolError,
  TclRequestTooLargeError,
  TclTimeoutError,
} from './errors.js';
