/**
 * Power switches a board can have: a serial USB relay, a pair of shell commands (uhubctl, a PDU
 * CLI, ...), or the virtual board's relay (a tty that speaks the same relay protocol, so the
 * same code runs). A board that does not allow power cuts never gets a switch that cuts.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { autoDetect, type BindingInterface, type BindingPortInterface } from '@serialport/bindings-cpp';
import { NoVerdictError } from '../exit-codes.js';
import type { BoardRecord } from '../boards/types.js';
import { encodeRelayCommand } from './relay-protocol.js';

export interface PowerSwitch {
  readonly description: string;
  /** Restores power to the board. */
  on(): Promise<void>;
  /** Cuts the board's power. */
  off(): Promise<void>;
  close(): Promise<void>;
}

export class PowerSwitchError extends NoVerdictError {
  constructor(
    readonly boardId: string,
    readonly action: string,
    detail: string,
  ) {
    super(`power switch of board ${boardId}: ${action} failed: ${detail}`);
  }
}

/** A spec or command asked to cut power on a board whose entry forbids it. */
export class PowerCutNotAllowedError extends NoVerdictError {
  constructor(readonly boardId: string) {
    super(`board ${boardId} does not allow power cuts (boards.json allows.powerCut is false); refusing to cut its power`);
  }
}

export class SerialRelaySwitch implements PowerSwitch {
  private constructor(
    private readonly port: BindingPortInterface,
    private readonly boardId: string,
    readonly path: string,
    readonly channel: number,
  ) {}

  get description(): string {
    return `serial relay ${this.path} channel ${this.channel}`;
  }

  static async open(options: { boardId: string; path: string; channel: number; binding?: BindingInterface }): Promise<SerialRelaySwitch> {
    if (!options.binding && !existsSync(options.path)) {
      throw new PowerSwitchError(options.boardId, 'open', `relay tty ${options.path} does not exist`);
    }
    try {
      const port = await (options.binding ?? autoDetect()).open({ path: options.path, baudRate: 9600 });
      return new SerialRelaySwitch(port, options.boardId, options.path, options.channel);
    } catch (error) {
      throw new PowerSwitchError(options.boardId, 'open', `${options.path}: ${error instanceof Error ? error.message : String(error)}`);
    }
  }

  // Relay wiring: contacts closed = board powered.
  on(): Promise<void> {
    return this.send(true);
  }

  off(): Promise<void> {
    return this.send(false);
  }

  async close(): Promise<void> {
    if (this.port.isOpen) await this.port.close();
  }

  private async send(on: boolean): Promise<void> {
    try {
      await this.port.write(encodeRelayCommand({ channel: this.channel, on }));
      await this.port.drain();
    } catch (error) {
      throw new PowerSwitchError(this.boardId, on ? 'on' : 'off', error instanceof Error ? error.message : String(error));
    }
  }
}

/** Runs the board's configured shell commands (`sh -c`), e.g. `uhubctl -l 1-1 -p 2 -a off`. */
export class CommandSwitch implements PowerSwitch {
  constructor(
    private readonly boardId: string,
    private readonly commands: { on: string; off: string },
    private readonly timeoutMs = 30_000,
  ) {}

  get description(): string {
    return `commands on=${JSON.stringify(this.commands.on)} off=${JSON.stringify(this.commands.off)}`;
  }

  on(): Promise<void> {
    return this.run('on', this.commands.on);
  }

  off(): Promise<void> {
    return this.run('off', this.commands.off);
  }

  async close(): Promise<void> {}

  private run(action: string, command: string): Promise<void> {
    return new Promise((resolve, reject) => {
      const child = spawn('sh', ['-c', command], { stdio: ['ignore', 'pipe', 'pipe'] });
      let output = '';
      child.stdout.on('data', (d: Buffer) => (output += d.toString()));
      child.stderr.on('data', (d: Buffer) => (output += d.toString()));
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        reject(new PowerSwitchError(this.boardId, action, `${JSON.stringify(command)} did not finish within ${this.timeoutMs} ms`));
      }, this.timeoutMs);
      child.on('error', (error) => {
        clearTimeout(timer);
        reject(new PowerSwitchError(this.boardId, action, `${JSON.stringify(command)}: ${error.message}`));
      });
      child.on('exit', (code, signal) => {
        clearTimeout(timer);
        if (code === 0) resolve();
        else reject(new PowerSwitchError(this.boardId, action, `${JSON.stringify(command)} exited ${code ?? signal}: ${output.trim().slice(-500)}`));
      });
    });
  }
}

/**
 * Opens the board's switch, or undefined when it has none. `virtualRelayPath` is the relay tty
 * the virtual board printed in its ready line. Boards that forbid power cuts get a switch whose
 * `off` refuses: powering on stays possible.
 */
export async function openPowerSwitch(board: BoardRecord, virtualRelayPath?: string): Promise<PowerSwitch | undefined> {
  let power: PowerSwitch | undefined;
  switch (board.power.type) {
    case 'none':
      return undefined;
    case 'serial-relay':
      power = await SerialRelaySwitch.open({ boardId: board.id, path: board.power.path, channel: board.power.channel });
      break;
    case 'command':
      power = new CommandSwitch(board.id, board.power);
      break;
    case 'virtual':
      if (!virtualRelayPath) throw new PowerSwitchError(board.id, 'open', 'the virtual board did not report a relay tty');
      power = await SerialRelaySwitch.open({ boardId: board.id, path: virtualRelayPath, channel: board.power.channel ?? 1 });
      break;
  }
  return board.allows.powerCut ? power : new NoCutSwitch(board.id, power);
}

class NoCutSwitch implements PowerSwitch {
  constructor(
    private readonly boardId: string,
    private readonly inner: PowerSwitch,
  ) {}

  get description(): string {
    return `${this.inner.description} (power cuts not allowed)`;
  }

  on(): Promise<void> {
    return this.inner.on();
  }

  off(): Promise<void> {
    return Promise.reject(new PowerCutNotAllowedError(this.boardId));
  }

  close(): Promise<void> {
    return this.inner.close();
  }
}
