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

/**
 * An in-chip trigger: when the chip starts the `skip`+1-th operation of kind `op` whose address
 * lies in [from, to), it waits `fraction` of that operation's duration and then **holds** the
 * whole board (simulated time, the core and both debug front ends stop; the control socket and
 * the relay/power switch keep working) until `release`. A fault fired during the hold lands at
 * exactly that point of the operation, whatever the host's latency.
 */
export interface ChipTriggerRequest {
  readonly op: 'erase' | 'program';
  /** Flash offsets from the start of the chip. */
  readonly from: number;
  readonly to: number;
  /** 0 < fraction < 1 of the operation's duration. */
  readonly fraction: number;
  /** Matching operations to let pass first. Default 0. */
  readonly skip?: number;
}

export interface ChipTriggerStatus {
  readonly state: 'none' | 'armed' | 'held' | 'released';
  /** The operation it caught (once held), with the fraction it was held at. */
  readonly operation?: VirtualFlashOperation;
  /** Simulated time of the hold, in nanoseconds since the board started. */
  readonly heldAtNanos?: number;
}

export interface VirtualBoardControl {
  status(): Promise<VirtualBoardStatus>;
  operations(): Promise<VirtualFlashOperation[]>;
  /** Switches the chip's power directly (no relay latency). */
  power(on: boolean): Promise<void>;
  /** Drives the board's NRST line (a reset line of the rig's own, not the probe's). */
  nrst(asserted: boolean): Promise<void>;
  /** Arms the in-chip trigger (replacing any armed one). */
  armTrigger(request: ChipTriggerRequest): Promise<void>;
  trigger(): Promise<ChipTriggerStatus>;
  /** Ends a hold (the board runs on); a no-op when not held. */
  release(): Promise<void>;
  /** Removes an armed trigger and ends any hold. */
  disarm(): Promise<void>;
  close(): void;
}
