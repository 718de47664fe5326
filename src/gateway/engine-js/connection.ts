import type { Socket } from 'node:net';
import type { WebSocket } from 'ws';
import type { Session } from '../../protocol/session-patch.js';
import type { ClientFramer } from '../transport/framer.js';
import type { ClientInfo } from '../../types.js';
import type { ClientListener } from './client-listener.js';
import { EventQueue } from './event-queue.js';
import type { WorkerLink } from './worker-link.js';

/**
 * Open: reading and writing. Closing: the gateway decided to close it (output is
 * shut, nothing more is written) and waits for the socket to go. Closed: the
 * socket is gone; the connection has left the table and its indexes and lives on
 * only until its close event is acknowledged.
 */
export const ConnectionState = { Open: 0, Closing: 1, Closed: 2 } as const;
export type ConnectionState = (typeof ConnectionState)[keyof typeof ConnectionState];

/**
 * Everything the gateway keeps about one client connection: state only, the
 * behaviour lives in client-lifecycle.ts (transport), event-router.ts (events)
 * and client-session.ts (sessions).
 */
export class Connection {
  state: ConnectionState = ConnectionState.Open;
  /** Why it closed, set by whoever closes it first ('closed by server', 'heartbeat timeout', …). */
  closeReason: string | null = null;
  /** TCP listeners: the framer of the byte stream; null for WebSocket (ws frames it) and after a framing error. */
  framer: ClientFramer | null = null;

  // Session, per docs/protocol.md "Sessions".
  session: Session = {};
  sessionVersion = 1;
  /** JSON of `session`, encoded lazily and dropped on every change. */
  sessionJson: Buffer | null = null;
  /** The link that can reconstruct the session at knownVersion (0: none). */
  knownLinkId = 0;
  knownVersion = 0;
  /** Last patchId applied from each link (link id → patchId); allocated on the first patch. */
  patchAcks: Map<number, number> | null = null;

  // Routing, per docs/protocol.md "Client pinning and order".
  pinned: WorkerLink | null = null;
  /** Events of this client sent and not yet acknowledged (all on `pinned`). */
  unacked = 0;
  readonly queue = new EventQueue();

  // Directory: GatewayWorker binds one uid per client (binding another replaces it).
  uid: string | null = null;
  groups: Set<string> | null = null;

  // Opening (docs/worker.md "Connect storms"): until the worker acknowledged the
  // client's opening events (Connect; for WebSocket also WebSocketConnect), a
  // sendToAll is held here, not written: the client must not hear a broadcast
  // before the app has seen it, nor miss one sent meanwhile.
  /** Accepted, its opening events not emitted yet (ClientLifecycle queues them off the accept path). */
  openPending = false;
  /** WebSocket: the handshake JSON of the WebSocketConnect event still to emit. */
  pendingHandshake: Buffer | null = null;
  /** Opening events emitted and not yet acknowledged (or given up on). */
  openingEvents = 0;
  /** sendToAll messages held while opening, in order; null when none. */
  held: Buffer[] | null = null;
  heldBytes = 0;

  bytesIn = 0;
  bytesOut = 0;
  /** Messages dropped by the slow-consumer 'drop' policy (the per-client share of counters.slowConsumerDrops). */
  slowConsumerDrops = 0;
  /** Date.now() of the last message received (or the connection); drives the heartbeat. */
  lastMessageAt: number;
  /** Date.now() of the last pingData sent. */
  lastPingAt: number;
  readonly connectedAt: number;
  /** Destroys a Closing socket whose peer never finishes the close. */
  lingerTimer: NodeJS.Timeout | null = null;

  /** Whether a sendToAll must be held for it: its app has not seen it yet. */
  get opening(): boolean {
    return this.openPending || this.openingEvents > 0;
  }

  constructor(
    readonly id: string,
    readonly listener: ClientListener,
    /** The TCP socket (for WebSocket, the upgraded socket ws reads from). */
    readonly socket: Socket,
    readonly ws: WebSocket | null,
    readonly remoteAddress: string,
    readonly remotePort: number,
    /** What the info section says about it; encoded once, when its first event is sent (off the accept path). */
    clientInfo: ClientInfo,
    now: number,
  ) {
    this.#clientInfo = clientInfo;
    this.connectedAt = now;
    this.lastMessageAt = now;
    this.lastPingAt = now;
  }

  #info: Buffer | null = null;
  /** Dropped once encoded: a connection keeps one copy of its info, not two. */
  #clientInfo: ClientInfo | null;

  /** ClientInfo JSON, encoded once. */
  get info(): Buffer {
    if (this.#info === null) {
      this.#info = Buffer.from(JSON.stringify(this.#clientInfo));
      this.#clientInfo = null;
    }
    return this.#info;
  }
}
