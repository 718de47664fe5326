/**
 * The gateway's data plane behind one coarse interface, so the pure-JS engine
 * (engine-js/, node:net + ws) and the native engine (engine-native/, a C++ addon)
 * are interchangeable and one conformance suite runs against both.
 *
 * The interface is deliberately coarse: an engine owns every client socket,
 * every worker link, the connection table, heartbeats and flow control. The
 * process around it only starts it, stops it, reads counters and connection rows
 * for operations, and hears about a few control events. Nothing here is called
 * per message.
 */
import type { ResolvedConfig, ListenerProtocol } from '../config/types.js';
import type { ListenerStats } from './listener-counters.js';
import type { Logger } from '../log/logger.js';

export interface EngineOptions {
  config: ResolvedConfig;
  /** This gateway instance's id (newGatewayId() at each start); the first 12 hex characters of its client ids. */
  gatewayId: string;
  /** Index of the gateway process on this machine: its link socket is gatewayLinkPath(runDir, index), its TCP link port linkPort + index. */
  index: number;
  logger: Logger;
}

/** Where a started engine serves. Ports are the ones actually bound (port 0 resolved). */
export interface EngineAddresses {
  listeners: { name: string; protocol: ListenerProtocol; host: string; port: number }[];
  /** Unix socket path for worker links on this machine. */
  linkPath: string;
  /** TCP port for worker links from other machines, or null when gateway.linkHost is not set. */
  linkPort: number | null;
}

/**
 * Counters of one engine since it started. Names are part of the operations
 * contract (status command, Prometheus, the `stats` query): the native engine
 * reports the same names with the same meaning.
 */
export interface EngineStats {
  gatewayId: string;
  /** Client connections open now (closed ones are not counted even while their close event waits for an ack). */
  connections: number;
  /** Client connections accepted since start. */
  connectionsAccepted: number;
  /** Client connections refused because the gateway held 2 × gateway.maxUnackedEvents events (no worker taking them). */
  connectionsRefused: number;
  /** Worker links open now (handshake finished). */
  links: number;
  /** Messages framed from clients. */
  messagesIn: number;
  /** Messages written to clients (one per client reached; heartbeat pingData and json error lines included). */
  messagesOut: number;
  /** Bytes read from client sockets. */
  bytesIn: number;
  /** Bytes written to client sockets. */
  bytesOut: number;
  /** Client socket flushes: one per socket per event-loop turn with output (what corking bounds). */
  writes: number;
  /** Clients closed for sending a message over their listener's maxMessageSize. */
  tooLarge: number;
  /** Lines of json listeners that were not JSON (answered, connection kept). */
  invalidJson: number;
  /** Clients closed for breaking their listener's framing otherwise (bad header, codec error, bad WebSocket frame). */
  framingErrors: number;
  /** Messages not written because the client's output was over gateway.sendBufferSize (policy 'drop'). */
  slowConsumerDrops: number;
  /** Clients closed because their output was over gateway.sendBufferSize (policy 'close'). */
  slowConsumerCloses: number;
  /** Broadcasts (sendToAll) held for a client whose opening events (Connect, WebSocketConnect) were not acknowledged yet, written right after them. */
  heldForConnect: number;
  /** Held broadcasts dropped: the client's held bytes would have gone over gateway.sendBufferSize. */
  heldForConnectDrops: number;
  /** Clients closed by the heartbeat (silent for pingInterval × pingNotResponseLimit). */
  heartbeatCloses: number;
  /** Messages that the listener's encoder refused (frame too long for its header, custom codec error). */
  encodeErrors: number;
  /** Commands received from workers. */
  commands: number;
  /** Client-addressed commands naming a client this gateway does not hold (gone or never here). */
  commandsForGoneClients: number;
  /** Queries answered. */
  queries: number;
  /** Events written to links (redeliveries included). */
  eventsSent: number;
  /** Events acknowledged by workers. */
  eventsAcked: number;
  /** Events sent again to another link after theirs closed. */
  eventsRedelivered: number;
  /** Events given up on: in flight on a link that closed after they had been redelivered once (poison events). */
  eventsFailed: number;
  /** Events written to a link and not yet acknowledged, now. */
  eventsUnacked: number;
  /** Events waiting in the gateway for a link or for credit, now. */
  eventsWaiting: number;
  /** Times reading from clients was paused because unacked + waiting events reached gateway.maxUnackedEvents. */
  readPauses: number;
  /** Whether reading from clients is paused now. */
  readsPaused: boolean;
  /** Links closed for breaking the link protocol or failing the handshake. */
  linkErrors: number;
  /** Times a link's unsent output went over its bound, holding its events back until it drained. */
  linkOutputStalls: number;
  /** Counters per client listener, keyed by listener name: every name of LISTENER_COUNTERS (./listener-counters.ts) for every listener. */
  listeners: Record<string, ListenerStats>;
}

/** One client connection, for `gatehouse connections`. */
export interface ConnectionRow {
  clientId: string;
  listener: string;
  protocol: ListenerProtocol;
  remoteAddress: string;
  remotePort: number;
  uid: string | null;
  groups: string[];
  bytesIn: number;
  bytesOut: number;
  /** Bytes written to the socket and not yet taken by the kernel. */
  sendQueueBytes: number;
  /** Events of this client waiting for a link or credit, and in flight on its link. */
  eventsWaiting: number;
  eventsUnacked: number;
  /** Messages not written to this client because its output was over gateway.sendBufferSize ('drop' policy). */
  slowConsumerDrops: number;
  /** Milliseconds since the epoch. */
  connectedAt: number;
  /** Milliseconds since the client's last message (or its connection). */
  idleMs: number;
}

export interface ListConnectionsOptions {
  /** Most rows returned. Default: all. */
  limit?: number;
  /** Only clients of this listener. */
  listener?: string;
}

/** Things the process around the engine may want to know or log; never per message. */
export type EngineEvent =
  | { type: 'link-open'; linkId: number; workerId: string; pid: number; transport: 'unix' | 'tcp' }
  | { type: 'link-close'; linkId: number; workerId: string | null; reason: string; redelivered: number }
  | { type: 'reads-paused'; heldEvents: number }
  | { type: 'reads-resumed'; heldEvents: number };

export interface Engine {
  readonly gatewayId: string;
  /** Binds every client listener and the worker-link listener(s); rejects (with nothing left listening) on failure. */
  start(): Promise<EngineAddresses>;
  /**
   * Stops accepting and reading; lets the events already read be handled by
   * the live workers for at most `graceMs` (default 1000); then delivers queued
   * output and closes the clients in batches (WebSocket code 1001, reason
   * 'gateway stopping'), keeps the worker links open until the close events
   * are acknowledged, closes the links, and destroys whatever is still open at
   * `timeoutMs` (default 2000). Resolves when everything is closed.
   */
  stop(options?: { graceMs?: number; timeoutMs?: number }): Promise<void>;
  stats(): EngineStats;
  listConnections(options?: ListConnectionsOptions): ConnectionRow[];
  onEvent(listener: (event: EngineEvent) => void): void;
}
