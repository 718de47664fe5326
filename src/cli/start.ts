import type { ConfigOverrides } from '../config/load.js';
import type { ResolvedConfig } from '../config/types.js';
import { EngineSelectionError, selectEngine } from '../gateway/engine-native/select-engine.js';
import { createLogger } from '../log/logger.js';
import { Supervisor } from '../supervisor/supervisor.js';
import { startSupervisorControl } from '../supervisor/supervisor-control.js';
import { checkEventsModule, liveProcesses, openApp } from './app-state.js';
import { CliError } from './cli-error.js';
import { startDaemon } from './daemon.js';

export interface StartOptions {
  /** `-d`: detach, log to config.logFile, return once ready. */
  daemon: boolean;
  /** Internal: this process is the detached supervisor of `start -d`. */
  daemonChild: boolean;
  /** The command line to hand to the detached supervisor (everything but -d). */
  argv: string[];
}

/** Refuses to start an app whose processes (supervisor or orphaned children) are still alive. */
export function refuseIfRunning(config: ResolvedConfig): void {
  const live = liveProcesses(config);
  if (live.length === 0) return;
  const pid = (live.find((e) => e.role === 'supervisor') ?? live[0]!).pid;
  throw new CliError(`${config.name} is already running (pid ${pid})`, 1);
}

/**
 * `engine: 'native'` that no gateway could honour (no addon, a custom
 * listener) is refused here, once, instead of by every gateway in a restart loop.
 */
export function refuseImpossibleEngine(config: ResolvedConfig): void {
  if (config.engine !== 'native') return;
  try {
    selectEngine(config);
  } catch (err) {
    if (err instanceof EngineSelectionError) throw new CliError(`${config.name} cannot start: ${err.message}`, 1);
    throw err;
  }
}

/**
 * `gatehouse start <app> [-d]`. Foreground: runs the supervisor in this
 * process until SIGINT/SIGTERM (graceful stop) or a `stop` on its control
 * socket. `-d`: see startDaemon().
 */
export async function startCommand(app: string, overrides: ConfigOverrides, options: StartOptions): Promise<void> {
  const config = await openApp(app, overrides);
  checkEventsModule(config);
  refuseImpossibleEngine(config);
  refuseIfRunning(config);
  if (options.daemon) return startDaemon(app, config, options.argv);
  await runSupervisor(config);
}

async function runSupervisor(config: ResolvedConfig): Promise<void> {
  const log = createLogger('supervisor', { app: config.name }, config.logLevel);
  const supervisor = new Supervisor(config, log);
  let exiting = false;
  const stopAndExit = (why: string, graceful: boolean, deadlineMs?: number, code = 0): void => {
    if (exiting) return;
    exiting = true;
    log.info({ why, graceful }, 'stopping');
    supervisor.stop({ graceful, deadlineMs }).then(
      () => process.exit(code),
      (err: unknown) => {
        log.error({ err }, 'stop failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => stopAndExit('SIGINT', true));
  process.on('SIGTERM', () => stopAndExit('SIGTERM', true));
  // The terminal of a foreground run went away: stop as on Ctrl-C (a daemon has no terminal).
  process.on('SIGHUP', () => stopAndExit('SIGHUP', true));
  log.info({ runDir: config.runDir, gateways: config.gateway.count, workers: config.worker.count, threads: config.worker.threads }, 'starting');
  try {
    // start() prepares the run directory synchronously, before its first await: the control socket can go there.
    const starting = supervisor.start();
    starting.catch(() => {}); // observed below
    await startSupervisorControl(supervisor, config, log, (graceful, deadlineMs) => stopAndExit('stop requested on the control socket', graceful, deadlineMs));
    await starting;
  } catch (err) {
    if (exiting) return;
    log.fatal({ err }, 'could not start');
    stopAndExit('start failed', false, undefined, 1);
  }
}
