/**
 * The subprocess contract the OpenOCD launcher depends on, so tests can hand it a fake (as
 * node-serialport's linux-list takes `spawn` as a parameter). Node's ChildProcess fits it.
 */
import { spawn as nodeSpawn, type ChildProcess, type SpawnOptions } from 'node:child_process';

export type SpawnedProcess = Pick<ChildProcess, 'pid' | 'stdout' | 'stderr' | 'kill' | 'once' | 'on' | 'off'>;

export interface SpawnRequest {
  env?: NodeJS.ProcessEnv;
  cwd?: string;
}

export type SpawnFunction = (command: string, args: readonly string[], options: SpawnRequest) => SpawnedProcess;

/** The real thing: stdin closed, stdout and stderr piped, same process group as us. */
export const spawnProcess: SpawnFunction = (command, args, options) => {
  const spawnOptions: SpawnOptions = { stdio: ['ignore', 'pipe', 'pipe'], env: options.env ?? process.env };
  if (options.cwd !== undefined) spawnOptions.cwd = options.cwd;
  return nodeSpawn(command, args, spawnOptions);
};
