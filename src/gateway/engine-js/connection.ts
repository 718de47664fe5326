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
 *
 * Memory: every field is 8 bytes on every idle client (an instance is 248
 * bytes). State a client needs only for a moment lives in side tables: its
 * opening (openings.ts), its held broadcasts with it.
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
    this.#info = clientInfo;
    this.connectedAt = now;
    this.lastMessageAt = now;
    this.lastPingAt = now;
  }

  /**
   * The info section: the ClientInfo until its JSON is first needed, then only
   * the JSON. One field for both, so a connection keeps one copy and one slot.
   */
  #info: ClientInfo | Buffer;

  /** ClientInfo JSON, encoded once. */
  get info(): Buffer {
    const info = this.#info;
    if (info instanceof Buffer) return info;
    const json = Buffer.from(JSON.stringify(info));
    this.#info = json;
    return json;
  }
}
