/**
 * Entry of a business-worker process, forked by the supervisor with
 * GATEHOUSE_ROLE=worker, GATEHOUSE_INDEX and GATEHOUSE_CONFIG_FILE (see
 * src/supervisor/ipc.ts) and an IPC channel. Writes `worker-<i>.pid`, serves
 * `worker-<i>.ctl` (taken over from a draining predecessor of the same index on
 * reload) and sends {type:'ready', role:'worker', linked} once.
 *
 * Stops on IPC {type:'stop', graceful?, deadlineMs?}, the control socket's
 * `stop`, SIGTERM (graceful, stopTimeout) and — only without a supervisor —
 * SIGINT. IPC {type:'drain', deadlineMs} (reload) drains every link, then
 * stops and exits 0. It keeps serving when the supervisor dies.
 */
import { readChildEnvironment } from '../config/child.js';
import { EventRate } from '../control/event-rate.js';
import { createLogger } from '../log/logger.js';
import { IMMEDIATE_STOP_MS, startChildRuntime } from '../supervisor/child-runtime.js';
import type { SupervisorToChild, WorkerReadyMessage } from '../supervisor/ipc.js';
import { WorkerProcess } from './worker-process.js';

/** Time kept after a drain, within its deadline, for onWorkerStop and closing the pool. */
const AFTER_DRAIN_MS = 2000;

const { index, config } = readChildEnvironment('worker');
const logger = createLogger('worker', { index });

process.on('uncaughtException', (err) => {
  logger.fatal({ err }, 'uncaught exception in the worker main thread');
  process.exit(1);
});

const worker = new WorkerProcess({
  index,
  config,
  logger,
  onReady: (linked) => {
    void runtime.startControl().then(
      () => {
        const message: WorkerReadyMessage = { type: 'ready', role: 'worker', linked };
        if (process.connected) process.send?.(message);
      },
      (err: unknown) => {
        logger.fatal({ err }, 'cannot serve the control socket');
        process.exit(1);
      },
    );
  },
});

const rate = new EventRate(() => {
  const s = worker.stats();
  return s.eventsHandled + s.eventsFailed;
});

const runtime = startChildRuntime({
  runDir: config.runDir,
  role: 'worker',
  index,
  logger,
  stopTimeout: config.stopTimeout,
  status: () => {
    const s = worker.stats();
    return {
      connections: s.links,
      messagesIn: s.eventsReceived,
      messagesOut: s.eventsHandled,
      sendFailures: s.unroutable,
      events: s.eventsHandled + s.eventsFailed,
      eventsPerSecond: rate.perSecond,
      engine: null,
      details: { ...s },
    };
  },
  stop: async (request) => {
    await worker.stop({ graceful: request.graceful, deadlineMs: Math.max(200, request.deadlineMs - 200) });
    logger.info('worker stopped');
  },
});

worker.ready.catch(() => {
  // Logged by the process; a supervisor restarts it (with backoff when this repeats).
  process.exit(1);
});

process.on('message', (message: SupervisorToChild) => {
  if (typeof message !== 'object' || message === null) return;
  if (message.type === 'stop') {
    const graceful = message.graceful === true;
    runtime.stop({ graceful, deadlineMs: message.deadlineMs ?? (graceful ? config.stopTimeout : IMMEDIATE_STOP_MS) }, 'stop message');
  } else if (message.type === 'reclaim') {
    runtime.reclaim().catch((err: unknown) => logger.error({ err }, 'could not take back the pid file and control socket'));
  } else if (message.type === 'drain') {
    // Reload: the gateways move our clients to the new generation; we finish
    // what we hold, then stop like a graceful stop (nothing left to drain).
    const total = Math.max(AFTER_DRAIN_MS * 2, message.deadlineMs);
    runtime.stop({ graceful: true, deadlineMs: total }, 'drain (reload)');
  }
});
