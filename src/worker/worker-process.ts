import { hostname } from 'node:os';
import { gatewayIdOf } from '../protocol/client-id.js';
import type { LinkEvent } from '../protocol/event-codec.js';
import { LinkProtocolError } from '../protocol/errors.js';
import { gatewayLinkPath, parseTcpAddress, type LinkAddress } from '../protocol/link-address.js';
import { isPlainObject, type Session } from '../protocol/session-patch.js';
import type { ResolvedConfig } from '../config/types.js';
import type { Logger } from '../log/logger.js';
import { Dispatcher } from './dispatcher.js';
import { GatewayLink } from './gateway-link.js';
import type { LinkConnection } from './link-connection.js';
import { LinkRegistry } from './link-registry.js';
import { QueryRouter } from './query-router.js';
import { watchBlockedHandlers } from './stall-watchdog.js';
import type { OutputMessage } from './thread-messages.js';
import { ThreadPool } from './thread-pool.js';

/** How long stop() lets running handlers finish, and then onWorkerStop. */
export const STOP_DRAIN_MS = 2000;

export interface WorkerProcessOptions {
  /** Index of this business-worker process on the machine. */
  index: number;
  config: ResolvedConfig;
  logger: Logger;
  /** Log level of the pool threads; default the logger's. */
  threadLogLevel?: string;
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
  readonly #stopWatchdog: () => void;
  #threadsStarted = false;
  #readySent = false;
  #stopping: Promise<void> | null = null;
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
    this.#links = new LinkRegistry(logger);
    this.#pool = new ThreadPool({
      threads: config.worker.threads,
      processIndex: opts.index,
      eventsModule: config.events,
      logLevel: opts.threadLogLevel ?? logger.level,
      processTimeout: config.worker.processTimeout,
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
      runTask: (task, transfer) => this.#pool.run(task, transfer),
      logger,
    });
    this.#queries = new QueryRouter(this.#links, config.queryTimeout, (threadId, id, outcome) => {
      this.#pool.send(threadId, { type: 'reply', id, ...outcome });
    });
    const workerId = `${hostname()}/${process.pid}/worker-${opts.index}`;
    this.#gatewayLinks = gatewayAddresses(config).map(
      (address) =>
        new GatewayLink(address, {
          secret: config.secretKey ?? '',
          credits: config.worker.credits,
          workerId,
          logger,
          handlers: {
            open: (conn) => {
              this.#links.add(conn);
              this.#checkReady();
            },
            event: (conn, event) => this.#onEvent(conn, event),
            reply: (conn, reply) => this.#queries.onReply(conn, reply),
            close: (conn) => {
              this.#links.remove(conn);
              this.#dispatcher.linkClosed(conn);
              this.#queries.linkClosed(conn);
            },
          },
        }),
    );
    this.#stopWatchdog = watchBlockedHandlers(this.#pool.slots, config.worker.processTimeout, logger);
    void this.#pool.started.then(() => {
      this.#threadsStarted = true;
      this.#checkReady();
    });
    for (const link of this.#gatewayLinks) link.start();
  }

  /** Counters for status and tests. */
  get stats(): { clients: number; runningBatches: number; links: number; unroutable: number } & Dispatcher['stats'] {
    return {
      ...this.#dispatcher.stats,
      clients: this.#dispatcher.clients,
      runningBatches: this.#dispatcher.runningBatches,
      links: this.#links.size,
      unroutable: this.#links.unroutable,
    };
  }

  /**
   * Stops taking events (queued ones stay unacknowledged, so the gateways
   * redeliver them), lets running handlers finish (at most STOP_DRAIN_MS), runs
   * onWorkerStop in every thread, ends the pool and the links.
   */
  stop(): Promise<void> {
    this.#stopping ??= this.#stop();
    return this.#stopping;
  }

  async #stop(): Promise<void> {
    this.#dispatcher.stop();
    for (const conn of this.#links.open()) conn.writeDrain();
    if (!(await this.#dispatcher.whenIdle(STOP_DRAIN_MS))) {
      this.#log.warn({ running: this.#dispatcher.runningBatches, ms: STOP_DRAIN_MS }, 'handlers still running at stop; their events will be redelivered');
    }
    await this.#pool.stop(STOP_DRAIN_MS);
    this.#queries.close();
    this.#stopWatchdog();
    await Promise.all(this.#gatewayLinks.map((link) => link.stop()));
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
    const session = event.session === null ? null : (parseSection(event.session, 'session') as Session);
    let info: string | null = null;
    if (event.info !== null) {
      parseSection(event.info, 'info'); // refuse malformed info here, on its link, not in a pool thread
      info = event.info.toString('utf8');
    }
    // While stopping, events are left unacknowledged: the gateway redelivers them to another worker.
    if (this.#stopping !== null) return;
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
    const bytes = message.bytes === null ? null : Buffer.from(message.bytes);
    for (const item of message.items) {
      switch (item.k) {
        case 'command': {
          const frame = bytes!.subarray(item.start, item.end);
          if (item.gateway === null) for (const conn of this.#links.open()) conn.write(frame);
          else this.#links.route(item.gateway, 'command')?.write(frame);
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
          this.#dispatcher.complete(item.batch, item.patches);
          break;
        case 'ran':
          this.#dispatcher.taskRan(item.task, message.threadId, item.background);
          break;
      }
    }
  }
}
