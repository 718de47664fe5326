/**
 * The piscina task module of a business worker's pool threads. Loading it sets
 * the thread up (API backend, channel, events module, onWorkerStart); its
 * default export runs one BatchTask.
 *
 * The thread's one channel to the main thread is a MessagePort it creates here
 * and hands over once, in its first message on parentPort ('hello', which
 * piscina re-emits as the pool's 'message'): everything else either way —
 * output, completions, the end of each task, replies, start and stop — travels
 * on that port, in order. Tasks come through piscina; a task resolves with
 * nothing (its end is reported on the port, after the output it produced).
 *
 * Initialisation is a promise the tasks await, not a top-level await, so the
 * module also loads through require(esm) on Node 22+ (which piscina tries first).
 */
import { MessageChannel, parentPort, threadId, workerData } from 'node:worker_threads';
import { createLogger } from '../log/logger.js';
import type { WorkerThreadInfo } from '../types.js';
import { runClientBatch, type BatchEnvironment } from './client-batch.js';
import { loadEventsModule } from './events-module.js';
import { setGatewayApiBackend } from './gateway-api.js';
import { RunningSlots } from './running-slots.js';
import { claimToRun } from './task-claims.js';
import { ThreadApiBackend } from './thread-api-backend.js';
import type { BatchTask, MainToThread, ThreadToMain, ThreadWorkerData } from './thread-messages.js';
import { ThreadOutbox } from './thread-outbox.js';
import { hop } from '../util/hop-trace.js';

const data = workerData as ThreadWorkerData;
const { port1: port, port2: mainEnd } = new MessageChannel();
// The port must not keep the thread alive by itself (piscina ends its threads).
port.unref();
const post = (message: ThreadToMain): void => port.postMessage(message);

const logger = createLogger('thread', { index: data.processIndex, threadId }, data.logLevel);
const outbox = new ThreadOutbox(threadId, (message, transfer) => port.postMessage(message, transfer));
const backend = new ThreadApiBackend(outbox);
setGatewayApiBackend(backend);

let assignIndex: (threadIndex: number) => void = () => {};
const indexAssigned = new Promise<number>((resolve) => (assignIndex = resolve));
let threadInfo: WorkerThreadInfo | null = null;

port.on('message', (message: MainToThread): void => {
  switch (message.type) {
    case 'reply':
      backend.settle(message);
      break;
    case 'index':
      assignIndex(message.threadIndex);
      break;
    case 'stop':
      void stop();
      break;
  }
});

async function start(): Promise<BatchEnvironment> {
  try {
    parentPort!.postMessage({ type: 'hello', threadId, port: mainEnd } satisfies ThreadToMain, [mainEnd]);
    const events = await loadEventsModule(data.eventsModule);
    const threadIndex = await indexAssigned;
    threadInfo = { processIndex: data.processIndex, threadIndex, pid: process.pid };
    await events.onWorkerStart?.(threadInfo);
    outbox.flush();
    post({ type: 'started', threadId, threadIndex });
    return {
      events,
      outbox,
      logger,
      processTimeout: data.processTimeout,
      slots: new RunningSlots(data.runningSlots),
      slot: threadIndex,
    };
  } catch (err) {
    const error = err instanceof Error ? (err.stack ?? err.message) : String(err);
    post({ type: 'start-failed', threadId, error });
    throw err;
  }
}

const ready = start();
ready.catch(() => {}); // reported to the main thread above; tasks see the rejection

async function stop(): Promise<void> {
  try {
    const env = await ready;
    await env.events.onWorkerStop?.(threadInfo!);
  } catch (err) {
    if (threadInfo !== null) logger.error({ err, threadIndex: threadInfo.threadIndex }, 'onWorkerStop failed');
  }
  outbox.flush();
  post({ type: 'stopped', threadId });
}

/**
 * Runs every client of the task as its own chain (clients concurrently, each
 * client's events in order) and ends once each chain has finished or is
 * awaiting something that did not settle within this macrotask. Those chains
 * go on in the background and report their completion themselves, so an
 * awaiting handler holds neither a pool slot nor the other clients.
 *
 * Before each client, what the clients before it produced is posted, and the
 * client is claimed in the task's shared claim words: a client the main thread
 * took back (because a handler before it blocks this thread) is skipped.
 *
 * Each batch completes once ('done' on the port); the task's end is reported
 * once ('ran' on the port, after those completions, naming the batches still
 * running). The returned promise carries nothing: it only frees piscina's slot,
 * and its rejection (the thread died) is how the main thread learns of a task
 * that never ran to its end.
 */
export default async function runBatch(task: BatchTask): Promise<void> {
  hop('t.task');
  const env = await ready;
  outbox.enterTask();
  const payloads = Buffer.from(task.payloads);
  const table = new Uint32Array(task.events);
  const claims = new Int32Array(task.claims);
  const running = new Set<number>();
  const chains: Promise<void>[] = [];
  for (let k = 0; k < task.clients.length; k++) {
    const client = task.clients[k]!;
    // What the clients before this one produced goes now: should this client's
    // handler block the thread, their answers are not held behind it.
    if (k > 0) outbox.flush();
    // Not when the main thread took it back (an earlier handler here blocked): it runs elsewhere.
    if (!claimToRun(claims, k)) continue;
    running.add(client.batch);
    chains.push(
      runClientBatch(client, table, payloads, env).then(() => {
        running.delete(client.batch);
      }),
    );
  }
  let immediate: NodeJS.Immediate | undefined;
  const stalled = new Promise<void>((resolve) => (immediate = setImmediate(resolve)));
  await Promise.race([Promise.all(chains), stalled]);
  clearImmediate(immediate);
  outbox.ran(task.id, [...running]);
  outbox.leaveTask();
}
