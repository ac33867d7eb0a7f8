/**
 * The run's environment in environment.properties (OpenOCD version, board, JEDEC id, firmware
 * build), merged in once by whichever session learns it first. Writes only when the results
 * directory is known (`hil test` sets it).
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { HealthReport } from '../session/evidence.js';
import { writeEnvironmentProperties, type EnvironmentInfo } from './results-files.js';

/** Results directory of the current run: set by `hil test` (HIL_ALLURE_RESULTS_DIR). */
export function currentResultsDir(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const dir = env.HIL_ALLURE_RESULTS_DIR;
  return dir !== undefined && dir !== '' ? dir : undefined;
}

/** Reads environment.properties back (Java properties as allure-js writes them: key=value lines). */
export function readEnvironmentProperties(resultsDir: string): Record<string, string> {
  const file = join(resultsDir, 'environment.properties');
  if (!existsSync(file)) return {};
  const out: Record<string, string> = {};
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    if (line.trim() === '' || line.startsWith('#')) continue;
    const eq = line.indexOf('=');
    if (eq < 0) continue;
    out[line.slice(0, eq).trim().replace(/\\(.)/g, '$1')] = line
      .slice(eq + 1)
      .trim()
      .replace(/\\(.)/g, '$1');
  }
  return out;
}

/** What a session learned about the rig, for environment.properties. */
export function sessionEnvironment(
  session: { readonly board: { readonly id: string; readonly kind: string }; readonly health: HealthReport | undefined },
  firmwareBuild?: string,
): EnvironmentInfo {
  const health = session.health;
  return {
    board: session.board.id,
    'board.kind': session.board.kind,
    'openocd.version': health?.openOcdVersion?.split('\n')[0],
    'qspi.jedecId': health?.jedecId,
    'firmware.build': firmwareBuild,
  };
}

const written = new Map<string, string>();

/**
 * Merges `info` into the run's environment.properties (keeping what the runner wrote), once:
 * a key already written with the same value is not written again. Returns true if it wrote.
 */
export function recordRunEnvironment(info: EnvironmentInfo, resultsDir: string | undefined = currentResultsDir()): boolean {
  if (resultsDir === undefined) return false;
  const fresh = Object.entries(info).filter(([key, value]) => value !== undefined && written.get(`${resultsDir}\0${key}`) !== String(value));
  if (fresh.length === 0) return false;
  const merged: Record<string, string | undefined> = { ...readEnvironmentProperties(resultsDir) };
  for (const [key, value] of fresh) {
    merged[key] = String(value);
    written.set(`${resultsDir}\0${key}`, String(value));
  }
  writeEnvironmentProperties(resultsDir, merged);
  return true;
}
