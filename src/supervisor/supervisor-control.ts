import { memoryUsage } from 'node:process';
import type { ResolvedConfig } from '../config/types.js';
import { controlSocketPath, type ProcessStatus } from '../control/protocol.js';
import { startControlServer, type ControlServer } from '../control/server.js';
import type { Logger } from '../log/logger.js';
import type { Supervisor } from './supervisor.js';

/**
 * The supervisor's control socket (`supervisor.ctl`): `status` (its own row,
 * readiness and children), `reload` (answers when the reload is done), and
 * `stop` (answers at once; the CLI then waits for every pid to go away).
 * `embedded`: the supervisor runs inside a process that outlives the app
 * (start() from code): `stop` says so, and the CLI then waits for the
 * supervisor's pid file to go, not for the process.
 */
export function startSupervisorControl(
  supervisor: Supervisor,
  config: ResolvedConfig,
  logger: Logger,
  onStopRequested: (graceful: boolean, deadlineMs: number | undefined) => void,
  embedded = false,
): Promise<ControlServer> {
  return startControlServer(
    controlSocketPath(config.runDir, 'supervisor'),
    {
      status: (): ProcessStatus => ({
        role: 'supervisor',
        index: null,
        pid: process.pid,
        memory: memoryUsage.rss(),
        connections: 0,
        messagesIn: 0,
        messagesOut: 0,
        sendFailures: 0,
        events: 0,
        eventsPerSecond: 0,
        engine: null,
        uptime: Math.round((Date.now() - supervisor.startedAt) / 1000),
        details: {
          name: config.name,
          ready: supervisor.ready,
          stopping: supervisor.stopping,
          reloading: supervisor.reloading,
          reloads: supervisor.reloads,
          embedded,
          listeners: supervisor.listeners,
          children: supervisor.children(),
        },
      }),
      reload: () => supervisor.reload(),
      stop: (req) => {
        const graceful = req.graceful === true;
        const deadlineMs = typeof req.deadlineMs === 'number' && req.deadlineMs > 0 ? req.deadlineMs : undefined;
        setImmediate(() => onStopRequested(graceful, deadlineMs));
        return { stopping: true, pid: process.pid, graceful, embedded };
      },
    },
    logger,
  );
}
