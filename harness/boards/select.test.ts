import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { expect } from 'chai';
import { BoardsFileError, UnknownBoardError } from './errors.js';
import { DEFAULT_BOARD_ID, DEFAULT_BOARDS_FILE, REPO_ROOT, resolveBoardChoice, selectBoard } from './select.js';

function board(id: string, config: string): Record<string, unknown> {
  return {
    id,
    description: `board ${id}`,
    kind: 'real',
    openocd: { configs: [config] },
    target: { mcu: 'STM32H745', core: 'cm7' },
    qspi: { bank: 'stm32h7x.qspi', base: 0x90000000, chip: 'W25Q512JV', jedecId: 'ef4020' },
    uart: { path: '/dev/ttyACM0', baud: 115200 },
    power: { type: 'none' },
    reset: { srst: true },
    allows: { massErase: false, powerCut: false },
  };
}

describe('board selection (harness/boards/select)', () => {
  it('defaults to virtual-h745 in boards.json at the repository root', () => {
    expect(resolveBoardChoice({ env: {} })).to.deep.equal({ boardsFile: DEFAULT_BOARDS_FILE, boardId: 'virtual-h745', chosenBy: 'default' });
    expect(DEFAULT_BOARD_ID).to.equal('virtual-h745');
    expect(DEFAULT_BOARDS_FILE).to.equal(join(REPO_ROOT, 'boards.json'));
  });

  it('HIL_BOARD and HIL_BOARDS choose when no flag is given', () => {
    const choice = resolveBoardChoice({ env: { HIL_BOARD: 'bench-1', HIL_BOARDS: 'lab/boards.json' } });
    expect(choice).to.deep.equal({ boardsFile: resolve('lab/boards.json'), boardId: 'bench-1', chosenBy: 'HIL_BOARD' });
  });

  it('--board and --boards win over the environment', () => {
    const choice = resolveBoardChoice({ board: 'bench-2', boards: '/etc/hil/boards.json', env: { HIL_BOARD: 'bench-1', HIL_BOARDS: 'x.json' } });
    expect(choice).to.deep.equal({ boardsFile: '/etc/hil/boards.json', boardId: 'bench-2', chosenBy: '--board' });
  });

  it('an empty HIL_BOARD counts as unset', () => {
    expect(resolveBoardChoice({ env: { HIL_BOARD: '' } }).boardId).to.equal('virtual-h745');
  });

  describe('selectBoard', () => {
    let dir: string;
    let file: string;
    beforeEach(() => {
      dir = mkdtempSync(join(tmpdir(), 'hil-select-'));
      writeFileSync(join(dir, 'a.cfg'), '# a\n');
      file = join(dir, 'boards.json');
      writeFileSync(file, JSON.stringify({ boards: [board('bench-a', 'a.cfg'), board('bench-b', 'missing.cfg')] }));
    });
    afterEach(() => rmSync(dir, { recursive: true, force: true }));

    it('returns the chosen board from the chosen file', () => {
      const { board: chosen, inventory, choice } = selectBoard({ boards: file, env: { HIL_BOARD: 'bench-a' } });
      expect(chosen.id).to.equal('bench-a');
      expect(inventory.boards).to.have.length(2);
      expect(choice.chosenBy).to.equal('HIL_BOARD');
    });

    it('an unknown id fails listing the known ids and where the id came from', () => {
      expect(() => selectBoard({ boards: file, board: 'bench-z', env: {} }))
        .to.throw(UnknownBoardError)
        .with.property('message', `unknown board "bench-z" (from --board) in ${file}; known boards: bench-a, bench-b`);
    });

    it("the chosen board's missing config fails; another board's missing config does not", () => {
      expect(() => selectBoard({ boards: file, board: 'bench-a', env: {} })).not.to.throw();
      expect(() => selectBoard({ boards: file, board: 'bench-b', env: {} }))
        .to.throw(BoardsFileError)
        .with.property('message')
        .that.includes('board "bench-b" at $.boards[1].openocd.configs[0]: file does not exist');
    });
  });
});
