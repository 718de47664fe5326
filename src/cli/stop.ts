import { setTimeout as sleep } from 'node:timers/promises';
import type { ResolvedConfig } from '../config/types.js';
import { controlRequest } from '../control/client.js';
import { controlSocketPath } from '../control/protocol.js';
import { IMMEDIATE_STOP_MS } from '../supervisor/child-runtime.js';
import { isAlive, listPidFiles, readPidFile, type PidEntry } from '../supervisor/pid-files.js';
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
  // An app started from code (start()) runs its supervisor in a process that outlives it:
  // that supervisor is gone once its pid file is, and is never killed from here.
  let embedded: PidEntry | null = null;
  if (supervisor) {
    const answer = await ask(config, supervisor, graceful, deadlineMs);
    if ((answer as { embedded?: unknown } | null)?.embedded === true) embedded = supervisor;
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
    const alive = [...known.values()].filter((e) => (e === embedded ? readPidFile(config.runDir, e.name) === e.pid : isAlive(e.pid)));
    if (alive.length === 0) break;
    if (Date.now() > end) {
      const killed = alive.filter((e) => e !== embedded);
      for (const e of killed) kill(e.pid, 'SIGKILL');
      if (killed.length > 0) process.stderr.write(`gatehouse: killed ${killed.map((e) => `${e.name} (pid ${e.pid})`).join(', ')}: still running past the deadline\n`);
      if (embedded !== null && alive.includes(embedded)) {
        process.stderr.write(`gatehouse: ${config.name}'s supervisor runs inside process ${embedded.pid} (started from code) and did not finish stopping by the deadline; that process is left alone\n`);
      }
      await sleep(200);
      break;
    }
    await sleep(POLL_MS);
  }
  cleanRunDir(config.runDir);
  if (!options.quiet) process.stdout.write(`gatehouse: ${config.name} stopped\n`);
}

/** Asks a process to stop on its control socket (its answer), else by signal (null). */
async function ask(config: ResolvedConfig, entry: PidEntry, graceful: boolean, deadlineMs: number): Promise<unknown> {
  try {
    return await controlRequest(controlSocketPath(config.runDir, entry.name), 'stop', { graceful, deadlineMs }, 2000);
  } catch {
    // No control socket: SIGTERM is a graceful stop; a child without a supervisor stops at once on SIGINT.
    kill(entry.pid, graceful || entry.role === 'supervisor' ? 'SIGTERM' : 'SIGINT');
    return null;
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
