import type { ConfigOverrides } from '../config/load.js';
import { ConfigError } from '../config/errors.js';
import type { ResolvedConfig } from '../config/types.js';
import { createLogger } from '../log/logger.js';
import { checkStartable, launchApp, StartError, type GatehouseApp } from '../supervisor/start.js';
import { openApp } from './app-state.js';
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

/**
 * `gatehouse start <app> [-d]`, over the programmatic start (src/supervisor/start.ts).
 * Foreground: runs the app in this process until SIGINT/SIGTERM/SIGHUP
 * (graceful stop) or a `stop` on its control socket, then exits. `-d`: see
 * startDaemon(). What cannot start is `gatehouse: <reason>`, exit 1.
 */
export async function startCommand(app: string, overrides: ConfigOverrides, options: StartOptions): Promise<void> {
  const config = await openApp(app, overrides);
  try {
    checkStartable(config);
  } catch (err) {
    if (err instanceof ConfigError) throw new CliError(`bad configuration: ${err.message}`, 1);
    if (err instanceof StartError) throw new CliError(err.message, 1);
    throw err;
  }
  if (options.daemon) return startDaemon(app, config, options.argv);
  await runForeground(config);
}

async function runForeground(config: ResolvedConfig): Promise<void> {
  const log = createLogger('supervisor', { app: config.name }, config.logLevel);
  let exiting = false;
  let app: GatehouseApp | null = null;
  const stopAndExit = (why: string, graceful: boolean, deadlineMs?: number, code = 0): void => {
    if (exiting) return;
    exiting = true;
    log.info({ why, graceful }, 'stopping');
    (app?.stop({ graceful, deadlineMs }) ?? Promise.resolve()).then(
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
  try {
    await launchApp(config, {
      logger: log,
      embedded: false,
      onCreated: (a) => (app = a),
      onStopRequested: (_a, graceful, deadlineMs) => stopAndExit('stop requested on the control socket', graceful, deadlineMs),
    });
  } catch {
    // launchApp logged why and stopped what it had started.
    if (!exiting) {
      exiting = true;
      process.exit(1);
    }
  }
}
