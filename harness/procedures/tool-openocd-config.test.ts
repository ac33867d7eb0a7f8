import { expect } from 'chai';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BoardRecord } from '../boards/types.js';
import { tclCommand } from '../openocd/tcl-quote.js';
import { toolOpenOcdConfig, writeToolOpenOcdConfig } from './tool-openocd-config.js';

const AWKWARD_CONFIG = '/home/lab user/boards/$HOME [rev b].cfg';

function board(openocd: Partial<BoardRecord['openocd']> = {}): BoardRecord {
  return {
    id: 'bench-7',
    kind: 'real',
    openocd: {
      configs: ['/work/fixtures/openocd/board/nucleo-h745zi-q-w25q512jv.cfg', AWKWARD_CONFIG],
      commands: ['adapter speed 4000', 'reset_config srst_only'],
      searchDirs: ['/opt/openocd scripts'],
      ...openocd,
    },
  } as unknown as BoardRecord;
}

const PRE_CONFIG = ['set VIRTUAL_BOARD_STLINK_PORT 40123', 'set QUADSPI 1'];

describe('tool OpenOCD config (harness/procedures/tool-openocd-config)', () => {
  it("starts with the harness's settings: a comment naming the board, bindto 127.0.0.1, GDB/Tcl/telnet servers disabled", () => {
    const lines = toolOpenOcdConfig(board(), PRE_CONFIG).split('\n');
    expect(lines[0]).to.match(/^# /).and.to.contain('bench-7');
    expect(lines.slice(1, 5)).to.deep.equal(['bindto 127.0.0.1', 'gdb_port disabled', 'tcl_port disabled', 'telnet_port disabled']);
  });

  it('then the pre-config lines, the search dirs, the sources in order, the board commands last, and a final newline', () => {
    const text = toolOpenOcdConfig(board(), PRE_CONFIG);
    expect(text.endsWith('\n')).to.equal(true);
    expect(text.split('\n').slice(1)).to.deep.equal([
      'bindto 127.0.0.1',
      'gdb_port disabled',
      'tcl_port disabled',
      'telnet_port disabled',
      'set VIRTUAL_BOARD_STLINK_PORT 40123',
      'set QUADSPI 1',
      tclCommand('add_script_search_dir', '/opt/openocd scripts'),
      'source /work/fixtures/openocd/board/nucleo-h745zi-q-w25q512jv.cfg',
      tclCommand('source', AWKWARD_CONFIG),
      'adapter speed 4000',
      'reset_config srst_only',
      '',
    ]);
  });

  it('the harness settings come before any pre-config line, and every source comes before any board command', () => {
    const lines = toolOpenOcdConfig(board(), PRE_CONFIG).split('\n');
    const at = (line: string): number => lines.indexOf(line);
    expect(at('telnet_port disabled')).to.be.lessThan(at(PRE_CONFIG[0]!));
    const lastSource = Math.max(...lines.flatMap((l, i) => (l.startsWith('source ') ? [i] : [])));
    expect(lastSource).to.be.lessThan(at('adapter speed 4000'));
  });

  it('a config path with a space, $ and [ is one quoted Tcl word: no variable or command substitution, no split', () => {
    const lines = toolOpenOcdConfig(board(), []).split('\n');
    const source = lines.find((l) => l.startsWith('source ') && l.includes('lab user'));
    expect(source).to.equal(tclCommand('source', AWKWARD_CONFIG));
    // Spelled out: double quotes around the whole path, $ [ ] escaped so Jim Tcl reads them literally.
    expect(source).to.equal('source "/home/lab user/boards/\\$HOME \\[rev b\\].cfg"');
  });

  it('no pre-config, no search dirs, no commands: the settings and the sources only', () => {
    const text = toolOpenOcdConfig(board({ configs: ['/cfg/a.cfg'], commands: [], searchDirs: [] }), []);
    expect(text.split('\n').slice(1)).to.deep.equal([
      'bindto 127.0.0.1',
      'gdb_port disabled',
      'tcl_port disabled',
      'telnet_port disabled',
      'source /cfg/a.cfg',
      '',
    ]);
  });

  it('writeToolOpenOcdConfig writes that text to <dir>/openocd-<board id>.cfg and returns the path', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'tool-openocd-config-'));
    try {
      const path = await writeToolOpenOcdConfig(dir, board(), PRE_CONFIG);
      expect(path).to.equal(join(dir, 'openocd-bench-7.cfg'));
      expect(await readFile(path, 'utf8')).to.equal(toolOpenOcdConfig(board(), PRE_CONFIG));
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
