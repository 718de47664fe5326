/**
 * Entry of a business-worker process, forked by the supervisor with
 * GATEHOUSE_ROLE=worker, GATEHOUSE_INDEX and GATEHOUSE_CONFIG_FILE (see
 * src/supervisor/ipc.ts) and an IPC channel. Sends {type:'ready', role:'worker',
 * linked} once; stops gracefully on SIGTERM, SIGINT, an IPC {type:'stop'} or the
 * loss of the IPC channel, then exits 0.
 */
import { readChildEnvironment } from '../config/child.js';
import { createLogger } from '../log/logger.js';
import type { SupervisorToChild, WorkerReadyMessage } from '../supervisor/ipc.js';
import { WorkerProcess } from './worker-process.js';

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
    const message: WorkerReadyMessage = { type: 'ready', role: 'worker', linked };
    process.send?.(message);
  },
});

worker.ready.catch(() => {
  // Logged by the process; a supervisor restarts it (with backoff when this repeats).
  process.exit(1);
});

let stopping = false;
function stop(why: string): void {
  if (stopping) return;
  stopping = true;
  logger.info({ why }, 'worker stopping');
  worker.stop().then(
    () => {
      logger.info('worker stopped');
      process.exit(0);
    },
    (err: unknown) => {
      logger.error({ err }, 'worker stop failed');
      process.exit(1);
    },
  );
}

process.on('SIGTERM', () => stop('SIGTERM'));
process.on('SIGINT', () => stop('SIGINT'));
process.on('message', (message: SupervisorToChild) => {
  if (typeof message === 'object' && message !== null && message.type === 'stop') stop('stop message');
});
process.on('disconnect', () => stop('supervisor gone'));
