import type { Server, Socket } from 'node:net';
import type { Logger } from '../../log/logger.js';
import { DEFAULT_MAX_FRAME_SIZE, HANDSHAKE_TIMEOUT_MS } from '../../protocol/constants.js';
import { gatewayLinkPath } from '../../protocol/link-address.js';
import type {
  ConnectionRow,
  Engine,
  EngineAddresses,
  EngineEvent,
  EngineOptions,
  EngineStats,
  ListConnectionsOptions,
} from '../engine.js';
import { DEFAULT_CLOSE_LINGER_MS, DEFAULT_LINK_OUTPUT_LIMIT, type EngineTuning } from '../engine-tuning.js';
import { ListenerCounters } from '../listener-counters.js';
import { stopEngine, type StoppableEngine } from '../stop-sequence.js';
import { ClientLifecycle } from './client-lifecycle.js';
import { ClientListener } from './client-listener.js';
import { ClientOutput } from './client-output.js';
import { createClientServer, listenClientServer, stopClientServer } from './client-servers.js';
import { CommandExecutor } from './command-executor.js';
import { ConnectionState, type Connection } from './connection.js';
import { ConnectionTable } from './connection-table.js';
import { Counters } from './counters.js';
import { EventRouter } from './event-router.js';
import { Heartbeat } from './heartbeat.js';
import { LinkServer } from './link-server.js';
import { Openings } from './openings.js';
import { QueryHandler } from './query-handler.js';
import { WorkerLink, type LinkHandlers } from './worker-link.js';

/** Knobs of the JS engine that are not configuration (tests turn them down). */
export interface JsEngineOptions extends EngineOptions {
  tuning?: EngineTuning;
}


/**
 * The pure-JS gateway engine: node:net and ws for clients, Unix/TCP sockets for
 * worker links, everything on the main thread. The pieces, one file each:
 * ClientLifecycle (accept, frame, close), ClientOutput (write, corking, slow
 * consumers), ConnectionTable (clients, uid and group indexes), EventRouter
 * (pinning, credit, acks, redelivery, read pausing), WorkerLink (handshake and
 * frames of one link), CommandExecutor, QueryHandler, Heartbeat.
 */
export class JsEngine implements Engine {
  readonly gatewayId: string;
  readonly #options: JsEngineOptions;
  readonly #logger: Logger;
  readonly #counters = new Counters();
  readonly #table = new ConnectionTable();
  readonly #output: ClientOutput;
  readonly #router: EventRouter;
  readonly #lifecycle: ClientLifecycle;
  readonly #commands: CommandExecutor;
  readonly #queries: QueryHandler;
  readonly #links = new Set<WorkerLink>();
  readonly #eventListeners: ((event: EngineEvent) => void)[] = [];
  #listeners: ClientListener[] = [];
  #servers: Server[] = [];
  #linkServer: LinkServer | null = null;
  #heartbeat: Heartbeat | null = null;
  #nextLinkId = 0;
  #stopping: Promise<void> | null = null;
  /** Stopping: reads stay paused whatever the held-events count does. */
  #readsHeld = false;
  readonly #listenerCounters: ListenerCounters;

  constructor(options: JsEngineOptions) {
    this.#options = options;
    this.gatewayId = options.gatewayId;
    this.#logger = options.logger;
    const { config } = options;
    this.#output = new ClientOutput(config.gateway, this.#counters, options.tuning?.closeLingerMs ?? DEFAULT_CLOSE_LINGER_MS);
    const openings = new Openings();
    this.#router = new EventRouter(
      config.gateway.maxUnackedEvents,
      this.#counters,
      openings,
      {
        setReadsPaused: (paused) => this.#setReadsPaused(paused),
        connectionDone: (conn) => this.#table.forget(conn),
        opened: (conn, opening) => this.#output.releaseHeld(conn, opening),
      },
      this.#logger,
    );
    this.#listenerCounters = new ListenerCounters(config.listeners.map((l) => l.name));
    this.#lifecycle = new ClientLifecycle(this.gatewayId, this.#table, this.#router, this.#output, openings, this.#counters, this.#listenerCounters, this.#logger);
    this.#commands = new CommandExecutor(this.#table, this.#output, openings, this.#counters, this.#logger);
    this.#queries = new QueryHandler(this.#table, this.#counters, () => this.stats());
  }

  async start(): Promise<EngineAddresses> {
    const { config, index } = this.#options;
    if (config.gateway.linkHost !== null && config.secretKey === null) {
      throw new Error('gateway.linkHost is set but secretKey is not: worker links over TCP need a shared secret');
    }
    try {
      this.#listeners = await Promise.all(config.listeners.map((l, i) => ClientListener.create(i, l)));
      const handlers = {
        admit: this.#lifecycle.admit.bind(this.#lifecycle),
        tcp: this.#lifecycle.acceptTcp.bind(this.#lifecycle),
        websocket: this.#lifecycle.acceptWebSocket.bind(this.#lifecycle),
      };
      for (const listener of this.#listeners) {
        const server = await createClientServer(listener, handlers);
        this.#servers.push(server);
        listener.port = await listenClientServer(server, listener.config.host, listener.config.port, listener.config.backlog);
      }
      const linkHost = config.gateway.linkHost;
      this.#linkServer = new LinkServer(
        {
          path: gatewayLinkPath(config.runDir, index),
          tcp: linkHost === null ? null : { host: linkHost, port: config.gateway.linkPort + index },
        },
        (socket, transport) => this.#acceptLink(socket, transport),
      );
      const link = await this.#linkServer.listen();
      this.#heartbeat = new Heartbeat(config.gateway, this.#listeners, this.#table, this.#output, this.#counters, () => this.#router.readsPaused);
      this.#heartbeat.start();
      return {
        listeners: this.#listeners.map((l) => ({ name: l.name, protocol: l.protocol, host: l.config.host, port: l.port })),
        linkPath: link.path,
        linkPort: link.port,
      };
    } catch (err) {
      this.#closeServers();
      throw err;
    }
  }

  stop(options: { graceMs?: number; timeoutMs?: number } = {}): Promise<void> {
    this.#stopping ??= this.#stop(options.graceMs ?? 1000, options.timeoutMs ?? 2000);
    return this.#stopping;
  }

  stats(): EngineStats {
    const c = this.#counters;
    return {
      gatewayId: this.gatewayId,
      connections: this.#table.size,
      connectionsAccepted: c.connectionsAccepted,
      connectionsRefused: c.connectionsRefused,
      links: this.#router.links.size,
      messagesIn: c.messagesIn,
      messagesOut: c.messagesOut,
      bytesIn: c.bytesIn,
      bytesOut: c.bytesOut,
      writes: this.#output.corker.flushes,
      tooLarge: c.tooLarge,
      invalidJson: c.invalidJson,
      framingErrors: c.framingErrors,
      slowConsumerDrops: c.slowConsumerDrops,
      slowConsumerCloses: c.slowConsumerCloses,
      heldForConnect: c.heldForConnect,
      heldForConnectDrops: c.heldForConnectDrops,
      heartbeatCloses: c.heartbeatCloses,
      encodeErrors: c.encodeErrors,
      commands: c.commands,
      commandsForGoneClients: c.commandsForGoneClients,
      queries: c.queries,
      eventsSent: c.eventsSent,
      eventsAcked: c.eventsAcked,
      eventsRedelivered: c.eventsRedelivered,
      eventsFailed: c.eventsFailed,
      eventsUnacked: this.#router.unackedTotal,
      eventsWaiting: this.#router.waitingTotal,
      readPauses: c.readPauses,
      readsPaused: this.#router.readsPaused,
      linkErrors: c.linkErrors,
      linkOutputStalls: c.linkOutputStalls,
      listeners: this.#listenerCounters.report(),
    };
  }

  listConnections(options: ListConnectionsOptions = {}): ConnectionRow[] {
    const limit = options.limit ?? Infinity;
    const rows: ConnectionRow[] = [];
    const now = Date.now();
    for (const conn of this.#table.online.values()) {
      if (rows.length >= limit) break;
      if (options.listener !== undefined && conn.listener.name !== options.listener) continue;
      rows.push({
        clientId: conn.id,
        listener: conn.listener.name,
        protocol: conn.listener.protocol,
        remoteAddress: conn.remoteAddress,
        remotePort: conn.remotePort,
        uid: conn.uid,
        groups: conn.groups === null ? [] : [...conn.groups],
        bytesIn: conn.bytesIn,
        bytesOut: conn.bytesOut,
        sendQueueBytes: conn.socket.writableLength,
        eventsWaiting: conn.queue.length,
        eventsUnacked: conn.unacked,
        slowConsumerDrops: conn.slowConsumerDrops,
        connectedAt: conn.connectedAt,
        idleMs: now - conn.lastMessageAt,
      });
    }
    return rows;
  }

  onEvent(listener: (event: EngineEvent) => void): void {
    this.#eventListeners.push(listener);
  }

  #emit(event: EngineEvent): void {
    for (const l of this.#eventListeners) {
      try {
        l(event);
      } catch (err) {
        this.#logger.error({ err, event: event.type }, 'an engine event listener threw');
      }
    }
  }

  #setReadsPaused(paused: boolean): void {
    if (this.#readsHeld) return;
    const heldEvents = this.#router.unackedTotal + this.#router.waitingTotal;
    this.#logger.warn({ heldEvents, limit: this.#options.config.gateway.maxUnackedEvents }, paused ? 'pausing client reads: too many events held' : 'resuming client reads');
    this.#lifecycle.setReadsPaused(paused);
    this.#emit(paused ? { type: 'reads-paused', heldEvents } : { type: 'reads-resumed', heldEvents });
  }

  #acceptLink(socket: Socket, transport: 'unix' | 'tcp'): void {
    if (this.#stopping !== null) {
      socket.destroy();
      return;
    }
    const link = new WorkerLink(++this.#nextLinkId, socket, transport, this.#linkHandlers, {
      secret: this.#options.config.secretKey ?? '',
      hello: {
        gatewayId: this.gatewayId,
        pid: process.pid,
        listeners: this.#listeners.map((l) => ({ name: l.name, protocol: l.protocol, host: l.config.host, port: l.port })),
      },
      maxFrameSize: this.#options.tuning?.maxLinkFrameSize ?? DEFAULT_MAX_FRAME_SIZE,
      handshakeTimeoutMs: this.#options.tuning?.handshakeTimeoutMs ?? HANDSHAKE_TIMEOUT_MS,
      outputLimit: this.#options.tuning?.linkOutputLimit ?? DEFAULT_LINK_OUTPUT_LIMIT,
      logger: this.#logger,
    });
    this.#links.add(link);
  }

  readonly #linkHandlers: LinkHandlers = {
    opened: (link) => {
      this.#router.linkOpened(link);
      // The version says which workers still speak the older protocol during a rolling upgrade.
      const fields = { linkId: link.id, workerId: link.workerId, workerPid: link.workerPid, transport: link.transport, protocolVersion: link.protocolVersion };
      this.#logger.info(fields, 'worker link open');
      this.#emit({ type: 'link-open', linkId: link.id, workerId: link.workerId!, pid: link.workerPid, transport: link.transport });
    },
    ack: (link, seqs) => this.#router.ack(link, seqs),
    credit: (link, credits) => this.#router.credit(link, credits),
    drain: (link) => {
      this.#logger.info({ linkId: link.id, workerId: link.workerId }, 'worker link draining');
      this.#router.drain(link);
    },
    command: (link, body) => this.#commands.execute(link, body),
    query: (_link, body) => this.#queries.answer(body),
    outputBlocked: () => this.#counters.linkOutputStalls++,
    outputDrained: (link) => this.#router.outputDrained(link),
    closed: (link, reason, wasOpen, protocolError) => {
      this.#links.delete(link);
      if (protocolError) this.#counters.linkErrors++;
      if (!wasOpen) return;
      const redelivered = this.#router.linkClosed(link);
      this.#logger.info({ linkId: link.id, workerId: link.workerId, reason, redelivered }, 'worker link closed');
      this.#emit({ type: 'link-close', linkId: link.id, workerId: link.workerId, reason, redelivered });
    },
  };

  /** The shared stop sequence (../stop-sequence.ts) on this engine's pieces. */
  async #stop(graceMs: number, timeoutMs: number): Promise<void> {
    const router = this.#router;
    const table = this.#table;
    let toClose: Connection[] | null = null;
    const steps: StoppableEngine = {
      stopAccepting: () => this.#closeServers(),
      setReadsHeld: (held) => {
        this.#readsHeld = held;
        // Released, reading resumes per client as it is closed (its FIN must be seen).
        if (held) this.#lifecycle.setReadsPaused(true);
      },
      heldEvents: () => router.unackedTotal + router.waitingTotal,
      linkCount: () => router.links.size,
      connectionCount: () => table.size,
      trackedCount: () => table.size + table.closing.size,
      closeClients: (max, reason, wsCode) => {
        toClose ??= [...table.online.values()];
        for (const conn of toClose.splice(0, max)) {
          this.#output.end(conn, reason, wsCode);
          this.#output.resume(conn);
        }
        return toClose.length;
      },
      closeLinks: (reason) => {
        for (const link of [...this.#links]) link.close(reason);
      },
      destroyAll: (reason) => {
        for (const conn of [...table.online.values()]) this.#output.destroy(conn, reason);
        for (const conn of [...table.online.values(), ...table.closing.values()]) {
          if (conn.lingerTimer !== null) clearTimeout(conn.lingerTimer);
          if (conn.state !== ConnectionState.Closed) conn.socket.destroy();
        }
      },
    };
    await stopEngine(steps, graceMs, timeoutMs, this.#logger, () => ({ unacked: router.unackedTotal, waiting: router.waitingTotal }));
  }

  #closeServers(): void {
    this.#heartbeat?.stop();
    for (const server of this.#servers) stopClientServer(server);
    this.#servers = [];
    this.#linkServer?.close();
  }
}
