import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { classifyFailure, NoVerdictError } from '../exit-codes.js';
import { BUILT_IN_PROCEDURES } from '../procedures/procedure.js';
import { BoardsFileError } from './errors.js';
import { assertBoardFilesExist, loadBoardsFile } from './load.js';
import { DEFAULT_BOARDS_FILE, REPO_ROOT } from './select.js';
import type { CommandProcedureSpec } from './types.js';

type Json = Record<string, unknown>;

function virtualBoard(): Json {
  return {
    id: 'sim-a',
    description: 'virtual board under test',
    kind: 'virtual',
    openocd: { configs: ['cfg/sim.cfg'] },
    target: { mcu: 'STM32H745', core: 'cm7' },
    qspi: { bank: 'stm32h7x.qspi', base: 0x90000000, chip: 'W25Q512JV', jedecId: 'ef4020' },
    uart: { virtual: true, baud: 115200 },
    power: { type: 'virtual' },
    reset: { srst: true },
    allows: { massErase: true, powerCut: true },
    virtual: { timeScale: 0.01 },
  };
}

function realBoard(): Json {
  return {
    id: 'bench-1',
    description: 'real board under test',
    kind: 'real',
    openocd: { configs: ['cfg/real.cfg'], commands: ['adapter speed 4000'], searchDirs: ['cfg'] },
    target: { mcu: 'STM32H745', core: 'cm7' },
    qspi: { bank: 2, base: '0x90000000', chip: 'W25Q512JV', jedecId: 'EF4020' },
    uart: { path: '/dev/serial/by-id/usb-example-if02', baud: 115200 },
    power: { type: 'serial-relay', path: '/dev/serial/by-id/usb-relay', channel: 1 },
    reset: { srst: true },
    allows: { massErase: true, powerCut: false },
  };
}

describe('boards file loader (harness/boards/load)', () => {
  let dir: string;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'hil-boards-'));
    mkdirSync(join(dir, 'cfg'));
    writeFileSync(join(dir, 'cfg', 'sim.cfg'), '# sim\n');
    writeFileSync(join(dir, 'cfg', 'real.cfg'), '# real\n');
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  function write(content: unknown, name = 'boards.json'): string {
    const file = join(dir, name);
    writeFileSync(file, typeof content === 'string' ? content : JSON.stringify(content, null, 2));
    return file;
  }

  /** Load `content` and return the BoardsFileError it must raise. */
  function loadError(content: unknown): { error: BoardsFileError; file: string } {
    const file = write(content);
    try {
      loadBoardsFile(file);
    } catch (error) {
      expect(error).to.be.instanceOf(BoardsFileError);
      return { error: error as BoardsFileError, file };
    }
    throw new Error('expected loadBoardsFile to throw');
  }

  function withBoards(...boards: Json[]): Json {
    return { boards };
  }

  describe('valid files', () => {
    it('returns typed records with paths resolved against the boards file and hex base as a number', () => {
      const inventory = loadBoardsFile(write(withBoards(virtualBoard(), realBoard())));
      expect(inventory.file).to.equal(join(dir, 'boards.json'));
      const [sim, real] = inventory.boards;
      expect(sim!.openocd.configs).to.deep.equal([join(dir, 'cfg', 'sim.cfg')]);
      expect(sim!.uart).to.deep.equal({ kind: 'virtual', baud: 115200 });
      expect(sim!.virtual).to.deep.equal({ timeScale: 0.01 });
      expect(sim!.source).to.deep.equal({ file: join(dir, 'boards.json'), jsonPath: '$.boards[0]' });
      expect(real!.qspi).to.deep.equal({ bank: 2, base: 0x90000000, chip: 'W25Q512JV', jedecId: 'ef4020' });
      expect(real!.openocd.searchDirs).to.deep.equal([join(dir, 'cfg')]);
      expect(real!.openocd.commands).to.deep.equal(['adapter speed 4000']);
      expect(real!.uart).to.deep.equal({ kind: 'tty', path: '/dev/serial/by-id/usb-example-if02', baud: 115200 });
      expect(real!.power).to.deep.equal({ type: 'serial-relay', path: '/dev/serial/by-id/usb-relay', channel: 1 });
      expect(real!.virtual).to.equal(undefined);
    });

    it('allows.nonVolatileWrites is false unless the entry says true', () => {
      const allowing = virtualBoard();
      (allowing.allows as Json).nonVolatileWrites = true;
      const [sim, real] = loadBoardsFile(write(withBoards(allowing, realBoard()))).boards;
      expect(sim!.allows).to.deep.equal({ massErase: true, powerCut: true, nonVolatileWrites: true });
      expect(real!.allows).to.deep.equal({ massErase: true, powerCut: false, nonVolatileWrites: false });
    });

    it("the virtual board's relay on another channel (a mis-wired relay for the fault-confirmation tests)", () => {
      const board = virtualBoard();
      board.power = { type: 'virtual', channel: 2 };
      const [record] = loadBoardsFile(write(withBoards(board))).boards;
      expect(record!.power).to.deep.equal({ type: 'virtual', channel: 2 });
      board.power = { type: 'virtual', channel: 9 };
      expect(loadError(withBoards(board)).error.message).to.include('$.boards[0].power.channel');
    });

    it('accepts a ser2net UART, a command power switch and an OpenOCD served elsewhere', () => {
      const board = realBoard();
      board.uart = { host: 'farm-7', port: 4001 };
      board.power = { type: 'command', on: 'pdu on 3', off: 'pdu off 3' };
      board.openocd = { configs: [], tclHost: 'farm-7', tclPort: 6666 };
      const [record] = loadBoardsFile(write(withBoards(board))).boards;
      expect(record!.uart).to.deep.equal({ kind: 'network', host: 'farm-7', port: 4001 });
      expect(record!.openocd.tclHost).to.equal('farm-7');
      expect(record!.openocd.tclPort).to.equal(6666);
    });

    it('the repository boards.json loads: the virtual board through its ST-LINK and over JTAG, and the NUCLEO board; every config exists', () => {
      const inventory = loadBoardsFile(DEFAULT_BOARDS_FILE);
      expect(inventory.boards.map((b) => b.id)).to.deep.equal(['virtual-h745', 'virtual-h745-jtag', 'nucleo-h745zi-q-w25q512jv']);
      const [stlink, jtag, nucleo] = inventory.boards;
      expect(stlink!.openocd.configs).to.deep.equal([join(REPO_ROOT, 'fixtures/openocd/virtual-h745.cfg')]);
      expect(jtag!.openocd.configs).to.deep.equal([join(REPO_ROOT, 'fixtures/openocd/virtual-h745-jtag.cfg')]);
      // The two virtual entries are the same board: only the OpenOCD configs (and id, words, place) differ.
      expect({ ...jtag!, id: stlink!.id, description: stlink!.description, openocd: stlink!.openocd, source: stlink!.source }).to.deep.equal(stlink);
      expect(nucleo!.qspi.base).to.equal(0x90000000);
      expect(nucleo!.allows).to.deep.equal({ massErase: true, powerCut: false, nonVolatileWrites: false });
      // The virtual boards' status registers are software: spec 6 may set and restore BP bits there.
      expect(stlink!.allows.nonVolatileWrites).to.equal(true);
      for (const board of inventory.boards) expect(() => assertBoardFilesExist(board)).not.to.throw();
    });

    it('the repository boards.json: every board has the built-ins and the openocd-program.sh and openocd-server-program.sh command procedures', () => {
      for (const board of loadBoardsFile(DEFAULT_BOARDS_FILE).boards) {
        expect(board.procedures.map((p) => p.id)).to.deep.equal(['openocd-plan', 'openocd-program', 'openocd-program-sh', 'openocd-server-sh']);
        const server = board.procedures[3] as CommandProcedureSpec;
        expect([server.argv[0], server.needsProbe, server.usesHarnessOpenOcd, server.progress]).to.deep.equal([
          join(REPO_ROOT, 'fixtures/procedures/openocd-server-program.sh'),
          false,
          true,
          undefined,
        ]);
        const sh = board.procedures[2] as CommandProcedureSpec;
        expect(sh.kind).to.equal('command');
        expect(sh.argv).to.deep.equal([join(REPO_ROOT, 'fixtures/procedures/openocd-program.sh'), '{image}', '{address}']);
        expect(sh.cwd).to.equal(REPO_ROOT);
        expect(sh.timeoutMs).to.equal(300_000);
        expect(sh.needsProbe).to.equal(true);
        const match = new RegExp(sh.progress!).exec('write: 65536 of 1048576 bytes (6%)');
        expect(match?.groups).to.deep.equal({ bytes: '65536', total: '1048576' });
      }
    });
  });

  describe('procedures', () => {
    function withProcedures(...procedures: unknown[]): Json {
      const board = virtualBoard();
      board.procedures = procedures;
      return withBoards(board);
    }

    function flashSh(extra: Json = {}): Json {
      return { id: 'flash-sh', kind: 'command', argv: ['tools/flash.sh', '{image}', '{address}'], ...extra };
    }

    /** The problems of loading a board with `procedures`, as jsonPath and problem text. */
    function problemsOf(...procedures: unknown[]): { jsonPath: string; problem: string; message: string }[] {
      const { error } = loadError(withProcedures(...procedures));
      return error.problems.map((p) => ({ jsonPath: p.jsonPath, problem: p.problem, message: error.message }));
    }

    it('every board gets the two built-ins, openocd-plan first, when the entry has no procedures', () => {
      const [sim, real] = loadBoardsFile(write(withBoards(virtualBoard(), realBoard()))).boards;
      for (const board of [sim!, real!]) {
        expect(board.procedures).to.deep.equal(BUILT_IN_PROCEDURES);
        expect(board.procedures.map((p) => `${p.id}:${p.kind}`)).to.deep.equal(['openocd-plan:openocd-plan', 'openocd-program:openocd-program']);
      }
    });

    it('a command entry loads with defaults filled in, argv[0] and cwd resolved against the boards file', () => {
      const [board] = loadBoardsFile(write(withProcedures(flashSh()))).boards;
      expect(board!.procedures.map((p) => p.id)).to.deep.equal(['openocd-plan', 'openocd-program', 'flash-sh']);
      expect(board!.procedures[2]).to.deep.equal({
        id: 'flash-sh',
        kind: 'command',
        description: 'tools/flash.sh {image} {address}',
        argv: [join(dir, 'tools', 'flash.sh'), '{image}', '{address}'],
        shell: false,
        env: {},
        cwd: dir,
        successExitCodes: [0],
        needsProbe: true,
        usesHarnessOpenOcd: false,
        timeoutMs: 600_000,
        chunkBytes: 65536,
      });
    });

    it('a command entry with every field: a bare argv[0] stays for PATH, only argv[0] is resolved, a relative cwd resolves', () => {
      const entry = {
        id: 'vendor',
        kind: 'command',
        description: 'the vendor CLI',
        argv: ['STM32_Programmer_CLI', '-w', './{image}', '{address}', '-el', 'loaders/W25Q512.stldr'],
        shell: false,
        env: { TARGET: '{board}', LITERAL: '{{x}}' },
        cwd: 'work',
        progress: '(?<percent>\\d+)%',
        successExitCodes: [0, 3],
        needsProbe: false,
        usesHarnessOpenOcd: true,
        timeoutSeconds: 2.5,
        chunkBytes: 256,
      };
      const [board] = loadBoardsFile(write(withProcedures(entry))).boards;
      expect(board!.procedures[2]).to.deep.equal({
        id: 'vendor',
        kind: 'command',
        description: 'the vendor CLI',
        argv: ['STM32_Programmer_CLI', '-w', './{image}', '{address}', '-el', 'loaders/W25Q512.stldr'],
        shell: false,
        env: { TARGET: '{board}', LITERAL: '{{x}}' },
        cwd: join(dir, 'work'),
        progress: '(?<percent>\\d+)%',
        successExitCodes: [0, 3],
        needsProbe: false,
        usesHarnessOpenOcd: true,
        timeoutMs: 2500,
        chunkBytes: 256,
      });
    });

    it('with shell, the one argv string is a script and is not resolved as a path', () => {
      const [board] = loadBoardsFile(write(withProcedures({ id: 'sh', kind: 'command', shell: true, argv: ['./tools/flash.sh {image} && echo done'] }))).boards;
      expect((board!.procedures[2] as CommandProcedureSpec).argv).to.deep.equal(['./tools/flash.sh {image} && echo done']);
    });

    it('an entry with a built-in id replaces the built-in, in its place', () => {
      const [board] = loadBoardsFile(
        write(withProcedures(flashSh(), { id: 'openocd-program', kind: 'openocd-program', verify: false, timeoutSeconds: 120 })),
      ).boards;
      expect(board!.procedures.map((p) => p.id)).to.deep.equal(['openocd-plan', 'openocd-program', 'flash-sh']);
      expect(board!.procedures[1]).to.deep.equal({ ...BUILT_IN_PROCEDURES[1], verify: false, timeoutMs: 120_000 });
    });

    it('unknown kind', () => {
      const problems = problemsOf({ id: 'x', kind: 'flash-sh', argv: ['a'] });
      expect(problems.map((p) => p.jsonPath)).to.deep.equal(['$.boards[0].procedures[0].kind']);
      expect(problems[0]!.message).to.include(
        'board "sim-a" at $.boards[0].procedures[0].kind: is string "flash-sh", not one of "command", "openocd-program", "openocd-plan"',
      );
    });

    it('missing argv, and argv that is not an array', () => {
      const missing = problemsOf({ id: 'x', kind: 'command' });
      expect(missing.map((p) => [p.jsonPath, p.problem])).to.deep.equal([['$.boards[0].procedures[0].argv', 'is missing']]);
      expect(missing[0]!.message).to.include('board "sim-a" at $.boards[0].procedures[0].argv: is missing (expected: the command as an argv template');
      const notArray = problemsOf(flashSh(), { id: 'y', kind: 'command', argv: 'tools/flash.sh {image}' });
      expect(notArray.map((p) => [p.jsonPath, p.problem])).to.deep.equal([
        ['$.boards[0].procedures[1].argv', 'is string "tools/flash.sh {image}", must be of type array'],
      ]);
      expect(problemsOf({ id: 'x', kind: 'command', argv: [] })[0]).to.include({ jsonPath: '$.boards[0].procedures[0].argv' });
    });

    it('timeoutSeconds 0', () => {
      expect(problemsOf(flashSh({ timeoutSeconds: 0 }))[0]).to.include({
        jsonPath: '$.boards[0].procedures[0].timeoutSeconds',
        problem: 'is number 0, must be > 0',
      });
      expect(problemsOf({ id: 'openocd-program', kind: 'openocd-program', timeoutSeconds: 0 })[0]).to.include({
        jsonPath: '$.boards[0].procedures[0].timeoutSeconds',
      });
    });

    it('usesHarnessOpenOcd beside needsProbe true (or its default) names the field: the harness stops its OpenOCD for such a tool', () => {
      for (const entry of [flashSh({ usesHarnessOpenOcd: true }), flashSh({ usesHarnessOpenOcd: true, needsProbe: true })]) {
        const problems = problemsOf(entry);
        expect(problems.map((p) => p.jsonPath)).to.deep.equal(['$.boards[0].procedures[0].usesHarnessOpenOcd']);
        expect(problems[0]!.message).to.include("the harness's OpenOCD is stopped while a tool has the probe").and.to.include('needsProbe false');
      }
      const [board] = loadBoardsFile(write(withProcedures(flashSh({ usesHarnessOpenOcd: true, needsProbe: false })))).boards;
      expect((board!.procedures[2] as CommandProcedureSpec).usesHarnessOpenOcd).to.equal(true);
    });

    it('a misspelt property gets a "did you mean"', () => {
      const problems = problemsOf(flashSh({ needProbe: false }));
      expect(problems.map((p) => p.jsonPath)).to.deep.equal(['$.boards[0].procedures[0].needProbe']);
      expect(problems[0]!.message).to.include('board "sim-a" at $.boards[0].procedures[0].needProbe: unknown field "needProbe" (did you mean "needsProbe"?)');
    });

    it('a field of another kind is unknown for this kind', () => {
      expect(problemsOf({ id: 'openocd-plan', kind: 'openocd-plan', verify: true })[0]).to.include({
        jsonPath: '$.boards[0].procedures[0].verify',
        problem: 'unknown field "verify"',
      });
    });

    it('an unknown placeholder names the argv element or env value that holds it', () => {
      const problems = problemsOf(flashSh({ argv: ['tools/flash.sh', '{image}', '--board={imag}'], env: { WHERE: '{adress}' } }));
      expect(problems.map((p) => [p.jsonPath, p.problem])).to.deep.equal([
        ['$.boards[0].procedures[0].argv[2]', 'is "--board={imag}": unknown placeholder "{imag}"'],
        ['$.boards[0].procedures[0].env.WHERE', 'is "{adress}": unknown placeholder "{adress}"'],
      ]);
      expect(problems[0]!.message).to.include('(expected: placeholders {image} {offset} {address} {board} only, "{{" and "}}" for literal braces)');
    });

    it('unbalanced braces in a template', () => {
      const problems = problemsOf(flashSh({ argv: ['tools/flash.sh', '{image', 'awk {{print}}', 'x}'] }));
      expect(problems.map((p) => p.jsonPath)).to.deep.equal(['$.boards[0].procedures[0].argv[1]', '$.boards[0].procedures[0].argv[3]']);
      expect(problems[0]!.problem).to.include('unbalanced "{"');
      expect(problems[1]!.problem).to.include('unbalanced "}"');
    });

    it('an env name that is no variable name', () => {
      expect(problemsOf(flashSh({ env: { 'MY-VAR': 'x' } }))[0]).to.include({
        jsonPath: '$.boards[0].procedures[0].env["MY-VAR"]',
        problem: '"MY-VAR" is not an environment variable name',
      });
    });

    it('progress without a percent or bytes group, total without bytes, and a regex that does not compile', () => {
      const [noGroup, totalOnly, broken] = problemsOf(
        flashSh({ progress: 'write: (\\d+) of (?<size>\\d+)' }),
        { ...flashSh({ progress: '(?<percent>\\d+)% of (?<total>\\d+)' }), id: 'b' },
        { ...flashSh({ progress: 'write: (?<bytes>\\d+' }), id: 'c' },
      );
      expect(noGroup).to.include({ jsonPath: '$.boards[0].procedures[0].progress' });
      expect(noGroup!.problem).to.include('no named group percent or bytes (it has size)');
      expect(totalOnly).to.include({ jsonPath: '$.boards[0].procedures[1].progress' });
      expect(totalOnly!.problem).to.include('a group total needs a group bytes');
      expect(broken).to.include({ jsonPath: '$.boards[0].procedures[2].progress' });
      expect(broken!.problem).to.include('not a JavaScript regex');
      expect(broken!.message).to.include('(expected: a JavaScript regex with a named group percent, or bytes');
    });

    it('shell with two argv elements', () => {
      expect(problemsOf(flashSh({ shell: true }))[0]).to.include({
        jsonPath: '$.boards[0].procedures[0].argv',
        problem: 'has 3 elements but shell is true',
      });
    });

    it('duplicate procedure id within a board (other boards may reuse it)', () => {
      const problems = problemsOf(flashSh(), { id: 'flash-sh', kind: 'openocd-plan' });
      expect(problems.map((p) => [p.jsonPath, p.problem])).to.deep.equal([
        ['$.boards[0].procedures[1].id', 'duplicate procedure id, already used by $.boards[0].procedures[0]'],
      ]);
      const other = realBoard();
      other.procedures = [flashSh()];
      const sim = virtualBoard();
      sim.procedures = [flashSh()];
      expect(loadBoardsFile(write(withBoards(sim, other))).boards).to.have.length(2);
    });

    it('a built-in id with another kind', () => {
      const problems = problemsOf({ id: 'openocd-program', kind: 'command', argv: ['tools/flash.sh'] }, { id: 'openocd-plan', kind: 'openocd-program' });
      expect(problems.map((p) => [p.jsonPath, p.problem])).to.deep.equal([
        ['$.boards[0].procedures[0].kind', 'is "command", but "openocd-program" is a built-in procedure of kind "openocd-program"'],
        ['$.boards[0].procedures[1].kind', 'is "openocd-program", but "openocd-plan" is a built-in procedure of kind "openocd-plan"'],
      ]);
    });
  });

  describe('each class of bad input names the file, the board and the JSON path', () => {
    it('file missing', () => {
      const file = join(dir, 'nope.json');
      expect(() => loadBoardsFile(file))
        .to.throw(BoardsFileError)
        .with.property('message')
        .that.includes(file)
        .and.includes('file does not exist');
    });

    it('not JSON: reports line and column of the syntax error', () => {
      const { error, file } = loadError('{\n  "boards": [\n    { "id": "x", }\n  ]\n}\n');
      expect(error.message).to.include(file);
      expect(error.problems[0]).to.include({ line: 3, column: 18 });
      expect(error.message).to.match(/line 3 column 18: not valid JSON: Expected double-quoted property name/);
    });

    it('not JSON: a truncated file points at its end', () => {
      const { error } = loadError('{\n  "boards": [\n');
      expect(error.message).to.match(/line 3 column 1: not valid JSON: unexpected end of file/);
    });

    it('wrong top-level shape: an array instead of an object', () => {
      const { error, file } = loadError([virtualBoard()]);
      expect(error.message).to.include(file).and.include('at $: is an array, must be of type object');
    });

    it('wrong top-level shape: no boards list', () => {
      const { error } = loadError({ board: [virtualBoard()] });
      expect(error.message).to.include('at $.boards: is missing');
      expect(error.message).to.include('unknown field "board" (did you mean "boards"?)');
    });

    it('missing required field, with what was expected there', () => {
      const board = realBoard();
      delete (board.qspi as Json).chip;
      const { error, file } = loadError(withBoards(virtualBoard(), board));
      expect(error.message).to.include(file);
      expect(error.problems).to.have.length(1);
      expect(error.problems[0]).to.deep.include({ jsonPath: '$.boards[1].qspi.chip', boardId: 'bench-1', problem: 'is missing' });
      expect(error.message).to.include('board "bench-1" at $.boards[1].qspi.chip: is missing (expected: the flash part)');
    });

    it('wrong type', () => {
      const board = virtualBoard();
      (board.uart as Json).baud = '115200';
      const { error } = loadError(withBoards(board));
      expect(error.message).to.include('board "sim-a" at $.boards[0].uart.baud: is string "115200", must be of type integer');
      expect(error.message).to.include('baud rate');
    });

    it('unknown field (a typo) is rejected with a suggestion', () => {
      const board = realBoard();
      (board.allows as Json).masErase = true;
      delete (board.allows as Json).massErase;
      const { error } = loadError(withBoards(board));
      expect(error.message).to.include('board "bench-1" at $.boards[0].allows.masErase: unknown field "masErase" (did you mean "massErase"?)');
      expect(error.message).to.include('board "bench-1" at $.boards[0].allows.massErase: is missing');
    });

    it('duplicate board id', () => {
      const second = virtualBoard();
      const { error, file } = loadError(withBoards(virtualBoard(), realBoard(), second));
      expect(error.message).to.include(file);
      expect(error.message).to.include('board "sim-a" at $.boards[2].id: duplicate board id, already used by $.boards[0]');
    });

    it('bad enum value lists the allowed values', () => {
      const board = virtualBoard();
      board.kind = 'simulated';
      const { error } = loadError(withBoards(board));
      expect(error.message).to.include('board "sim-a" at $.boards[0].kind: is string "simulated", not one of "virtual", "real"');
    });

    it('bad pattern: JEDEC ID must be 6 hex digits', () => {
      const board = virtualBoard();
      (board.qspi as Json).jedecId = 'ef40';
      const { error } = loadError(withBoards(board));
      expect(error.message).to.include('at $.boards[0].qspi.jedecId: is string "ef40"');
      expect(error.message).to.include('6 hex digits');
    });

    it('a value of none of the accepted forms (QSPI base neither number nor hex string)', () => {
      const board = virtualBoard();
      (board.qspi as Json).base = '90000000h';
      const { error } = loadError(withBoards(board));
      expect(error.problems).to.have.length(1);
      expect(error.message).to.include('at $.boards[0].qspi.base: is string "90000000h", which has none of the accepted forms');
      expect(error.message).to.include('"0x90000000"');
    });

    it('power variant: serial-relay without a channel', () => {
      const board = realBoard();
      delete (board.power as Json).channel;
      const { error } = loadError(withBoards(board));
      expect(error.problems).to.have.length(1);
      expect(error.message).to.include('board "bench-1" at $.boards[0].power.channel: is missing (expected: relay channel, 1-based)');
    });

    it('power variant: unknown power type', () => {
      const board = realBoard();
      board.power = { type: 'relay', path: '/dev/ttyUSB0' };
      const { error } = loadError(withBoards(board));
      expect(error.message).to.include('at $.boards[0].power.type: is string "relay", not one of "none", "serial-relay", "command", "virtual"');
    });

    it('UART of no known form asks for a path (tty is the default form)', () => {
      const board = realBoard();
      board.uart = { baud: 115200 };
      const { error } = loadError(withBoards(board));
      expect(error.message).to.include('board "bench-1" at $.boards[0].uart.path: is missing');
    });

    it('ser2net UART without a port', () => {
      const board = realBoard();
      board.uart = { host: 'farm-7' };
      const { error } = loadError(withBoards(board));
      expect(error.message).to.include('at $.boards[0].uart.port: is missing (expected: ser2net TCP port, 1..65535)');
    });

    it('virtual settings on a real board, and none on a virtual board', () => {
      const real = realBoard();
      real.virtual = { timeScale: 1 };
      const sim = virtualBoard();
      delete sim.virtual;
      const { error } = loadError(withBoards(sim, real));
      expect(error.message).to.include('board "sim-a" at $.boards[0].virtual: is missing');
      expect(error.message).to.include('board "bench-1" at $.boards[1].virtual: is only allowed on kind "virtual" boards');
    });

    it('a negative virtual time scale', () => {
      const board = virtualBoard();
      board.virtual = { timeScale: -1 };
      const { error } = loadError(withBoards(board));
      expect(error.message).to.include('board "sim-a" at $.boards[0].virtual.timeScale: is number -1, must be >= 0');
    });

    it('tclHost without tclPort', () => {
      const board = realBoard();
      (board.openocd as Json).tclHost = 'farm-7';
      const { error } = loadError(withBoards(board));
      expect(error.message).to.include('at $.boards[0].openocd: has tclHost but not tclPort');
    });

    it('no OpenOCD config and no running OpenOCD to attach to', () => {
      const board = realBoard();
      (board.openocd as Json).configs = [];
      const { error } = loadError(withBoards(board));
      expect(error.message).to.include('board "bench-1" at $.boards[0].openocd.configs: is empty');
    });

    it('power cut allowed on a board without a power switch', () => {
      const board = realBoard();
      board.power = { type: 'none' };
      (board.allows as Json).powerCut = true;
      const { error } = loadError(withBoards(board));
      expect(error.message).to.include('board "bench-1" at $.boards[0].allows.powerCut: is true but power.type is "none"');
    });

    it('allows.nonVolatileWrites that is not a boolean, or misspelt', () => {
      const board = realBoard();
      (board.allows as Json).nonVolatileWrites = 'yes';
      const { error } = loadError(withBoards(board));
      expect(error.message).to.include('board "bench-1" at $.boards[0].allows.nonVolatileWrites: is string "yes", must be of type boolean');
      const typo = realBoard();
      (typo.allows as Json).nonVolatileWrite = true;
      expect(loadError(withBoards(typo)).error.message).to.include(
        'board "bench-1" at $.boards[0].allows.nonVolatileWrite: unknown field "nonVolatileWrite" (did you mean "nonVolatileWrites"?)',
      );
    });

    it('virtual power or UART on a real board', () => {
      const board = realBoard();
      board.power = { type: 'virtual' };
      board.uart = { virtual: true, baud: 115200 };
      const { error } = loadError(withBoards(board));
      expect(error.message).to.include('at $.boards[0].power.type: "virtual" power on a kind "real" board');
      expect(error.message).to.include('at $.boards[0].uart.virtual: a virtual UART on a kind "real" board');
    });

    it('a referenced OpenOCD config or search dir that does not exist', () => {
      const board = realBoard();
      board.openocd = { configs: ['cfg/real.cfg', 'cfg/missing.cfg'], searchDirs: ['scripts'] };
      const file = write(withBoards(board));
      const [record] = loadBoardsFile(file).boards;
      let error: unknown;
      try {
        assertBoardFilesExist(record!);
      } catch (e) {
        error = e;
      }
      expect(error).to.be.instanceOf(BoardsFileError);
      const message = (error as Error).message;
      expect(message).to.include(file);
      expect(message).to.include(`board "bench-1" at $.boards[0].openocd.configs[1]: file does not exist: ${join(dir, 'cfg', 'missing.cfg')}`);
      expect(message).to.include(`board "bench-1" at $.boards[0].openocd.searchDirs[0]: directory does not exist: ${join(dir, 'scripts')}`);
    });

    it('is a no-verdict error: a bad boards file is classified broken, never a board failure', () => {
      const { error } = loadError('not json');
      expect(error).to.be.instanceOf(NoVerdictError);
      expect(classifyFailure(error)).to.equal('broken');
    });
  });
});
