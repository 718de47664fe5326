import type { MessagePort, Worker } from 'node:worker_threads';
import { Piscina } from 'piscina';
import type { Logger } from '../log/logger.js';
import { RunningSlots } from './running-slots.js';
import {
  isThreadToMain,
  type BatchTask,
  type MainToThread,
  type OutputMessage,
  type ThreadWorkerData,
} from './thread-messages.js';
import { hop, hopTraceOn } from '../util/hop-trace.js';

/** How long a dead thread's channel may take to deliver what the thread posted. */
const CHANNEL_DRAIN_MS = 1000;

export interface ThreadPoolOptions {
  threads: number;
  processIndex: number;
  eventsModule: string;
  logLevel: string;
  processTimeout: number;
  logger: Logger;
  onOutput(message: OutputMessage): void;
  /** A thread exited (crashed, or was terminated); piscina starts a replacement. */
  onThreadExit(threadId: number, reason: string): void;
  /** A thread could not load the events module or its onWorkerStart threw. */
  onStartFailed(threadId: number, error: string): void;
  /**
   * V8 heap limit of each thread in MiB (resourceLimits.maxOldGenerationSizeMb):
   * a handler that exhausts it ends its thread (ERR_WORKER_OUT_OF_MEMORY), not
   * the process. Default: Node's own limit.
   */
  threadMemoryMb?: number;
}

/**
 * The process's piscina pool with a fixed number of threads, and the per-thread
 * plumbing around it: thread indexes (0..T-1, assigned as threads announce
 * themselves, a freed index reused by the replacement thread), each thread's
 * one channel (the MessagePort it sends in its 'hello'; see thread-messages.ts),
 * and the start/stop of the app in each thread. A stuck thread is ended through
 * the pool's public `threads` list.
 *
 * Atomics are disabled: in piscina's default mode an idle thread sleeps in
 * Atomics.wait(), which would freeze handlers still awaiting in the background,
 * timers set by onWorkerStart and query replies.
 */
export class ThreadPool {
  readonly slots: RunningSlots;
  readonly threads: number;
  readonly #opts: ThreadPoolOptions;
  readonly #pool: Piscina<BatchTask, void>;
  readonly #indexOf = new Map<number, number>();
  readonly #channels = new Map<number, MessagePort>();
  readonly #started = new Set<number>();
  #allStarted: () => void = () => {};
  #stopWaiters = new Map<number, () => void>();
  #stopping = false;
  /** Threads that exited or failed and whose channel has not delivered everything yet. */
  readonly #ending = new Map<number, { exited: boolean; closed: boolean; reason: string }>();
  #endedWaiters: (() => void)[] = [];
  /** Threads that exited (crashed, ran out of memory, or were terminated when stuck) and were replaced. */
  threadsReplaced = 0;
  /** Resolves once every thread ran onWorkerStart. */
  readonly started: Promise<void>;

  constructor(opts: ThreadPoolOptions) {
    this.#opts = opts;
    this.threads = opts.threads;
    this.slots = new RunningSlots(opts.threads);
    this.started = new Promise((resolve) => (this.#allStarted = resolve));
    const workerData: ThreadWorkerData = {
      processIndex: opts.processIndex,
      eventsModule: opts.eventsModule,
      logLevel: opts.logLevel,
      processTimeout: opts.processTimeout,
      runningSlots: this.slots.buffer,
    };
    this.#pool = new Piscina<BatchTask, void>({
      filename: new URL('./thread.js', import.meta.url).href,
      minThreads: opts.threads,
      maxThreads: opts.threads,
      idleTimeout: Infinity,
      atomics: 'disabled',
      recordTiming: false,
      workerData,
      ...(opts.threadMemoryMb === undefined ? {} : { resourceLimits: { maxOldGenerationSizeMb: opts.threadMemoryMb } }),
    });
    // A thread's only message on parentPort: its hello, with its channel.
    this.#pool.on('message', (message: unknown) => {
      if (isThreadToMain(message) && message.type === 'hello') this.#onHello(message.threadId, message.port);
    });
    // Without tasks, a thread's crash is reported here (with tasks, they reject).
    this.#pool.on('error', (err: unknown) => opts.logger.error({ err }, 'a pool thread failed'));
  }

  /** The index of a running thread, or -1. */
  indexOf(threadId: number): number {
    return this.#indexOf.get(threadId) ?? -1;
  }

  /**
   * Resolves when piscina has the task's (empty) result. Rejects when the task
   * did not run to its end (its thread died, or the thread could not start) —
   * but only after every dying thread's channel delivered what the thread had
   * posted: piscina rejects on the thread's exit, while the thread's last
   * completions may still be on their way (see #onThreadGone).
   */
  run(task: BatchTask, transfer: ArrayBuffer[]): Promise<void> {
    hop('w.run');
    const result = this.#pool.run(task, { transferList: transfer }).catch(async (err: unknown) => {
      await this.#noThreadEnding();
      throw err;
    });
    if (!hopTraceOn) return result;
    return result.then(() => hop('w.result'));
  }

  /**
   * Terminates the thread with this index (its handler blocks it past
   * processTimeout): its tasks reject and piscina starts a replacement, which
   * gets the same index. Returns false when no thread has that index.
   */
  terminate(threadIndex: number): boolean {
    for (const [threadId, index] of this.#indexOf) {
      if (index !== threadIndex) continue;
      const worker = (this.#pool.threads as Worker[]).find((w) => w.threadId === threadId);
      if (worker === undefined) return false;
      void worker.terminate();
      return true;
    }
    return false;
  }

  send(threadId: number, message: MainToThread): void {
    this.#channels.get(threadId)?.postMessage(message);
  }

  /** Runs onWorkerStop in every thread (waiting at most timeoutMs), then ends the threads. */
  async stop(timeoutMs: number): Promise<void> {
    this.#stopping = true;
    const waits: Promise<void>[] = [];
    for (const threadId of this.#channels.keys()) {
      waits.push(new Promise<void>((resolve) => this.#stopWaiters.set(threadId, resolve)));
      this.send(threadId, { type: 'stop' });
    }
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), timeoutMs)));
    const finished = await Promise.race([Promise.all(waits).then(() => true), timedOut]);
    clearTimeout(timer);
    if (!finished) this.#opts.logger.warn({ timeoutMs }, 'onWorkerStop did not finish in every thread in time');
    await this.#pool.destroy();
    for (const channel of this.#channels.values()) channel.close();
    this.#channels.clear();
  }

  #onMessage(message: unknown): void {
    if (!isThreadToMain(message)) return;
    switch (message.type) {
      case 'output':
        this.#opts.onOutput(message);
        return;
      case 'hello':
        return; // only on parentPort
      case 'started':
        this.#started.add(message.threadId);
        if (this.#started.size >= this.threads) this.#allStarted();
        return;
      case 'start-failed':
        this.#opts.onStartFailed(message.threadId, message.error);
        return;
      case 'stopped':
        this.#stopWaiters.get(message.threadId)?.();
        this.#stopWaiters.delete(message.threadId);
        return;
    }
  }

  #onHello(threadId: number, channel: MessagePort): void {
    const taken = new Set(this.#indexOf.values());
    let index = 0;
    while (taken.has(index)) index++;
    this.#indexOf.set(threadId, index);
    channel.on('message', (message: unknown) => this.#onMessage(message));
    channel.on('close', () => this.#onChannelClosed(threadId));
    channel.unref();
    this.#channels.set(threadId, channel);
    const worker = (this.#pool.threads as Worker[]).find((w) => w.threadId === threadId);
    // Registered after piscina's own listeners: by the time piscina's rejection
    // of the thread's tasks is handled, the thread is known to be ending.
    worker?.once('error', (err: Error) => this.#ending.has(threadId) || this.#ending.set(threadId, { exited: false, closed: false, reason: err.message }));
    worker?.once('exit', (code: number) => this.#onExit(threadId, `thread exited with code ${code}`));
    channel.postMessage({ type: 'index', threadIndex: index } satisfies MainToThread);
  }

  /** The thread ended: its index is free at once (its replacement may say hello before its channel drained). */
  #onExit(threadId: number, reason: string): void {
    this.#indexOf.delete(threadId);
    this.#started.delete(threadId);
    this.#stopWaiters.get(threadId)?.();
    this.#stopWaiters.delete(threadId);
    if (!this.#stopping) {
      this.threadsReplaced++;
      this.#opts.logger.warn({ threadId, reason }, 'pool thread exited; piscina starts a replacement');
    }
    const ending = this.#ending.get(threadId) ?? { exited: false, closed: false, reason };
    ending.exited = true;
    this.#ending.set(threadId, ending);
    if (ending.closed) this.#onThreadGone(threadId);
    // A dead thread's port closes once what it posted was delivered; should it not, do not wait forever.
    else setTimeout(() => this.#onThreadGone(threadId), CHANNEL_DRAIN_MS).unref();
  }

  #onChannelClosed(threadId: number): void {
    this.#channels.delete(threadId);
    const ending = this.#ending.get(threadId);
    if (ending === undefined) {
      // Closed before the thread's exit was seen: the exit finishes the job.
      this.#ending.set(threadId, { exited: false, closed: true, reason: 'thread channel closed' });
      return;
    }
    ending.closed = true;
    if (ending.exited) this.#onThreadGone(threadId);
  }

  /**
   * The thread exited and everything it posted was handled (a MessagePort
   * delivers its queue before 'close', while the Worker's 'exit' may come
   * first): only now are its background batches failed, so a batch whose
   * completion was on its way is completed, not redelivered.
   */
  #onThreadGone(threadId: number): void {
    const ending = this.#ending.get(threadId);
    if (ending === undefined) return;
    this.#ending.delete(threadId);
    this.#channels.get(threadId)?.close();
    this.#channels.delete(threadId);
    this.#opts.onThreadExit(threadId, ending.reason);
    if (this.#ending.size === 0 && this.#endedWaiters.length > 0) {
      const waiters = this.#endedWaiters;
      this.#endedWaiters = [];
      for (const wake of waiters) wake();
    }
  }

  #noThreadEnding(): Promise<void> {
    if (this.#ending.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.#endedWaiters.push(resolve));
  }
}
