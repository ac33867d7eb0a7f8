/**
 * Meta: spec 6 writes non-volatile block-protect bits and must put them back. A write-back that
 * does not take is no verdict, loudly: the error names the board, the register, what it reads
 * and what it should, and keeps the case's own outcome. Runs on a stand-in session (no board):
 * a real chip that refuses the write cannot be conjured on demand.
 */
import { expect } from 'chai';
import { classifyFailure } from '../../harness/exit-codes.js';
import { labels } from '../../harness/report/index.js';
import { restoreSr1, StatusNotRestoredError, type StatusRestoreSession } from '../support/status-restore.js';

interface StandIn extends StatusRestoreSession {
  readonly sent: number[][];
  reconnects: number;
}

/** A session whose chip keeps SR1 as the stand-in says: `sticks` false = the write does not take. */
function standIn(options: { sr1: number; sticks: boolean; broken?: unknown; writeFails?: Error }): StandIn {
  let sr1 = options.sr1;
  const session: StandIn = {
    board: { id: 'farm-7', qspi: { bank: 'stm32h7x.qspi' } },
    broken: options.broken,
    interrupted: undefined,
    sent: [],
    reconnects: 0,
    async reconnect() {
      session.reconnects++;
    },
    openocd: {
      async stmqspiCmd(_bank, _responseBytes, op, ...bytes) {
        if (options.writeFails && op === 0x01) throw options.writeFails;
        session.sent.push([op, ...bytes]);
        if (op === 0x01 && options.sticks) sr1 = bytes[0]!;
        return new Uint8Array();
      },
    },
    flash: {
      async status() {
        return { sr1, busy: false };
      },
    },
  };
  return session;
}

async function failureOf(body: Promise<unknown>): Promise<StatusNotRestoredError> {
  try {
    await body;
  } catch (error) {
    expect(error).to.be.instanceOf(StatusNotRestoredError);
    return error as StatusNotRestoredError;
  }
  throw new Error('expected the restore to fail');
}

describe('Meta: a failed restore of non-volatile status bits is broken, loudly (spec 6)', function () {
  beforeEach(async () => labels({ epic: 'meta', feature: 'status restore', severity: 'critical' }));

  it('a write-back that takes: 06h, then 01h with the value, read back equal; nothing thrown', async () => {
    const session = standIn({ sr1: 0x3c, sticks: true });
    await restoreSr1(session, 0x00, 'block-protect bits set');
    expect(session.sent).to.deep.equal([[0x06], [0x01, 0x00]]);
  });

  it('a write-back that does not take: no verdict naming the board, SR1, the value left and the value wanted, with the case outcome kept', async () => {
    const session = standIn({ sr1: 0x3c, sticks: false });
    const error = await failureOf(restoreSr1(session, 0x00, 'block-protect bits set', new Error('flash not cleared: 3 sectors stale')));
    expect(classifyFailure(error)).to.equal('broken');
    expect([error.boardId, error.register, error.left, error.wanted]).to.deep.equal(['farm-7', 'SR1', 0x3c, 0x00]);
    expect(error.message)
      .to.include('board farm-7: status register SR1 not restored: after "block-protect bits set" it reads 0x3c')
      .and.include('wanted 0x00')
      .and.include('the case itself had ended with: flash not cleared: 3 sectors stale')
      .and.include('stmqspi cmd stm32h7x.qspi 0 0x01 0x00');
  });

  it('a write-back that cannot be sent (OpenOCD died): no verdict, saying SR1 keeps what the case wrote', async () => {
    const session = standIn({ sr1: 0x3c, sticks: true, writeFails: new Error('OpenOCD is not running') });
    const error = await failureOf(restoreSr1(session, 0x00, 'block-protect bits set'));
    expect(error.left).to.equal(undefined);
    expect(error.message).to.include('the write-back failed (OpenOCD is not running), so SR1 keeps what the case wrote');
  });

  it('a case that left the session broken: the restore reconnects first, then writes back', async () => {
    const session = standIn({ sr1: 0x3c, sticks: true, broken: new Error('OpenOCD died') });
    await restoreSr1(session, 0x00, 'block-protect bits set');
    expect(session.reconnects).to.equal(1);
    expect(session.sent).to.deep.equal([[0x06], [0x01, 0x00]]);
  });
});
