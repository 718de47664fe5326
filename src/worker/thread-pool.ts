import { BroadcastChannel, type Worker } from 'node:worker_threads';
import { Piscina } from 'piscina';
import type { Logger } from '../log/logger.js';
import { RunningSlots } from './running-slots.js';
import {
  isThreadToMain,
  threadChannelName,
  type BatchResult,
  type BatchTask,
  type MainToThread,
  type OutputMessage,
  type ThreadWorkerData,
} from './thread-messages.js';
import { hop, hopTraceOn } from '../util/hop-trace.js';

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
 * themselves, a freed index reused by the replacement thread), the reply
 * channel of each thread, and the start/stop of the app in each thread.
 *
 * Atomics are disabled: in piscina's default mode an idle thread sleeps in
 * Atomics.wait(), which would freeze handlers still awaiting in the background,
 * timers set by onWorkerStart and query replies.
 */
export class ThreadPool {
  readonly slots: RunningSlots;
  readonly threads: number;
  readonly #opts: ThreadPoolOptions;
  readonly #pool: Piscina<BatchTask, BatchResult>;
  readonly #indexOf = new Map<number, number>();
  readonly #channels = new Map<number, BroadcastChannel>();
  readonly #started = new Set<number>();
  #allStarted: () => void = () => {};
  #stopWaiters = new Map<number, () => void>();
  #stopping = false;
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
    this.#pool = new Piscina<BatchTask, BatchResult>({
      filename: new URL('./thread.js', import.meta.url).href,
      minThreads: opts.threads,
      maxThreads: opts.threads,
      idleTimeout: Infinity,
      atomics: 'disabled',
      recordTiming: false,
      workerData,
      ...(opts.threadMemoryMb === undefined ? {} : { resourceLimits: { maxOldGenerationSizeMb: opts.threadMemoryMb } }),
    });
    this.#pool.on('message', (message: unknown) => this.#onMessage(message));
    // Without tasks, a thread's crash is reported here (with tasks, they reject).
    this.#pool.on('error', (err: unknown) => opts.logger.error({ err }, 'a pool thread failed'));
  }

  /** The index of a running thread, or -1. */
  indexOf(threadId: number): number {
    return this.#indexOf.get(threadId) ?? -1;
  }

  run(task: BatchTask, transfer: ArrayBuffer[]): Promise<BatchResult> {
    hop('w.run');
    const result = this.#pool.run(task, { transferList: transfer });
    if (!hopTraceOn) return result;
    return result.then((r) => {
      hop('w.result');
      return r;
    });
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
        this.#onHello(message.threadId);
        return;
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

  #onHello(threadId: number): void {
    const taken = new Set(this.#indexOf.values());
    let index = 0;
    while (taken.has(index)) index++;
    this.#indexOf.set(threadId, index);
    const channel = new BroadcastChannel(threadChannelName(threadId));
    channel.unref();
    this.#channels.set(threadId, channel);
    const worker = (this.#pool.threads as Worker[]).find((w) => w.threadId === threadId);
    worker?.once('exit', (code: number) => this.#onExit(threadId, `thread exited with code ${code}`));
    channel.postMessage({ type: 'index', threadIndex: index } satisfies MainToThread);
  }

  #onExit(threadId: number, reason: string): void {
    this.#indexOf.delete(threadId);
    this.#started.delete(threadId);
    this.#channels.get(threadId)?.close();
    this.#channels.delete(threadId);
    this.#stopWaiters.get(threadId)?.();
    this.#stopWaiters.delete(threadId);
    if (!this.#stopping) {
      this.threadsReplaced++;
      this.#opts.logger.warn({ threadId, reason }, 'pool thread exited; piscina starts a replacement');
    }
    this.#opts.onThreadExit(threadId, reason);
  }
}
