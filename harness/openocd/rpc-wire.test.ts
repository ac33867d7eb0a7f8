import { expect } from 'chai';
import { isNotificationFrame, parseNotification } from './notifications.js';
import { decodeReply, isSuccessCode, RPC_PROC_DEFINITION, wrapCommand } from './rpc-wire.js';

/** Builds a reply frame the way the proc in RPC_PROC_DEFINITION does. */
function replyFrame(code: number, body: Buffer): Buffer {
  const escaped: number[] = [];
  for (const b of body) {
    if (b === 0x1b) escaped.push(0x1b, 0x1b);
    else if (b === 0x1a) escaped.push(0x1b, 0x7a);
    else escaped.push(b);
  }
  return Buffer.concat([Buffer.from(`\x02${code} ${escaped.length} `, 'latin1'), Buffer.from(escaped)]);
}

describe('rpc-wire: reply encoding on top of the Tcl server', () => {
  it('the wrapper proc definition contains no frame terminator and no NUL', () => {
    expect(RPC_PROC_DEFINITION.includes('\x00') || RPC_PROC_DEFINITION.includes('\x1a')).to.equal(false);
  });

  it('a wrapped command is the proc name and one quoted word', () => {
    expect(wrapCommand('version')).to.equal('__hil_rpc version');
    expect(wrapCommand('flash info 0')).to.equal('__hil_rpc "flash info 0"');
  });

  it('decodes code, length and UTF-8 body', () => {
    expect(decodeReply(replyFrame(0, Buffer.from('Open On-Chip Debugger 0.12.0')))).to.deep.equal({
      ok: true,
      code: 0,
      text: 'Open On-Chip Debugger 0.12.0',
    });
    expect(decodeReply(replyFrame(1, Buffer.from('ünïcode 😀')))).to.deep.equal({ ok: true, code: 1, text: 'ünïcode 😀' });
  });

  it('negative return codes (shutdown gives -600) decode', () => {
    expect(decodeReply(Buffer.from('\x02-600 0 ', 'latin1'))).to.deep.equal({ ok: true, code: -600, text: '' });
  });

  it('0x1a and 0x1b inside a result round-trip through the escape', () => {
    const body = Buffer.from([0x41, 0x1a, 0x1b, 0x1b, 0x7a, 0x1a, 0x00]);
    const decoded = decodeReply(replyFrame(0, body));
    expect(decoded.ok && Buffer.from(decoded.text, 'latin1').equals(body)).to.equal(true);
  });

  it('a body shorter than its header says is reported, not accepted', () => {
    const r = decodeReply(Buffer.from('\x020 10 short', 'latin1'));
    expect(r).to.deep.equal({ ok: false, problem: 'body is 5 bytes, header says 10' });
  });

  it('frames without the marker or with bad fields are malformed', () => {
    expect(decodeReply(Buffer.from('hello')).ok).to.equal(false);
    expect(decodeReply(Buffer.from('\x02x 1 a')).ok).to.equal(false);
    expect(decodeReply(Buffer.from('\x020 1a')).ok).to.equal(false);
    expect(decodeReply(Buffer.from('\x020 2 \x1bq')).ok).to.equal(false);
  });

  it('return codes 0 (ok) and 2 (return) are success, 1 (error) is not', () => {
    expect([0, 1, 2, 3, -600].map(isSuccessCode)).to.deep.equal([true, false, true, false, false]);
  });
});

describe('notifications: tcl_server.c v0.12.0 formats', () => {
  it('"type target_event event halted\\r\\n" is a target_event', () => {
    const f = Buffer.from('type target_event event halted\r\n');
    expect(isNotificationFrame(f)).to.equal(true);
    expect(parseNotification(f)).to.deep.equal({ type: 'target_event', event: 'halted', raw: 'type target_event event halted\r\n' });
  });

  it('target_state and target_reset carry state and mode', () => {
    expect(parseNotification(Buffer.from('type target_state state halted\r\n'))).to.include({ type: 'target_state', state: 'halted' });
    expect(parseNotification(Buffer.from('type target_reset mode init\r\n'))).to.include({ type: 'target_reset', mode: 'init' });
  });

  it('target_trace data is hex bytes', () => {
    const n = parseNotification(Buffer.from('type target_trace data 00ff10\r\n'));
    expect(n.type).to.equal('target_trace');
    expect(n.type === 'target_trace' && [...n.data]).to.deep.equal([0, 255, 16]);
  });

  it('an unknown type is kept as unknown, not dropped', () => {
    expect(parseNotification(Buffer.from('type gdb_event x\r\n'))).to.deep.equal({ type: 'unknown', raw: 'type gdb_event x\r\n' });
  });

  it('reply frames are never notification frames', () => {
    expect(isNotificationFrame(Buffer.from('\x020 5 type '))).to.equal(false);
    expect(isNotificationFrame(Buffer.from('typ'))).to.equal(false);
  });
});
