/**
 * What the harness asks of a simulated board's own control channel: the chip's view of the
 * flash operations (for the report and for triggers that aim inside an erase) and a power
 * switch that acts on the chip directly. Evidence and precision only, never a verdict. The
 * board kind that starts the board implements it (fixtures/virtual-board/control-client.ts).
 */

/** One record of the chip's own flash operation log. */
export interface VirtualFlashOperation {
  readonly op: string;
  readonly opcode: number;
  readonly address: number;
  readonly length: number;
  /** Simulated time, in nanoseconds since the board started. */
  readonly startNanos: number;
  readonly endNanos: number;
  /** 'in-progress', 'done', 'interrupted', ... */
  readonly result: string;
  /** How far an interrupted operation got (0..1). */
  readonly fraction?: number;
}

export interface VirtualBoardStatus {
  readonly powered: boolean;
  readonly flashBusy: boolean;
  readonly halted: boolean;
  /** Simulated time, in nanoseconds since the board started. */
  readonly nanos: number;
  /** Pids of helper processes (tty bridges). */
  readonly children: readonly number[];
}

export interface VirtualBoardControl {
  status(): Promise<VirtualBoardStatus>;
  operations(): Promise<VirtualFlashOperation[]>;
  /** Switches the chip's power directly (no relay latency). */
  power(on: boolean): Promise<void>;
  close(): void;
}
