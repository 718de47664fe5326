import { ConfigError } from '../config/errors.js';
import { loadConfig, type ConfigOverrides } from '../config/load.js';
import type { ResolvedConfig } from '../config/types.js';
import { controlRequest } from '../control/client.js';
import { controlSocketPath, type ProcessStatus } from '../control/protocol.js';
import { listPidFiles, type PidEntry } from '../supervisor/pid-files.js';
import { CliError } from './cli-error.js';

/** Loads and validates the app's configuration; a bad one is `gatehouse: bad configuration: …`, exit 1. */
export async function openApp(app: string, overrides: ConfigOverrides): Promise<ResolvedConfig> {
  try {
    return await loadConfig(app, overrides);
  } catch (err) {
    if (err instanceof ConfigError) throw new CliError(`bad configuration: ${err.message}`, 1);
    throw err;
  }
}

/** The app's live processes according to its run directory's pid files. */
export function liveProcesses(config: ResolvedConfig): PidEntry[] {
  return listPidFiles(config.runDir).filter((e) => e.alive);
}

/** The live processes, or `gatehouse: <name> is not running` (exit 1). */
export function requireRunning(config: ResolvedConfig): PidEntry[] {
  const live = liveProcesses(config);
  if (live.length === 0) throw new CliError(`${config.name} is not running`, 1);
  return live;
}

/** A process as `status` shows it when its control socket does not answer. */
function unreachableRow(entry: PidEntry, error: string): ProcessStatus {
  return {
    role: entry.role,
    index: entry.index,
    pid: entry.pid,
    memory: 0,
    connections: 0,
    messagesIn: 0,
    messagesOut: 0,
    sendFailures: 0,
    events: 0,
    eventsPerSecond: 0,
    engine: null,
    uptime: 0,
    details: { unreachable: error },
  };
}

/** Asks every live process of the app for its status row, in parallel (unreachable ones get a row saying so). */
export async function collectStatus(config: ResolvedConfig, entries = liveProcesses(config)): Promise<ProcessStatus[]> {
  return Promise.all(
    entries.map(async (entry) => {
      try {
        return (await controlRequest(controlSocketPath(config.runDir, entry.name), 'status', {}, 3000)) as ProcessStatus;
      } catch (err) {
        return unreachableRow(entry, (err as Error).message);
      }
    }),
  );
}
