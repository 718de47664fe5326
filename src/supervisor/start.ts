/**
 * The programmatic entry: `start(config)` runs an app's supervisor in the
 * calling process (gateways and business workers are its child processes, as
 * under `gatehouse start`) and resolves once every process is ready. The CLI's
 * `start` is a thin layer over launchApp() below.
 *
 * start() installs no signal handler: the caller owns its process, and calls
 * app.stop(). The app's control socket is served as under the CLI, so
 * `gatehouse status|connections|reload|stop <app>` work on it too (a `stop`
 * from there stops the app, not the calling process). Like any supervisor's
 * children, the gateways and workers keep serving if the calling process dies
 * without stop(); `gatehouse stop -g <app>` stops them then.
 */
import { existsSync } from 'node:fs';
import { ConfigError } from '../config/errors.js';
import { loadConfig } from '../config/load.js';
import { applyOverrides, attributeError, settingsFromEnv } from '../config/overrides.js';
import type { GatehouseConfig, ResolvedConfig } from '../config/types.js';
import { resolveConfig } from '../config/validate.js';
import { EngineSelectionError, selectEngine } from '../gateway/select-engine.js';
import { createLogger, type Logger } from '../log/logger.js';
import { listPidFiles } from './pid-files.js';
import { StartError } from './start-error.js';
import { startSupervisorControl } from './supervisor-control.js';
import { Supervisor } from './supervisor.js';

export { StartError };

export interface StartOptions {
  /**
   * With a configuration object: the directory its relative paths (events,
   * runDir, codecs) are resolved against, and whose name is the app's default
   * name. Default: the current directory. Ignored with a path.
   */
  dir?: string;
  /** GATEHOUSE_* settings are read from here (as under the CLI: they override the configuration). Default process.env. */
  env?: NodeJS.ProcessEnv;
}

export interface AppStopOptions {
  /** Let in-flight events finish and output be delivered (gateways first, then workers). Default false. */
  graceful?: boolean;
  /** Everything still running is killed at this deadline. Default: stopTimeout when graceful, about 2 s otherwise. */
  deadlineMs?: number;
}

/** A running app, as start() resolves it. */
export interface GatehouseApp {
  readonly name: string;
  /** The run directory (control sockets, pid files, link sockets). */
  readonly runDir: string;
  /** Each client listener's bound port, by listener name (the port the system chose, for a listener configured with port 0). */
  readonly ports: Readonly<Record<string, number>>;
  /** Replaces every business worker with one running the current code; no connection is dropped. */
  reload(): Promise<{ replaced: number }>;
  /** Stops every process of the app; resolves once they are gone. Calling it again returns the same promise. */
  stop(options?: AppStopOptions): Promise<void>;
}

/**
 * Starts an app: `config` is an app directory or a config file path (read as
 * `gatehouse start` reads it), or a configuration object. Rejects with a
 * ConfigError for a bad configuration (naming the setting) and a StartError
 * when the app cannot start; nothing is left running then.
 */
export async function start(config: string | GatehouseConfig, options: StartOptions = {}): Promise<GatehouseApp> {
  const env = options.env ?? process.env;
  let resolved: ResolvedConfig;
  if (typeof config === 'string') {
    resolved = await loadConfig(config, {}, env);
  } else {
    if (typeof config !== 'object' || config === null || Array.isArray(config)) {
      throw new ConfigError(`start() takes an app directory, a config file path or a configuration object (got ${config === null ? 'null' : Array.isArray(config) ? 'a list' : typeof config})`);
    }
    const overrides = settingsFromEnv(env);
    try {
      resolved = resolveConfig(applyOverrides({ ...(config as unknown as Record<string, unknown>) }, overrides), options.dir ?? process.cwd());
    } catch (err) {
      if (err instanceof ConfigError) throw attributeError(err, overrides);
      throw err;
    }
  }
  checkStartable(resolved);
  return launchApp(resolved);
}

/** The checks before anything is started: the events module exists, the engine can be had, the app is not running. */
export function checkStartable(config: ResolvedConfig): void {
  if (!existsSync(config.events)) throw new ConfigError(`events module ${config.events} does not exist`);
  if (config.engine === 'native') {
    try {
      selectEngine(config);
    } catch (err) {
      if (err instanceof EngineSelectionError) throw new StartError(`${config.name} cannot start: ${err.message}`);
      throw err;
    }
  }
  const live = listPidFiles(config.runDir).filter((e) => e.alive);
  if (live.length > 0) {
    const pid = (live.find((e) => e.role === 'supervisor') ?? live[0]!).pid;
    throw new StartError(`${config.name} is already running (pid ${pid})`);
  }
}

export interface LaunchOptions {
  logger?: Logger;
  /**
   * A `stop` arrived on the control socket (`gatehouse stop <app>`). Default:
   * the app stops. The CLI's foreground supervisor stops and exits instead.
   */
  onStopRequested?: (app: GatehouseApp, graceful: boolean, deadlineMs: number | undefined) => void;
  /** The app's handle exists (before its processes are ready): a signal meanwhile can already stop what was started. */
  onCreated?: (app: GatehouseApp) => void;
  /** This process outlives the app (start() from code; default). The CLI's supervisor exits with it: false. */
  embedded?: boolean;
}

/** Runs a resolved configuration's supervisor in this process; resolves once every process is ready. */
export async function launchApp(config: ResolvedConfig, options: LaunchOptions = {}): Promise<GatehouseApp> {
  const log = options.logger ?? createLogger('supervisor', { app: config.name }, config.logLevel);
  const supervisor = new Supervisor(config, log);
  let stopping: Promise<void> | null = null;
  let control: { close(): Promise<void> } | null = null;
  const app: GatehouseApp = {
    name: config.name,
    runDir: config.runDir,
    get ports() {
      return Object.fromEntries(supervisor.listeners.map((l) => [l.name, l.port]));
    },
    reload: () => supervisor.reload(),
    stop(stopOptions: AppStopOptions = {}) {
      stopping ??= (async () => {
        try {
          await supervisor.stop(stopOptions);
        } finally {
          await control?.close();
        }
      })();
      return stopping;
    },
  };
  options.onCreated?.(app);
  const onStopRequested = options.onStopRequested ?? ((a, graceful, deadlineMs) => void a.stop({ graceful, deadlineMs }).catch((err: unknown) => log.error({ err }, 'stop failed')));
  log.info({ runDir: config.runDir, gateways: config.gateway.count, workers: config.worker.count, threads: config.worker.threads }, 'starting');
  // start() prepares the run directory synchronously, before its first await: the control socket can go there.
  const starting = supervisor.start();
  starting.catch(() => {}); // observed below
  try {
    control = await startSupervisorControl(supervisor, config, log, (graceful, deadlineMs) => onStopRequested(app, graceful, deadlineMs), options.embedded ?? true);
    await starting;
  } catch (err) {
    if (!supervisor.stopping) log.fatal({ err }, 'could not start');
    await app.stop().catch(() => {});
    throw err instanceof Error && !(err instanceof ConfigError) ? new StartError(`${config.name} did not start: ${err.message}`, { cause: err }) : err;
  }
  return app;
}
