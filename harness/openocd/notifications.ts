/**
 * Asynchronous frames of OpenOCD's Tcl server, sent after `tcl_notifications on` (and
 * `tcl_trace on`) between command replies, with the same 0x1a terminator. Formats from
 * OpenOCD v0.12.0 src/server/tcl_server.c:
 *   "type target_event event %s\r\n"  (target_event_name(), e.g. halted, resumed, reset-start)
 *   "type target_state state %s\r\n"  (target_state_name(), e.g. running, halted, reset)
 *   "type target_reset mode %s\r\n"   (target_reset_mode_name(): run, halt, init)
 *   "type target_trace data %s\r\n"   (hex of the trace bytes)
 * They do not name the target: with several targets, ask OpenOCD which one changed.
 */

export type OpenOcdNotification =
  | { readonly type: 'target_event'; readonly event: string; readonly raw: string }
  | { readonly type: 'target_state'; readonly state: string; readonly raw: string }
  | { readonly type: 'target_reset'; readonly mode: string; readonly raw: string }
  | { readonly type: 'target_trace'; readonly data: Uint8Array; readonly raw: string }
  /** A `type …` frame of a kind OpenOCD 0.12 does not send; kept rather than dropped. */
  | { readonly type: 'unknown'; readonly raw: string };

/** Every notification frame starts with these bytes; our replies never do (see rpc-wire.ts). */
export const NOTIFICATION_PREFIX = Buffer.from('type ', 'latin1');

/** Whether `frame[start..end)` (whole buffer by default) is a notification frame. */
export function isNotificationFrame(frame: Buffer, start = 0, end = frame.length): boolean {
  return end - start >= 5 && frame[start] === 0x74 && frame.compare(NOTIFICATION_PREFIX, 0, 5, start, start + 5) === 0;
}

const NOTIFICATION = /^type (target_event event|target_state state|target_reset mode|target_trace data) (\S*)\s*$/;

export function parseNotification(frame: Buffer): OpenOcdNotification {
  const raw = frame.toString('utf8');
  const m = NOTIFICATION.exec(raw);
  if (!m) return { type: 'unknown', raw };
  const value = m[2] ?? '';
  switch (m[1]) {
    case 'target_event event':
      return { type: 'target_event', event: value, raw };
    case 'target_state state':
      return { type: 'target_state', state: value, raw };
    case 'target_reset mode':
      return { type: 'target_reset', mode: value, raw };
    default: {
      if (!/^(?:[0-9a-fA-F]{2})*$/.test(value)) return { type: 'unknown', raw };
      return { type: 'target_trace', data: Uint8Array.from(Buffer.from(value, 'hex')), raw };
    }
  }
}
