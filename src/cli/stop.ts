import { setTimeout as sleep } from 'node:timers/promises';
import type { ResolvedConfig } from '../config/types.js';
import { controlRequest } from '../control/client.js';
import { controlSocketPath } from '../control/protocol.js';
import { IMMEDIATE_STOP_MS } from '../supervisor/child-runtime.js';
import { isAlive, listPidFiles, type PidEntry } from '../supervisor/pid-files.js';
import { cleanRunDir } from '../supervisor/run-dir.js';
import { requireRunning } from './app-state.js';

/** Beyond the stop deadline, how long we wait for the processes before killing them. */
const EXIT_MARGIN_MS = 3000;
const POLL_MS = 50;

/**
 * `gatehouse stop <app> [-g]`: asks the supervisor (its control socket, else
 * SIGTERM) to stop everything; without a supervisor (it died), stops the
 * orphaned children itself — gateways first when graceful, then workers, then
 * the register. Returns once every process of the app is gone; whatever is
 * still alive past the deadline is killed.
 */
export async function stopCommand(config: ResolvedConfig, graceful: boolean, options: { quiet?: boolean } = {}): Promise<void> {
  const live = requireRunning(config);
  const deadlineMs = graceful ? config.stopTimeout : IMMEDIATE_STOP_MS;
  const end = Date.now() + deadlineMs + EXIT_MARGIN_MS;
  const known = new Map(live.map((e) => [e.pid, e]));
  const supervisor = live.find((e) => e.role === 'supervisor');
  if (supervisor) {
    await ask(config, supervisor, graceful, deadlineMs);
  } else {
    const stages = graceful ? [['gateway'], ['worker'], null] : [null];
    for (const roles of stages) {
      const group = live.filter((e) => e.role !== 'supervisor' && (roles === null || roles.includes(e.role)) && isAlive(e.pid));
      for (const e of group) await ask(config, e, graceful, Math.max(500, end - EXIT_MARGIN_MS - Date.now()));
      await waitGone(group, end);
    }
  }
  // Pid files appear for processes started meanwhile (a restart in flight): include them.
  for (;;) {
    for (const e of listPidFiles(config.runDir)) if (e.alive && !known.has(e.pid)) known.set(e.pid, e);
    const alive = [...known.values()].filter((e) => isAlive(e.pid));
    if (alive.length === 0) break;
    if (Date.now() > end) {
      for (const e of alive) kill(e.pid, 'SIGKILL');
      process.stderr.write(`gatehouse: killed ${alive.map((e) => `${e.name} (pid ${e.pid})`).join(', ')}: still running past the deadline\n`);
      await sleep(200);
      break;
    }
    await sleep(POLL_MS);
  }
  cleanRunDir(config.runDir);
  if (!options.quiet) process.stdout.write(`gatehouse: ${config.name} stopped\n`);
}

async function ask(config: ResolvedConfig, entry: PidEntry, graceful: boolean, deadlineMs: number): Promise<void> {
  try {
    await controlRequest(controlSocketPath(config.runDir, entry.name), 'stop', { graceful, deadlineMs }, 2000);
  } catch {
    // No control socket: SIGTERM is a graceful stop; a child without a supervisor stops at once on SIGINT.
    kill(entry.pid, graceful || entry.role === 'supervisor' ? 'SIGTERM' : 'SIGINT');
  }
}

async function waitGone(entries: PidEntry[], end: number): Promise<void> {
  while (entries.some((e) => isAlive(e.pid)) && Date.now() < end) await sleep(POLL_MS);
}

function kill(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(pid, signal);
  } catch {
    /* gone */
  }
}
