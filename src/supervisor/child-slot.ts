import type { ChildProcess } from 'node:child_process';

export type ChildRole = 'register' | 'gateway' | 'worker';

/**
 * One supervised place in the process tree (a role and an index) and the
 * process currently filling it. A slot's process is restarted when it dies,
 * unless the supervisor is stopping. A reload gives a worker slot a new
 * process and drains the old one, which is then no longer the slot's and is
 * never restarted.
 */
export interface ChildSlot {
  role: ChildRole;
  /** null for the register (a singleton). */
  index: number | null;
  process: ChildProcess | null;
  pid: number | null;
  ready: boolean;
  startedAt: number;
  /** Crashes in a row that came soon after a start; drives the restart delay. */
  quickCrashes: number;
  restarts: number;
  restartTimer: NodeJS.Timeout | null;
}

export function newSlot(role: ChildRole, index: number | null): ChildSlot {
  return { role, index, process: null, pid: null, ready: false, startedAt: 0, quickCrashes: 0, restarts: 0, restartTimer: null };
}

export function slotName(slot: Pick<ChildSlot, 'role' | 'index'>): string {
  return slot.index === null ? slot.role : `${slot.role}-${slot.index}`;
}

export function isRunning(child: ChildProcess | null): child is ChildProcess {
  return child !== null && child.exitCode === null && child.signalCode === null;
}

/** Resolves when the child exits (at once if it already has). */
export function exitOf(child: ChildProcess): Promise<void> {
  if (!isRunning(child)) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

/** Sends an IPC message; falls back to a signal when the channel is gone. */
export function tell(child: ChildProcess, message: object, fallback: NodeJS.Signals = 'SIGTERM'): void {
  if (!isRunning(child)) return;
  if (child.connected) {
    try {
      child.send(message);
      return;
    } catch {
      /* fall through */
    }
  }
  child.kill(fallback);
}
