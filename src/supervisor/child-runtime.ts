/**
 * What every child process (gateway, business worker, register) does the same
 * way around its own work: its pid file, its control socket, and staying alive
 * when the supervisor dies.
 *
 * Supervisor death: a cluster worker exits by default when its IPC channel
 * closes, and a forked child used to stop. Neither is what an operator wants —
 * the gateways hold every client, the workers serve them. So children keep
 * running, and `gatehouse stop`/`status` reach them through the run directory
 * (pid files, control sockets).
 */
import { memoryUsage } from 'node:process';
import type { Logger } from '../log/logger.js';
import { controlSocketPath, processName, type ProcessStatus } from '../control/protocol.js';
import { startControlServer, type ControlHandler, type ControlServer } from '../control/server.js';
import { removeOwnPidFile, writePidFile } from './pid-files.js';

export interface StopRequest {
  graceful: boolean;
  deadlineMs: number;
}

/** The immediate stop's budget (`gatehouse stop`, IPC stop without graceful). */
export const IMMEDIATE_STOP_MS = 2000;

export interface ChildRuntimeOptions {
  runDir: string;
  role: string;
  /** null for singletons (the register). */
  index: number | null;
  logger: Logger;
  /** Milliseconds a graceful stop may take when asked by SIGTERM or without a deadline. */
  stopTimeout: number;
  /** The role's counters for `status`. */
  status(): Omit<ProcessStatus, 'role' | 'index' | 'pid' | 'memory' | 'uptime'>;
  /** Stops the process's work; the runtime exits the process when it resolves (or at its deadline). */
  stop(request: StopRequest): Promise<void>;
  /** Extra control commands (e.g. `connections` on gateways). */
  commands?: Record<string, ControlHandler>;
}

export interface ChildRuntime {
  readonly name: string;
  /** Stops (once) and exits the process: 0 when the stop finished in time, 1 otherwise. */
  stop(request: StopRequest, why: string): void;
  readonly stopping: boolean;
}

/** Sets up pid file, signals, IPC stop and keep-alive on supervisor death; the control socket starts with startControl(). */
export function startChildRuntime(opts: ChildRuntimeOptions): ChildRuntime & { startControl(): Promise<void>; reclaim(): Promise<void> } {
  const name = processName(opts.role, opts.index);
  const { logger, runDir } = opts;
  const startedAt = Date.now();
  let stopping = false;
  let control: ControlServer | null = null;

  // Survive the supervisor: drop the cluster module's "exit on disconnect".
  process.removeAllListeners('disconnect');
  process.on('disconnect', () => logger.warn('the supervisor is gone; still serving (stop with "gatehouse stop")'));

  writePidFile(runDir, name);
  process.on('exit', () => {
    try {
      removeOwnPidFile(runDir, name);
    } catch {
      /* the run directory may be gone already */
    }
  });

  const runtime = {
    name,
    get stopping() {
      return stopping;
    },
    stop(request: StopRequest, why: string): void {
      if (stopping) return;
      stopping = true;
      logger.info({ why, graceful: request.graceful, deadlineMs: request.deadlineMs }, `${opts.role} stopping`);
      const force = setTimeout(() => {
        logger.warn({ deadlineMs: request.deadlineMs }, 'stop deadline reached; exiting');
        process.exit(1);
      }, request.deadlineMs + 250);
      force.unref();
      opts.stop(request).then(
        () => process.exit(0),
        (err: unknown) => {
          logger.error({ err }, 'error while stopping');
          process.exit(1);
        },
      );
    },
    /** Writes the pid file and binds the control socket again (after a failed reload took them). */
    async reclaim(): Promise<void> {
      writePidFile(runDir, name);
      // Closing unlinks the path: close first, then bind it anew.
      if (control) await control.close();
      control = null;
      await runtime.startControl();
    },
    async startControl(): Promise<void> {
      control = await startControlServer(
        controlSocketPath(runDir, name),
        {
          status: () => {
            const own = opts.status();
            const row: ProcessStatus = {
              role: opts.role,
              index: opts.index,
              pid: process.pid,
              memory: memoryUsage.rss(),
              uptime: Math.round((Date.now() - startedAt) / 1000),
              ...own,
            };
            return row;
          },
          stop: (req) => {
            const graceful = req.graceful === true;
            const deadlineMs = typeof req.deadlineMs === 'number' && req.deadlineMs > 0 ? req.deadlineMs : graceful ? opts.stopTimeout : IMMEDIATE_STOP_MS;
            // Answer first, then stop: the caller waits for the pid to go away.
            setImmediate(() => runtime.stop({ graceful, deadlineMs }, 'stop requested on the control socket'));
            return { stopping: true, pid: process.pid, graceful, deadlineMs };
          },
          ...opts.commands,
        },
        logger,
        // A reloaded worker generation takes its index's socket over from the draining one.
        { takeOver: true },
      );
    },
  };

  const connected = (): boolean => typeof process.send === 'function' && process.connected;
  process.on('SIGTERM', () => runtime.stop({ graceful: true, deadlineMs: opts.stopTimeout }, 'SIGTERM'));
  // Ctrl-C in a terminal reaches the whole process group: while a supervisor
  // runs, it orchestrates the (graceful) stop; without one, SIGINT stops now.
  for (const signal of ['SIGINT', 'SIGHUP'] as const) {
    process.on(signal, () => {
      if (connected()) logger.debug(`${signal}: left to the supervisor`);
      else runtime.stop({ graceful: false, deadlineMs: IMMEDIATE_STOP_MS }, signal);
    });
  }
  return runtime;
}

/**
 * A child process that meets an error nobody handled logs it and exits 1: its
 * state may be broken, and the supervisor starts a fresh one.
 */
export function exitOnUncaughtErrors(logger: { fatal(obj: object, msg: string): void }): void {
  const die = (err: unknown, what: string): void => {
    logger.fatal({ err }, what);
    // pino writes synchronously to stdout by default: the line is out before exit.
    process.exit(1);
  };
  process.on('uncaughtException', (err) => die(err, 'uncaught exception'));
  process.on('unhandledRejection', (err) => die(err, 'unhandled promise rejection'));
}
