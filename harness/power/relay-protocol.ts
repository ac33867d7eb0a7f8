/**
 * The serial protocol of the common CH340-based "LCUS" USB relay boards (LCUS-1/2/4/8): four
 * bytes a command, `A0 <channel> <state> <checksum>`, channel from 1, state 1 = on (contacts
 * closed) and 0 = off, checksum = low byte of the sum of the first three. The boards answer
 * nothing. Example: `A0 01 01 A2` closes relay 1, `A0 01 00 A1` opens it.
 */
export const RELAY_START = 0xa0;

export interface RelayCommand {
  readonly channel: number;
  readonly on: boolean;
}

export function encodeRelayCommand({ channel, on }: RelayCommand): Buffer {
  if (!Number.isInteger(channel) || channel < 1 || channel > 8) {
    throw new RangeError(`relay channel must be 1..8, got ${channel}`);
  }
  const state = on ? 1 : 0;
  return Buffer.from([RELAY_START, channel, state, (RELAY_START + channel + state) & 0xff]);
}

export class RelayFrameError extends Error {
  constructor(
    readonly bytes: readonly number[],
    reason: string,
  ) {
    super(`bad relay frame ${bytes.map((b) => b.toString(16).padStart(2, '0')).join(' ')}: ${reason}`);
    this.name = 'RelayFrameError';
  }
}

/**
 * Splits a byte stream into relay commands (what a relay board, or the virtual board's relay,
 * does). Bytes before a start byte are skipped, as the boards resynchronise on 0xA0; a frame
 * with a bad checksum or state is reported, not obeyed.
 */
export class RelayCommandDecoder {
  private pending: number[] = [];

  push(chunk: Uint8Array): Array<RelayCommand | RelayFrameError> {
    const out: Array<RelayCommand | RelayFrameError> = [];
    for (const byte of chunk) {
      if (this.pending.length === 0 && byte !== RELAY_START) continue;
      this.pending.push(byte);
      if (this.pending.length < 4) continue;
      const [start, channel, state, checksum] = this.pending as [number, number, number, number];
      const frame = this.pending;
      this.pending = [];
      if (((start + channel + state) & 0xff) !== checksum) out.push(new RelayFrameError(frame, 'checksum mismatch'));
      else if (state > 1) out.push(new RelayFrameError(frame, `state must be 0 or 1, got ${state}`));
      else out.push({ channel, on: state === 1 });
    }
    return out;
  }
}
