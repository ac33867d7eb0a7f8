import { expect } from 'chai';
import type { BoardRecord, CommandProcedureSpec, ProcedureSpec } from '../boards/types.js';
import { FaultInjectionError, type FaultEnvironment } from '../faults/injectors.js';
import { KillTool, procedureFaultUnreachable, type ProcedureInjectorKind } from './procedure-injectors.js';
import { parseProcedurePoint } from './procedure-point.js';
import { BUILT_IN_PROCEDURES, withBuiltInProcedures } from './procedure.js';
import { commandProcedure } from './testing/command-procedure.js';

const [openOcdPlan, openOcdProgram] = BUILT_IN_PROCEDURES;

const flashSh: CommandProcedureSpec = commandProcedure(
  {
    id: 'openocd-program-sh',
    description: "a team's flash.sh running its own OpenOCD",
    argv: ['fixtures/procedures/openocd-program.sh', '{image}', '{address}'],
    progress: 'write: (?<bytes>\\d+) of (?<total>\\d+) bytes',
    timeoutSeconds: 300,
  },
  '/work',
);

/** The same tool without a progress pattern. */
const silentTool: CommandProcedureSpec = (() => {
  const { progress: _progress, ...rest } = flashSh;
  return { ...rest, id: 'silent-tool' };
})();

const common = {
  target: { mcu: 'STM32H745', core: 'cm7' },
  qspi: { bank: 'stm32h7x.qspi', base: 0x90000000, chip: 'W25Q512JV', jedecId: 'ef4020' },
  reset: { srst: true },
  procedures: withBuiltInProcedures([flashSh]),
} as const;

/** Like boards.json's virtual-h745. */
const virtualH745: BoardRecord = {
  ...common,
  id: 'virtual-h745',
  description: 'virtual board',
  kind: 'virtual',
  openocd: { configs: ['/work/fixtures/openocd/virtual-h745.cfg'], commands: [], searchDirs: [] },
  uart: { kind: 'virtual', baud: 115200 },
  power: { type: 'virtual' },
  allows: { massErase: true, powerCut: true, nonVolatileWrites: true },
  virtual: { timeScale: 1 },
  source: { file: '/work/boards.json', jsonPath: '$.boards[0]' },
};

/** Like boards.json's NUCLEO entry: no power switch, no power cut allowed. */
const nucleo: BoardRecord = {
  ...common,
  id: 'nucleo-h745zi-q-w25q512jv',
  description: 'NUCLEO-H745ZI-Q',
  kind: 'real',
  openocd: { configs: ['/work/fixtures/openocd/board/nucleo-h745zi-q-w25q512jv.cfg'], commands: [], searchDirs: [] },
  uart: { kind: 'tty', path: '/dev/ttyACM0', baud: 115200 },
  power: { type: 'none' },
  allows: { massErase: true, powerCut: false, nonVolatileWrites: false },
  source: { file: '/work/boards.json', jsonPath: '$.boards[2]' },
};

/** A real board on a relay that allows cuts. */
const relayBench: BoardRecord = {
  ...nucleo,
  id: 'bench-relay',
  power: { type: 'serial-relay', path: '/dev/ttyUSB0', channel: 1 },
  allows: { ...nucleo.allows, powerCut: true },
};

function unreachable(procedure: ProcedureSpec, board: BoardRecord, injector: ProcedureInjectorKind, point: string): string | undefined {
  return procedureFaultUnreachable(procedure, board, { injector, point: parseProcedurePoint(point) });
}

function fakeEnv(): FaultEnvironment {
  return {
    board: virtualH745,
    openOcdProcess: () => undefined,
    openSideChannel: () => Promise.reject(new Error('KillTool must not use OpenOCD')),
    power: () => undefined,
    control: () => undefined,
  };
}

describe('procedure injectors (harness/procedures/procedure-injectors)', () => {
  describe('procedureFaultUnreachable', () => {
    it('power-cut on a board whose boards.json entry disallows it: a reason naming allows.powerCut', () => {
      expect(unreachable(flashSh, nucleo, 'power-cut', 'progress:50%')).to.contain('allows.powerCut is false');
      expect(unreachable(openOcdProgram, nucleo, 'power-cut', 'time:1500ms')).to.contain('allows.powerCut is false');
    });

    it('power-cut on a board that allows it but has no power switch: a reason naming power.type none', () => {
      const noSwitch: BoardRecord = { ...nucleo, allows: { ...nucleo.allows, powerCut: true } };
      expect(unreachable(flashSh, noSwitch, 'power-cut', 'progress:50%')).to.contain('power.type none');
    });

    it('power-cut on a board with a switch that allows it: reachable', () => {
      expect(unreachable(flashSh, relayBench, 'power-cut', 'progress:50%')).to.equal(undefined);
      expect(unreachable(flashSh, virtualH745, 'power-cut', 'erase-in-flight:middle:50%')).to.equal(undefined);
      expect(unreachable(openOcdProgram, virtualH745, 'power-cut', 'program-in-flight:last')).to.equal(undefined);
    });

    it("a chip-operation point on a real board: a reason mentioning the virtual board's chip trigger", () => {
      for (const point of ['erase-in-flight:middle:50%', 'program-in-flight:last']) {
        const reason = unreachable(flashSh, nucleo, 'kill-tool', point);
        expect(reason, point).to.contain('chip trigger');
        expect(reason, point).to.contain(point.startsWith('program') ? 'program-in-flight:last:50%' : point);
        expect(unreachable(openOcdProgram, relayBench, 'power-cut', point), point).to.contain('chip trigger');
      }
    });

    it("the harness's plan (openocd-plan) takes no procedure fault at all", () => {
      for (const injector of ['kill-tool', 'power-cut', 'srst', 'kill-openocd'] as const)
        expect(unreachable(openOcdPlan, virtualH745, injector, 'time:1500ms'), injector).to.contain("plan's fault points");
    });

    describe("openocd-program (OpenOCD's program on the harness's OpenOCD)", () => {
      it('kill-tool: a reason pointing at kill-openocd', () => {
        expect(unreachable(openOcdProgram, virtualH745, 'kill-tool', 'erase-in-flight:middle:50%')).to.contain('kill-openocd kills it');
      });

      it('srst: a reason (program is one Tcl command)', () => {
        expect(unreachable(openOcdProgram, virtualH745, 'srst', 'erase-in-flight:middle:50%')).to.contain('only between commands');
      });

      it('progress and line points: a reason (nothing is said on the Tcl port until program returns)', () => {
        expect(unreachable(openOcdProgram, virtualH745, 'kill-openocd', 'progress:50%')).to.contain('says nothing on the Tcl port');
        expect(unreachable(openOcdProgram, virtualH745, 'kill-openocd', 'line:wrote')).to.contain('says nothing on the Tcl port');
      });

      it('kill-openocd at erase-in-flight on a virtual board, or at a time on a real one: reachable', () => {
        expect(unreachable(openOcdProgram, virtualH745, 'kill-openocd', 'erase-in-flight:middle:50%')).to.equal(undefined);
        expect(unreachable(openOcdProgram, nucleo, 'kill-openocd', 'time:1500ms')).to.equal(undefined);
      });
    });

    describe("command (the team's tool)", () => {
      it('kill-openocd: a reason pointing at kill-tool', () => {
        expect(unreachable(flashSh, virtualH745, 'kill-openocd', 'progress:50%')).to.contain("kill-tool kills the tool's process group");
      });

      it('srst on a real board while the tool holds the probe: a reason; on a virtual board (its own reset line): reachable', () => {
        expect(unreachable(flashSh, nucleo, 'srst', 'progress:50%')).to.contain('tool holds the probe');
        expect(unreachable(flashSh, virtualH745, 'srst', 'progress:50%')).to.equal(undefined);
        expect(unreachable(flashSh, virtualH745, 'srst', 'program-in-flight:last')).to.equal(undefined);
      });

      it("srst on a real board with a tool that leaves the probe to the harness: reachable (the harness's OpenOCD asserts it)", () => {
        expect(unreachable({ ...flashSh, needsProbe: false }, nucleo, 'srst', 'progress:50%')).to.equal(undefined);
      });

      it('a progress point on a tool without a progress pattern: a reason naming the procedure', () => {
        const reason = unreachable(silentTool, virtualH745, 'kill-tool', 'progress:50%');
        expect(reason).to.contain('silent-tool').and.to.contain('no progress pattern');
        // Line and time points need no pattern.
        expect(unreachable(silentTool, virtualH745, 'kill-tool', 'line:Programming Finished')).to.equal(undefined);
        expect(unreachable(silentTool, nucleo, 'kill-tool', 'time:2s')).to.equal(undefined);
      });

      it('kill-tool at progress:50% on a tool with a progress pattern: reachable, on a real board too', () => {
        expect(unreachable(flashSh, virtualH745, 'kill-tool', 'progress:50%')).to.equal(undefined);
        expect(unreachable(flashSh, nucleo, 'kill-tool', 'progress:50%')).to.equal(undefined);
      });

      it('kill-tool at a chip operation on a virtual board: reachable', () => {
        expect(unreachable(flashSh, virtualH745, 'kill-tool', 'erase-in-flight:3:25%')).to.equal(undefined);
      });
    });

    describe("command that programs through the harness's OpenOCD (usesHarnessOpenOcd)", () => {
      const serverTool: CommandProcedureSpec = { ...silentTool, id: 'openocd-server-sh', needsProbe: false, usesHarnessOpenOcd: true };

      it("kill-tool: a reason (OpenOCD's work outlives the tool) pointing at kill-openocd", () => {
        const reason = unreachable(serverTool, virtualH745, 'kill-tool', 'erase-in-flight:last:50%');
        expect(reason).to.contain('openocd-server-sh').and.to.contain("leaves OpenOCD's work running").and.to.contain('kill-openocd');
      });

      it('kill-openocd inside an erase on a virtual board, or at a time on a real one: reachable', () => {
        expect(unreachable(serverTool, virtualH745, 'kill-openocd', 'erase-in-flight:middle:50%')).to.equal(undefined);
        expect(unreachable(serverTool, nucleo, 'kill-openocd', 'time:1500ms')).to.equal(undefined);
      });

      it("srst on a real board: a reason (the harness's OpenOCD asserts NRST only between commands); on a virtual board: reachable", () => {
        expect(unreachable(serverTool, nucleo, 'srst', 'time:1500ms')).to.contain('only between commands');
        expect(unreachable(serverTool, virtualH745, 'srst', 'erase-in-flight:middle:50%')).to.equal(undefined);
      });
    });
  });

  describe('KillTool', () => {
    it('fire sends SIGKILL to the process group of the tool running at fire time, and says which', async () => {
      const signals: (NodeJS.Signals | undefined)[] = [];
      const slot: { tool?: { pid: number; killGroup(signal?: NodeJS.Signals): void } } = {};
      const injector = new KillTool(() => slot.tool);
      expect(injector.kind).to.equal('kill-tool');
      expect(injector.endsOpenOcd).to.equal(false);
      expect(injector.cutsPower).to.equal(false);
      // Built before the tool starts (as procedure-run does): the tool is looked up when it fires.
      slot.tool = { pid: 4242, killGroup: (signal) => signals.push(signal) };
      const result = await injector.fire(fakeEnv());
      expect(signals).to.deep.equal(['SIGKILL']);
      expect(result.notes.join('\n')).to.contain('4242');
    });

    it('fire with no tool running rejects with FaultInjectionError and kills nothing', async () => {
      const injector = new KillTool(() => undefined);
      const fired = injector.fire(fakeEnv());
      expect(fired).to.be.instanceOf(Promise);
      let error: unknown;
      try {
        await fired;
      } catch (e) {
        error = e;
      }
      expect(error).to.be.instanceOf(FaultInjectionError);
      const injection = error as FaultInjectionError;
      expect(injection.injector).to.equal('kill-tool');
      expect(injection.boardId).to.equal('virtual-h745');
      expect(injection.message).to.contain('no tool is running');
    });
  });
});
