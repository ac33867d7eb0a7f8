/** What `BoardSession.open` accepts. */
import type { InjectorOptions } from '../faults/injectors.js';

export interface BoardSessionOptions {
  /** Simulated boards: flash time scale (default: the board entry's `virtual.timeScale`). */
  readonly timeScale?: number;
  /** Simulated boards: power-loss PRNG seed. */
  readonly seed?: number;
  /** Simulated boards: keep the flash contents in this file between runs. */
  readonly stateFile?: string;
  /** Open the UART (default true). */
  readonly uart?: boolean;
  /** Run the health check while opening (default true). */
  readonly healthCheck?: boolean;
  /**
   * Prove the UART at open by a boot (`reset run`, a HIL-BOOT line) when internal flash holds a
   * bootloader (default true). Off for `hil boot`: its own boot is the proof, and a boot before
   * it would change the status registers it reports.
   */
  readonly uartProofAtOpen?: boolean;
  /** How long the UART proof waits for a HIL-BOOT line after `reset run` (default 3000 ms). */
  readonly uartProofTimeoutMs?: number;
  /** Take the board lock (default true). */
  readonly lock?: boolean;
  readonly lockDir?: string;
  /** OpenOCD start timeout (default 60 s). */
  readonly openOcdStartTimeoutMs?: number;
  /** Extra OpenOCD arguments (e.g. ['-d3']). */
  readonly openOcdExtraArgs?: readonly string[];
  /** Close on SIGINT/SIGTERM (default true). */
  readonly handleSignals?: boolean;
  /**
   * When the health check fails at the QSPI steps (reset init, probe, JEDEC id), run
   * `flash.recover()` and check again instead of failing (default false). The recovery report
   * is kept in `session.recovery`.
   */
  readonly recoverOnOpen?: boolean;
  /** Injector options used by `faults.injector(kind)` and `faults.fire(kind)`. */
  readonly injectors?: InjectorOptions;
}
