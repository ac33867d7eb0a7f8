/** useBoardSession / withBoardSession: the per-spec fixture opens before and closes after. */
import { expect } from 'chai';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { selectBoard } from '../boards/index.js';
import { attachSessionEvidence } from '../report/evidence.js';
import type { BoardSession } from './index.js';
import { useBoardSession, withBoardSession } from './mocha.js';
import { isAlive } from './testing/process-tree.js';

const BOARD = selectBoard({ board: 'virtual-h745' }).board;

describe('useBoardSession (mocha fixture, scope suite) on the virtual board', function () {
  this.timeout(120_000);
  let lockDir: string;
  let seen: BoardSession | undefined;
  let pids: number[] = [];

  before(async () => {
    lockDir = await mkdtemp(join(tmpdir(), 'hil-mocha-locks-'));
  });
  const board = useBoardSession({
    board: () => BOARD,
    scope: 'suite',
    timeScale: 0.001,
    uart: false,
    get lockDir() {
      return lockDir;
    },
  });
  after(async () => {
    // Registered after useBoardSession's own `after`, so it runs once the session is closed.
    expect(pids.filter(isAlive)).to.deep.equal([]);
    expect((await readdir(lockDir)).filter((f) => f.endsWith('.lock'))).to.deep.equal([]);
    let error: unknown;
    try {
      await seen!.flash.jedecId();
    } catch (e) {
      error = e;
    }
    expect((error as Error).message).to.match(/OpenOCD is not running|closed/);
    await rm(lockDir, { recursive: true, force: true });
  });

  it('hands the open, health-checked session to the test', async () => {
    seen = board();
    pids = [seen.openOcdProcess!.pid!, seen.virtual!.pid];
    expect(seen.health?.ok).to.equal(true);
    expect(await seen.flash.jedecId()).to.equal('ef4020');
    await seen.flash.sectorMap({ expected: new Uint8Array(4096).fill(0xff), title: 'blank' });
    // Attaching the evidence to the running Allure test must work mid-test too.
    await attachSessionEvidence(seen, 'mid-test ');
    expect(seen.evidence.sectorMaps).to.have.length(1);
  });

  it("withBoardSession closes the session even when the body throws, and rethrows the body's error", async () => {
    let inner: BoardSession | undefined;
    let error: unknown;
    try {
      await withBoardSession(BOARD, { timeScale: 0.001, uart: false, lockDir: join(lockDir, 'inner') }, async (session) => {
        inner = session;
        throw new Error('spec body failed');
      });
    } catch (e) {
      error = e;
    }
    expect((error as Error).message).to.equal('spec body failed');
    expect(isAlive(inner!.openOcdProcess?.pid ?? inner!.virtual!.pid)).to.equal(false);
    expect(isAlive(inner!.virtual!.pid)).to.equal(false);
  });
});
