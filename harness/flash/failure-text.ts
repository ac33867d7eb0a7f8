/** What a failed OpenOCD call said, Tcl error plus the log lines OpenOCD printed with it. */
import { TclCommandError } from '../openocd/index.js';

export function failureText(error: unknown): string {
  if (error instanceof TclCommandError) return `${error.tclMessage}${error.logLines.length ? `\n${error.logLines.join('\n')}` : ''}`;
  return error instanceof Error ? error.message : String(error);
}
