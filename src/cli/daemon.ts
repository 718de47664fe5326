import { spawn } from 'node:child_process';
import { closeSync, fstatSync, mkdirSync, openSync, readSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import type { ResolvedConfig } from '../config/types.js';
import { controlRequest } from '../control/client.js';
import { controlSocketPath, type ProcessStatus } from '../control/protocol.js';
import { prepareRunDir } from '../supervisor/run-dir.js';
import { CliError } from './cli-error.js';

const CLI_ENTRY = fileURLToPath(new URL('./main.js', import.meta.url));
/** How long `start -d` waits for every process to be ready. */
export const DAEMON_READY_TIMEOUT_MS = 30_000;
const POLL_MS = 100;
const LOG_TAIL_LINES = 20;

interface ChildInfo {
  name: string;
  restarts: number;
}

/**
 * `gatehouse start <app> -d`: starts the supervisor detached (its own
 * session, stdin closed, stdout/stderr appended to config.logFile as JSON
 * lines) and returns once every process is ready, or fails with the reason and
 * the log's last lines — a child that dies before it is ready, the supervisor
 * exiting, or no readiness within 30 s — after stopping what was started.
 */
export async function startDaemon(app: string, config: ResolvedConfig, argv: string[]): Promise<void> {
  let logFd: number;
  try {
    prepareRunDir(config.runDir);
    mkdirSync(dirname(config.logFile), { recursive: true, mode: 0o700 });
    logFd = openSync(config.logFile, 'a', 0o600);
  } catch (err) {
    throw new CliError(`${config.name} did not start: ${(err as Error).message}`, 1);
  }
  const logStart = fstatSync(logFd).size;
  const child = spawn(process.execPath, [CLI_ENTRY, 'start', resolve(app), ...argv, '--daemon-child'], {
    detached: true,
    stdio: ['ignore', logFd, logFd],
    env: { ...process.env, GATEHOUSE_LOG_PRETTY: '0' },
  });
  closeSync(logFd);
  let exited: string | null = null;
  child.once('exit', (code, signal) => (exited = signal ? `signal ${signal}` : `code ${code}`));
  child.once('error', (err) => (exited = err.message));

  const fail = async (why: string): Promise<never> => {
    await abandon(config, child.pid);
    const tail = readLogTail(config.logFile, logStart, LOG_TAIL_LINES);
    throw new CliError(`${config.name} did not start: ${why}${tail ? `\nlast lines of ${config.logFile}:\n${tail}` : ''}`, 1);
  };

  const deadline = Date.now() + DAEMON_READY_TIMEOUT_MS;
  const ctl = controlSocketPath(config.runDir, 'supervisor');
  for (;;) {
    if (exited !== null) return fail(`the supervisor exited (${exited}) before every process was ready`);
    if (Date.now() > deadline) return fail(`not every process was ready within ${DAEMON_READY_TIMEOUT_MS / 1000} s`);
    let status: ProcessStatus | null = null;
    try {
      status = (await controlRequest(ctl, 'status', {}, 1000)) as ProcessStatus;
    } catch {
      /* not listening yet */
    }
    const details = status?.details as { ready?: boolean; children?: ChildInfo[] } | undefined;
    if (details?.ready) break;
    const crashed = details?.children?.find((c) => c.restarts > 0);
    if (crashed) return fail(`${crashed.name} exited before it was ready`);
    await sleep(POLL_MS);
  }
  child.unref();
  process.stdout.write(`gatehouse: ${config.name} started (pid ${child.pid}); log: ${config.logFile}\n`);
}

/** Stops a daemon that failed to start: asks, then kills its whole session. */
async function abandon(config: ResolvedConfig, pid: number | undefined): Promise<void> {
  if (pid === undefined) return;
  try {
    await controlRequest(controlSocketPath(config.runDir, 'supervisor'), 'stop', { graceful: false }, 1000);
    for (let i = 0; i < 30 && groupAlive(pid); i++) await sleep(100);
  } catch {
    /* not answering: kill below */
  }
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    /* gone */
  }
}

function groupAlive(pid: number): boolean {
  try {
    process.kill(-pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** The last lines the daemon wrote to its log since `from`. */
export function readLogTail(file: string, from: number, lines: number): string {
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch {
    return '';
  }
  try {
    const size = fstatSync(fd).size;
    const start = Math.max(from, size - 64 * 1024);
    const buf = Buffer.alloc(Math.max(0, size - start));
    readSync(fd, buf, 0, buf.length, start);
    return buf.toString('utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } finally {
    closeSync(fd);
  }
}
