/**
 * SIGINT/SIGTERM while sessions are open: close them all (reverse teardown: OpenOCD, UART,
 * virtual board, lock), then let the signal do what it would have done. Installed only while a
 * session is open. OpenOCD children are also SIGKILLed by harness/openocd's child registry.
 */

export interface Closable {
  close(): Promise<void>;
}

const open = new Set<Closable>();
const SIGNALS: readonly NodeJS.Signals[] = ['SIGINT', 'SIGTERM'];
let installed = false;
let closing = false;

async function onSignal(signal: NodeJS.Signals): Promise<void> {
  if (closing) return;
  closing = true;
  const sessions = [...open];
  open.clear();
  await Promise.race([Promise.allSettled(sessions.map((s) => s.close())), new Promise((resolve) => setTimeout(resolve, 15_000).unref())]);
  uninstall();
  closing = false;
  // Nobody else handles it: keep the default meaning (terminate with the signal).
  if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
}

const handler = (signal: NodeJS.Signals): void => void onSignal(signal);

function install(): void {
  if (installed) return;
  installed = true;
  for (const s of SIGNALS) process.on(s, handler);
}

function uninstall(): void {
  if (!installed) return;
  installed = false;
  for (const s of SIGNALS) process.off(s, handler);
}

export function trackForSignals(session: Closable): void {
  open.add(session);
  install();
}

export function untrackForSignals(session: Closable): void {
  open.delete(session);
  if (open.size === 0 && !closing) uninstall();
}
