/**
 * Process-wide list of live child processes that must not outlive us: if Node exits (normally,
 * via process.exit, or on SIGINT/SIGTERM/SIGHUP) each one still registered gets SIGKILL, by its
 * own pid. Handlers are installed while the list is non-empty only.
 */

export interface KillableChild {
  readonly pid?: number | undefined;
  kill(signal?: NodeJS.Signals | number): boolean;
}

const live = new Set<KillableChild>();
const SIGNALS: readonly NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];
let installed = false;

function killAll(): void {
  for (const child of live) {
    try {
      child.kill('SIGKILL');
    } catch {
      // Already gone: nothing to do while exiting.
    }
  }
  live.clear();
}

function onExit(): void {
  killAll();
}

function onSignal(signal: NodeJS.Signals): void {
  killAll();
  uninstall();
  // If nobody else handles the signal, keep its default meaning: terminate this process.
  if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
}

function install(): void {
  if (installed) return;
  installed = true;
  process.on('exit', onExit);
  for (const s of SIGNALS) process.on(s, onSignal);
}

function uninstall(): void {
  if (!installed) return;
  installed = false;
  process.off('exit', onExit);
  for (const s of SIGNALS) process.off(s, onSignal);
}

/** Registers a child to kill if we exit; call `unregisterChild` once it has exited. */
export function registerChild(child: KillableChild): void {
  live.add(child);
  install();
}

export function unregisterChild(child: KillableChild): void {
  live.delete(child);
  if (live.size === 0) uninstall();
}

/** How many registered children are live (for tests). */
export function registeredChildCount(): number {
  return live.size;
}
