/**
 * OpenOCD 0.12 setups that need no target hardware, for tests and the benchmark.
 */
import { mulberry32 } from '../../lib/prng.js';
import { OpenOcdProcess, type OpenOcdLaunchOptions } from './openocd-process.js';

/** Only the Tcl server: `noinit` skips adapter and target init, the Tcl port still listens. */
export function startOpenOcdWithoutTarget(options: OpenOcdLaunchOptions = {}): Promise<OpenOcdProcess> {
  return OpenOcdProcess.start({ commands: ['noinit'], ...options });
}

/**
 * A `testee` target (src/target/testee.c: halt/reset only, no memory access) on the `dummy`
 * adapter. OpenOCD logs JTAG scan errors for the empty chain but comes up, and `reset
 * run|halt|init` then make it send real `type target_reset mode …` notifications. Do not call
 * `resume`, `poll` or memory commands on it: testee lacks those handlers and OpenOCD 0.12
 * crashes (SIGSEGV).
 */
export const TESTEE_TARGET_COMMANDS: readonly string[] = [
  'adapter driver dummy',
  'transport select jtag',
  'jtag newtap tt cpu -irlen 4 -expected-id 0',
  'target create tt.cpu testee -chain-position tt.cpu',
];

export function startOpenOcdWithTesteeTarget(options: OpenOcdLaunchOptions = {}): Promise<OpenOcdProcess> {
  return OpenOcdProcess.start({ commands: TESTEE_TARGET_COMMANDS, ...options });
}

/** Deterministic PRNG (mulberry32) in [0, 1), so a failing fuzz case can be replayed from its seed. */
export function seededRandom(seed: number): () => number {
  const next = mulberry32(seed);
  return () => next() / 4294967296;
}
