/** A bad command line: the command prints the message and its usage, and exits 2. */
import { NoVerdictError } from '../exit-codes.js';

export class UsageError extends NoVerdictError {
  constructor(
    message: string,
    /** The command whose usage to show, if one was recognised. */
    readonly command?: string,
  ) {
    super(message);
  }
}

/** Run node's parseArgs and turn its errors (unknown option, missing value) into UsageError. */
export function usageErrorFrom(error: unknown, command: string): UsageError {
  return new UsageError(error instanceof Error ? error.message : String(error), command);
}
