import { hostname } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { gatewayIdOf } from '../protocol/client-id.js';
import type { LinkEvent } from '../protocol/event-codec.js';
import { LinkProtocolError } from '../protocol/errors.js';
import { gatewayLinkPath, parseTcpAddress, type LinkAddress } from '../protocol/link-address.js';
import { isPlainObject, type Session } from '../protocol/session-patch.js';
import type { ResolvedConfig } from '../config/types.js';
import type { Logger } from '../log/logger.js';
import { registerAddresses } from '../register/addresses.js';
import { DiscoveredLinks, type DirectoryEvents } from '../register/discovered-links.js';
import { redisGatewayDirectory, usesRedis } from '../cluster/cluster-setup.js';
import { Dispatcher } from './dispatcher.js';
import { GatewayLink } from './gateway-link.js';
import type { LinkConnection, LinkOutputBound } from './link-connection.js';
import { LinkRegistry } from './link-registry.js';
import { QueryRouter } from './query-router.js';
import { watchBlockedHandlers, watchSlowHandlers, type SlowHandlerWatch } from './stall-watchdog.js';
import type { OutputMessage } from './thread-messages.js';
import { ThreadPool } from './thread-pool.js';
import { hop } from '../util/hop-trace.js';

/** How long stop() lets running handlers finish, and then onWorkerStop (each at most half the stop deadline). */
export const STOP_DRAIN_MS = 2000;
/** How often drain() and a graceful stop look whether everything was handled. */
const DRAIN_POLL_MS = 10;

/** WorkerProcess.stats(): what `gatehouse status` shows of a business worker. */
export interface WorkerStats {
  /** Events whose handler ran to the end and that were acked. */
  eventsHandled: number;
  /** Events acked without being handled: a poison event (its thread died twice) or a handler past processTimeout. */
  eventsFailed: number;
  /** Events received flagged as redeliveries (duplicates: their first worker died before acking them). */
  eventsRedelivered: number;
  /** Events whose handler ran past processTimeout (also in eventsFailed). */
  eventsTimedOut: number;
  /** Pool threads that died (crash, out of memory, stuck and terminated) and were replaced. */
  threadsReplaced: number;
  /** Events received and not yet acked (queued or running). */
  inFlight: number;
  /** Clients with state in this worker (queued, running or pinned with a session view). */
  clients: number;
  threads: number;
  /** Open gateway links. */
  links: number;
  eventsReceived: number;
  batches: number;
  tasks: number;
  runningBatches: number;
  /** Batches taken back before they started because a handler of their task blocked its thread, and run in another task. */
  batchesTakenBack: number;
  /** Clients forgotten because their gateway moved them to another worker (after a Drain). */
  clientsForgotten: number;
  /** Commands for a gateway with no open link. */
  unroutable: number;
  /** Commands dropped because their link's queue was past worker.linkOutputLimit (policy 'drop'). */
  linkOutputDrops: number;
  /** Links closed because their queue would pass worker.linkOutputLimit (policy 'close'). */
  linkOutputCloses: number;
}

export interface WorkerStopOptions {
  /** Finish what was received first (Drain, then every event handled), as far as the deadline allows. Default false. */
  graceful?: boolean;
  /** Everything, onWorkerStop included, within this many ms. Default 2 × STOP_DRAIN_MS. */
  deadlineMs?: number;
}

export interface WorkerProcessOptions {
  /** Index of this business-worker process on the machine. */
  index: number;
  config: ResolvedConfig;
  logger: Logger;
  /** Log level of the pool threads; default the logger's. */
  threadLogLevel?: string;
  /** Heap limit of each pool thread in MiB (see ThreadPoolOptions.threadMemoryMb). Default: Node's. */
  threadMemoryMb?: number;
  /** Called once, when every thread ran onWorkerStart and every configured gateway link is open. */
  onReady?(linked: number): void;
}

/** The gateways this worker links to: every local gateway, plus configured TCP gateways of other machines. */
export function gatewayAddresses(config: ResolvedConfig): LinkAddress[] {
  const out: LinkAddress[] = [];
  for (let i = 0; i < config.gateway.count; i++) out.push({ kind: 'unix', path: gatewayLinkPath(config.runDir, i) });
  for (const text of config.worker.gateways) out.push(parseTcpAddress(text));
  return out;
}

function parseSection(bytes: Buffer, what: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(bytes.toString('utf8'));
  } catch {
    throw new LinkProtocolError(`event: ${what} is not valid JSON`);
  }
  if (!isPlainObject(value)) throw new LinkProtocolError(`event: ${what} must be a JSON object`);
  return value;
}

/**
 * A business-worker process: gateway links, per-client ordering and batching
 * (Dispatcher), the piscina pool running the app, query fan-out, and the
 * routing of everything the threads produce to the right links.
 */
export class WorkerProcess {
  readonly #opts: WorkerProcessOptions;
  readonly #log: Logger;
  readonly #links: LinkRegistry;
  readonly #pool: ThreadPool;
  readonly #dispatcher: Dispatcher;
  readonly #queries: QueryRouter;
  readonly #gatewayLinks: GatewayLink[];
  /** Links to gateways learned from the registers (GATEHOUSE_REGISTERS / register.addresses) or from Redis; null without either. */
  #discovered: DiscoveredLinks | null = null;
  readonly #stopWatchdog: () => void;
  readonly #slowWatch: SlowHandlerWatch;
  readonly #linkOutput: LinkOutputBound;
  #threadsStarted = false;
  #readySent = false;
  #stopping: Promise<void> | null = null;
  #draining: Promise<void> | null = null;
  /** Events received from now on are left unacknowledged (stopping, past the drain). */
  #refusing = false;
  #resolveReady: (linked: number) => void = () => {};
  #rejectReady: (err: Error) => void = () => {};
  /** Resolves with the number of open links once ready; rejects when a pool thread cannot start the app. */
  readonly ready: Promise<number>;

  constructor(opts: WorkerProcessOptions) {
    this.#opts = opts;
    const { config, logger } = opts;
    this.#log = logger;
    this.ready = new Promise((resolve, reject) => {
      this.#resolveReady = resolve;
      this.#rejectReady = reject;
    });
    this.ready.catch(() => {}); // the owner decides; an unobserved rejection must not crash the process
    this.#linkOutput = { limit: config.worker.linkOutputLimit, policy: config.worker.linkOutputPolicy, counters: { drops: 0, closes: 0 } };
    this.#links = new LinkRegistry(logger);
    this.#pool = new ThreadPool({
      threads: config.worker.threads,
      processIndex: opts.index,
      eventsModule: config.events,
      logLevel: opts.threadLogLevel ?? logger.level,
      processTimeout: config.worker.processTimeout,
      threadMemoryMb: opts.threadMemoryMb,
      logger,
      onOutput: (message) => this.#onOutput(message),
      onThreadExit: (threadId, reason) => this.#dispatcher.threadExited(threadId, reason),
      onStartFailed: (threadId, error) => {
        logger.fatal({ threadId, events: config.events, error }, 'a pool thread could not start the app');
        this.#rejectReady(new Error(`a pool thread could not start the app (${config.events}): ${error}`));
      },
    });
    this.#dispatcher = new Dispatcher({
      threads: config.worker.threads,
      maxBatchEvents: config.worker.maxBatchEvents,
      runTask: (task, transfer) => {
        this.#slowWatch.arm();
        return this.#pool.run(task, transfer);
      },
      logger,
    });
    this.#queries = new QueryRouter(this.#links, config.queryTimeout, (threadId, id, outcome) => {
      this.#pool.send(threadId, { type: 'reply', id, ...outcome });
    });
    const workerId = `${hostname()}/${process.pid}/worker-${opts.index}`;
    const newLink = (address: LinkAddress): GatewayLink =>
      new GatewayLink(address, {
        secret: config.secretKey ?? '',
        credits: config.worker.credits,
        output: this.#linkOutput,
        workerId,
        logger,
        handlers: {
          open: (conn) => {
            this.#links.add(conn);
            // A gateway (re)linked while draining learns it at once: no clients for us.
            if (this.#draining !== null) conn.writeDrain();
            this.#checkReady();
          },
          drained: (conn) => this.#log.info({ gatewayId: conn.gatewayId, linkId: conn.linkId }, 'gateway link drained'),
          forget: (conn, clientIds) => {
            for (const id of clientIds) this.#dispatcher.forget(conn, id);
          },
          event: (conn, event) => this.#onEvent(conn, event),
          reply: (conn, reply) => this.#queries.onReply(conn, reply),
          close: (conn) => {
            this.#links.remove(conn);
            this.#dispatcher.linkClosed(conn);
            this.#queries.linkClosed(conn);
            this.#discovered?.linkClosed(conn.address);
          },
        },
      });
    this.#gatewayLinks = gatewayAddresses(config).map(newLink);
    this.#stopWatchdog = watchBlockedHandlers(this.#pool.slots, config.worker.processTimeout, logger, (threadIndex, running) => {
      this.#dispatcher.noteTimedOut(running.clientId, running.seq);
      this.#pool.terminate(threadIndex);
    });
    this.#slowWatch = watchSlowHandlers(this.#pool.slots, () => this.#dispatcher.tasksInFlight > 0, (_threadIndex, running) => {
      this.#dispatcher.takeBackBehind(running.clientId);
    });
    void this.#pool.started.then(() => {
      this.#threadsStarted = true;
      this.#checkReady();
    });
    for (const link of this.#gatewayLinks) link.start();
    const registers = registerAddresses(config);
    const redis = usesRedis(config);
    if (registers.length > 0 || redis) {
      // Readiness waits for the configured links only: a listed gateway that cannot be reached must not hold up a start.
      // With Redis, Redis is the directory (gateways may announce to registers too, for older workers).
      this.#discovered = new DiscoveredLinks({
        registers,
        secretKey: config.secretKey,
        ...(redis ? { source: (events: DirectoryEvents) => redisGatewayDirectory(config, logger, events) } : {}),
        runDir: config.runDir,
        configured: gatewayAddresses(config),
        hasLink: (gatewayId) => this.#links.get(gatewayId) !== null,
        createLink: newLink,
        logger,
      });
      this.#discovered.start();
    }
  }

  /** Counters for `gatehouse status` and tests. */
  stats(): WorkerStats {
    const d = this.#dispatcher.stats;
    return {
      eventsHandled: d.handled,
      eventsFailed: d.failedEvents,
      eventsRedelivered: d.redelivered,
      eventsTimedOut: d.timedOutEvents,
      threadsReplaced: this.#pool.threadsReplaced,
      inFlight: this.#dispatcher.inFlight,
      clients: this.#dispatcher.clients,
      threads: this.#pool.threads,
      links: this.#links.size,
      eventsReceived: d.events,
      batches: d.batches,
      tasks: d.tasks,
      runningBatches: this.#dispatcher.runningBatches,
      batchesTakenBack: d.takenBack,
      clientsForgotten: d.forgotten,
      unroutable: this.#links.unroutable,
      linkOutputDrops: this.#linkOutput.counters.drops,
      linkOutputCloses: this.#linkOutput.counters.closes,
    };
  }

  /**
   * Reload: sends Drain on every link (and on any link that opens meanwhile),
   * keeps handling everything already received or still arriving, and resolves
   * once every open link answered Drained and nothing is queued or running
   * here, or at the deadline (logging what remained). The caller then stops.
   */
  drain(deadlineMs: number): Promise<void> {
    this.#draining ??= this.#drain(deadlineMs);
    return this.#draining;
  }

  async #drain(deadlineMs: number): Promise<void> {
    const deadline = Date.now() + deadlineMs;
    this.#log.info({ deadlineMs }, 'draining: no new clients; finishing what the gateways hold for us');
    for (const conn of this.#links.open()) conn.writeDrain();
    const done = (): boolean => this.#links.open().every((c) => c.drained) && this.#dispatcher.idle;
    while (!done() && Date.now() < deadline) await sleep(DRAIN_POLL_MS);
    if (done()) {
      this.#log.info('drained');
      return;
    }
    this.#log.warn(
      {
        deadlineMs,
        linksNotDrained: this.#links.open().filter((c) => !c.drained).map((c) => c.gatewayId),
        inFlight: this.#dispatcher.inFlight,
        runningBatches: this.#dispatcher.runningBatches,
      },
      'drain deadline reached; stopping anyway (the gateways redeliver what was not acked)',
    );
  }

  /**
   * Stops. Immediate (default): Drain, no new batches (queued events stay
   * unacknowledged, so the gateways redeliver them), running handlers get up to
   * half the deadline. Graceful: drain() first, within the deadline less what
   * onWorkerStop needs. Then onWorkerStop in every thread, the pool and the
   * links end.
   */
  stop(options: WorkerStopOptions = {}): Promise<void> {
    this.#stopping ??= this.#stop(options.graceful ?? false, options.deadlineMs ?? STOP_DRAIN_MS * 2);
    return this.#stopping;
  }

  async #stop(graceful: boolean, deadlineMs: number): Promise<void> {
    const end = Date.now() + deadlineMs;
    const slice = Math.min(STOP_DRAIN_MS, Math.floor(deadlineMs / 2));
    if (graceful) await this.drain(Math.max(0, deadlineMs - slice));
    this.#refusing = true;
    this.#dispatcher.stop();
    for (const conn of this.#links.open()) conn.writeDrain();
    const runningMs = Math.max(0, Math.min(slice, end - Date.now() - slice / 2));
    if (!(await this.#dispatcher.whenIdle(runningMs))) {
      this.#log.warn({ running: this.#dispatcher.runningBatches, ms: runningMs }, 'handlers still running at stop; their events will be redelivered');
    }
    await this.#pool.stop(Math.max(100, Math.min(slice, end - Date.now())));
    this.#queries.close();
    this.#stopWatchdog();
    this.#slowWatch.stop();
    await Promise.all([...this.#gatewayLinks.map((link) => link.stop()), this.#discovered?.stop()]);
  }

  #checkReady(): void {
    if (this.#readySent || !this.#threadsStarted) return;
    if (!this.#gatewayLinks.every((l) => l.connection !== null)) return;
    this.#readySent = true;
    const linked = this.#links.size;
    this.#log.info({ linked, threads: this.#pool.threads }, 'worker ready');
    this.#opts.onReady?.(linked);
    this.#resolveReady(linked);
  }

  #onEvent(conn: LinkConnection, event: LinkEvent): void {
    hop('w.event');
    const session = event.session === null ? null : (parseSection(event.session, 'session') as Session);
    let info: string | null = null;
    if (event.info !== null) {
      parseSection(event.info, 'info'); // refuse malformed info here, on its link, not in a pool thread
      info = event.info.toString('utf8');
    }
    // While stopping, events are left unacknowledged: the gateway redelivers them to another worker
    // (a graceful stop drains first, and handles what arrives meanwhile).
    if (this.#refusing) return;
    this.#dispatcher.receive(conn, event.clientId, info, {
      seq: event.seq,
      kind: event.kind,
      payloadKind: event.payloadKind,
      redelivered: event.redelivery,
      session,
      sessionVersion: event.sessionVersion,
      patchAck: event.patchAck,
      payload: event.payload,
    });
  }

  /** Routes what a thread produced, in order: commands to links, patches with their ids, queries, completions. */
  #onOutput(message: OutputMessage): void {
    hop('w.output');
    const bytes = message.bytes === null ? null : Buffer.from(message.bytes);
    for (const item of message.items) {
      switch (item.k) {
        case 'command': {
          const frame = bytes!.subarray(item.start, item.end);
          if (item.gateway === null) for (const conn of this.#links.open()) conn.writeCommand(frame);
          else this.#links.route(item.gateway, 'command')?.writeCommand(frame);
          break;
        }
        case 'session': {
          const conn = this.#links.route(gatewayIdOf(item.clientId), 'session');
          if (conn === null) break;
          const id = conn.nextPatchId();
          this.#dispatcher.notePatch(item.clientId, conn, id, item.patch);
          conn.writeSession(item.clientId, id, item.patch);
          break;
        }
        case 'query':
          this.#queries.start(message.threadId, item.id, item.op, item.args, item.gateway);
          break;
        case 'done':
          hop('w.done');
          this.#dispatcher.complete(item.batch, item.patches, item.timedOut);
          break;
        case 'ran':
          hop('w.ran');
          this.#dispatcher.taskRan(item.task, message.threadId, item.background);
          break;
      }
    }
  }
}
