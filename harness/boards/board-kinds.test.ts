import { expect } from 'chai';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isNoVerdictError } from '../exit-codes.js';
import { BoardKindUnavailableError } from './board-kind-modules.js';
import { BoardStartError, registerBoardKind, startBoard, type StartedBoard } from './board-kinds.js';

const BOARD_KINDS = new URL('./board-kinds.ts', import.meta.url).href;

const stub: StartedBoard = {
  pid: 1,
  openOcdPreConfig: ['set STUB_PORT 1'],
  uart: undefined,
  relay: undefined,
  endpoints: [],
  control: undefined,
  stderr: () => '',
  stop: async () => undefined,
};

async function failure(body: () => Promise<unknown>): Promise<Error> {
  try {
    await body();
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected a failure');
}

describe('board kinds (harness/boards/board-kinds)', () => {
  let dir: string;
  let manifest: string;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'hil-board-kinds-'));
    manifest = join(dir, 'package.json');
    await writeFile(
      join(dir, 'registers.ts'),
      [
        `import { registerBoardKind } from ${JSON.stringify(BOARD_KINDS)};`,
        "registerBoardKind('listed', { start: async () => ({ pid: 2, openOcdPreConfig: ['set STUB_PORT 1'], uart: undefined, relay: undefined, endpoints: [], control: undefined, stderr: () => '', stop: async () => undefined }) });",
      ].join('\n'),
    );
    await writeFile(join(dir, 'silent.ts'), 'export const nothing = 0;\n');
    await writeFile(
      manifest,
      JSON.stringify({ type: 'module', hil: { boardKinds: { listed: './registers.ts', silent: './silent.ts', missing: './no-such-module.ts' } } }),
    );
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('a registered kind starts without looking at the manifest', async () => {
    registerBoardKind('stub', { start: async (options) => ({ ...stub, pid: options.timeScale }) });
    expect((await startBoard('stub', { timeScale: 7 }, join(dir, 'no-such-package.json'))).pid).to.equal(7);
  });

  it('an unregistered kind is loaded from the module the manifest lists for it, the first time it is needed', async () => {
    const board = await startBoard('listed', { timeScale: 1 }, manifest);
    expect(board.openOcdPreConfig).to.deep.equal(['set STUB_PORT 1']);
  });

  it('a kind the manifest does not list: no verdict, naming the kind, the manifest and the kinds it lists', async () => {
    const error = await failure(() => startBoard('unlisted', { timeScale: 1 }, manifest));
    expect(error).to.be.instanceOf(BoardKindUnavailableError);
    expect(isNoVerdictError(error)).to.equal(true);
    expect(error.message).to.include('board kind "unlisted" is not available: no module is listed for it (listed kinds: listed, silent, missing)');
    expect(error.message).to.include(manifest);
  });

  it('a module that does not load, or loads without registering the kind: no verdict naming the kind and the module', async () => {
    const missing = await failure(() => startBoard('missing', { timeScale: 1 }, manifest));
    expect(missing).to.be.instanceOf(BoardKindUnavailableError);
    expect(missing.message).to.match(/^board kind "missing" is not available: its module did not load: .*\(module \.\/no-such-module\.ts, listed in /);
    const silent = await failure(() => startBoard('silent', { timeScale: 1 }, manifest));
    expect(silent.message).to.include(
      'board kind "silent" is not available: its module loaded but did not call registerBoardKind("silent", …) (module ./silent.ts',
    );
  });

  it('a start that fails with a plain error becomes a BoardStartError (no verdict) naming the kind', async () => {
    registerBoardKind('crashes', { start: async () => Promise.reject(new TypeError('spawn ENOENT')) });
    const error = await failure(() => startBoard('crashes', { timeScale: 1 }, manifest));
    expect(error).to.be.instanceOf(BoardStartError);
    expect(isNoVerdictError(error)).to.equal(true);
    expect(error.message).to.equal('a board of kind "crashes" did not start: spawn ENOENT');
  });
});
