/**
 * The virtual board's JSON control socket (fixtures/virtual-board/control-server.ts), as the
 * harness uses it: extra evidence for the report (flash operation log, sector states) and the
 * virtual-only precise trigger (cut power while a given erase is in flight). Never a verdict.
 */
import { connect, type Socket } from 'node:net';
import { NoVerdictError } from '../exit-codes.js';

export class VirtualControlError extends NoVerdictError {
  constructor(
    readonly address: string,
    readonly request: string,
    readonly response: string,
  ) {
    super(`virtual board control ${address}: ${request} failed: ${response}`);
  }
}

/** One record of the chip's operation log (fixtures/virtual-board/flash/operation-log.ts). */
export interface VirtualFlashOperation {
  readonly op: string;
  readonly opcode: number;
  readonly address: number;
  readonly length: number;
  readonly startNanos: number;
  readonly endNanos: number;
  readonly result: string;
  readonly fraction?: number;
}

export class VirtualBoardControl {
  private buffered = '';
  private readonly waiting: { resolve: (line: string) => void; reject: (error: Error) => void }[] = [];
  private closedError: Error | undefined;

  private constructor(
    private readonly socket: Socket,
    readonly address: string,
  ) {
    socket.on('data', (chunk: Buffer) => {
      this.buffered += chunk.toString('utf8');
      let newline: number;
      while ((newline = this.buffered.indexOf('\n')) >= 0) {
        const line = this.buffered.slice(0, newline);
        this.buffered = this.buffered.slice(newline + 1);
        this.waiting.shift()?.resolve(line);
      }
    });
    socket.on('error', () => undefined);
    socket.on('close', () => {
      this.closedError = new VirtualControlError(address, '(connection)', 'closed');
      for (const w of this.waiting.splice(0)) w.reject(this.closedError);
    });
  }

  /** `address` is "host:port" from the board's ready line. */
  static async connect(address: string): Promise<VirtualBoardControl> {
    const [host, portText] = address.split(':');
    const socket = connect(Number(portText), host ?? '127.0.0.1');
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('error', (error) => reject(new VirtualControlError(address, 'connect', error.message)));
    });
    return new VirtualBoardControl(socket, address);
  }

  async request(request: { cmd: string } & Record<string, unknown>): Promise<Record<string, unknown>> {
    if (this.closedError) throw this.closedError;
    const line = await new Promise<string>((resolve, reject) => {
      this.waiting.push({ resolve, reject });
      this.socket.write(`${JSON.stringify(request)}\n`);
    });
    const answer = JSON.parse(line) as Record<string, unknown>;
    if (answer.ok !== true) throw new VirtualControlError(this.address, request.cmd, String(answer.error));
    return answer;
  }

  async status(): Promise<{ powered: boolean; flashBusy: boolean; halted: boolean; nanos: number; children: number[] }> {
    const s = await this.request({ cmd: 'status' });
    return {
      powered: s.powered === true,
      flashBusy: s.flashBusy === true,
      halted: s.halted === true,
      nanos: Number(s.nanos),
      children: Array.isArray(s.children) ? (s.children as number[]) : [],
    };
  }

  async operations(): Promise<VirtualFlashOperation[]> {
    return (await this.request({ cmd: 'operations' })).operations as VirtualFlashOperation[];
  }

  async power(on: boolean): Promise<void> {
    await this.request({ cmd: 'power', on });
  }

  async sectorStates(): Promise<{ first: number; count: number; state: string }[]> {
    return (await this.request({ cmd: 'sector-states' })).runs as { first: number; count: number; state: string }[];
  }

  close(): void {
    this.socket.destroy();
  }
}
