import type { IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import type { WebSocket } from 'ws';
import type { Logger } from '../../log/logger.js';
import { makeClientId } from '../../protocol/client-id.js';
import { EventKind, PayloadKind } from '../../protocol/constants.js';
import { createFramer, FramingError } from '../transport/framer.js';
import { normalizeAddress, rawHandshake } from '../transport/websocket-handshake.js';
import type { ListenerCounters } from '../listener-counters.js';
import type { ClientInfo } from '../../types.js';
import type { ClientListener } from './client-listener.js';
import type { ClientOutput } from './client-output.js';
import { Connection, ConnectionState } from './connection.js';
import type { ConnectionTable } from './connection-table.js';
import type { Counters } from './counters.js';
import type { EventRouter } from './event-router.js';
import type { Openings } from './openings.js';
import { hop } from '../../util/hop-trace.js';

const EMPTY = Buffer.alloc(0);
const TOO_LARGE_PREFIX = 'message too large';
/**
 * Opening events emitted per event-loop turn (docs/worker.md "Connect
 * storms"). Node's accept loop takes every connection the kernel has queued
 * and runs our handler for each before anything else; if each handler also
 * built and wrote its connect event, a storm would be accepted only as fast
 * as connect events are made, and the kernel's accept queue (net.core.somaxconn)
 * would overflow. So accepting only records the client; its opening events go
 * out after the poll phase, this many per turn, and the rest wait (bounded by
 * admit(): 2 × maxUnackedEvents held events) while accepting goes on.
 */
const OPENS_PER_TURN = 256;
/**
 * While connections pour in (more than STORM_ACCEPTS accepted since the last
 * turn), only this many: every opening event brings a welcome write and link
 * traffic with it, and each turn spent on those is a turn the kernel's queue
 * waits for accept().
 */
const OPENS_PER_STORM_TURN = 16;
const STORM_ACCEPTS = 32;
/** ws's error code for a message over maxPayload (it then closes with 1009). */
const WS_TOO_LARGE = 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH';

/**
 * A client's life in the gateway: accepted (connect event; websocket-connect
 * with the handshake after it), messages framed into events, bad input
 * answered or closed with a reason, and the socket's end turned into the close
 * event — which is queued behind the client's other events, while the client
 * leaves the table and its indexes at once.
 */
export class ClientLifecycle {
  #connections = 0;
  /** Accepted clients whose opening events are still to be emitted, in accept order, from #openingHead. */
  #opening: Connection[] = [];
  #openingHead = 0;
  #openScheduled = false;
  /** Clients accepted since opening events were last emitted. */
  #acceptedSinceOpenings = 0;

  constructor(
    private readonly gatewayId: string,
    private readonly table: ConnectionTable,
    private readonly router: EventRouter,
    private readonly output: ClientOutput,
    private readonly openings: Openings,
    private readonly counters: Counters,
    private readonly listenerCounters: ListenerCounters,
    private readonly logger: Logger,
  ) {}

  /** Whether a new client of `listener` may come in now (see EventRouter#overloaded); counts a refusal. */
  admit(listener: ClientListener): boolean {
    if (!this.router.overloaded && this.#opening.length - this.#openingHead < this.router.maxHeld) return true;
    this.counters.connectionsRefused++;
    this.listenerCounters.bump(listener.index, 'connectionsRefused');
    if (this.counters.connectionsRefused % 1000 === 1) {
      this.logger.warn({ refused: this.counters.connectionsRefused }, 'refusing new clients: the gateway holds too many unacknowledged events');
    }
    return false;
  }

  /** A TCP client of a text/json/frame/custom listener. */
  acceptTcp(listener: ClientListener, socket: Socket): void {
    if (!this.admit(listener)) {
      socket.destroy();
      return;
    }
    // No setNoDelay here: the server sets it on accept (createClientServer's noDelay).
    const conn = this.#create(listener, socket, null);
    conn.framer = createFramer(listener.config, listener.codec, {
      message: (payload, kind) => this.#message(conn, payload, kind),
      invalid: (reason) => this.#invalidJson(conn, reason),
    });
    socket.on('data', (chunk: Buffer) => {
      hop('g.client-read');
      this.#tcpData(conn, chunk);
    });
    socket.on('error', (err: NodeJS.ErrnoException) => this.#socketError(conn, err));
    socket.on('close', () => this.closed(conn));
    this.#opened(conn, null);
  }

  /** An upgraded WebSocket client; `socket` is the socket ws reads from and writes to. */
  acceptWebSocket(listener: ClientListener, ws: WebSocket, req: IncomingMessage, socket: Socket): void {
    socket.setNoDelay(true);
    const conn = this.#create(listener, socket, ws);
    socket.on('data', (chunk: Buffer) => {
      conn.bytesIn += chunk.length;
      this.counters.bytesIn += chunk.length;
    });
    // ws destroys the socket on a socket error without reporting it: learn the code here.
    socket.on('error', (err: NodeJS.ErrnoException) => this.#socketError(conn, err));
    ws.on('message', (data: Buffer, isBinary: boolean) => {
      try {
        this.#message(conn, data, isBinary ? PayloadKind.Binary : PayloadKind.Text);
      } catch (err) {
        // Thrown from here it would surface inside ws's socket 'data' handler and end the process.
        this.#internalError(conn, err);
      }
    });
    ws.on('error', (err: Error & { code?: string }) => this.#webSocketError(conn, err));
    ws.on('close', () => this.closed(conn));
    this.#opened(conn, Buffer.from(JSON.stringify(rawHandshake(req))));
  }

  /** The socket is gone: out of the table and indexes, close event queued behind the client's other events. */
  closed(conn: Connection): void {
    if (conn.state === ConnectionState.Closed) return;
    this.#emitOpening(conn);
    conn.state = ConnectionState.Closed;
    if (conn.lingerTimer !== null) clearTimeout(conn.lingerTimer);
    conn.framer = null;
    // Broadcasts held for it can reach nobody now (its Opening goes when its opening events are acked).
    const opening = this.openings.get(conn);
    if (opening !== undefined) {
      opening.held = null;
      opening.heldBytes = 0;
    }
    this.table.markClosed(conn);
    this.router.emit(conn, EventKind.Close, PayloadKind.Text, Buffer.from(conn.closeReason ?? 'client closed'));
  }

  /** Pauses (true) or resumes reading from every client: the engine holds too many events. */
  setReadsPaused(paused: boolean): void {
    const now = Date.now();
    for (const conn of this.table.online.values()) {
      if (paused) this.output.pause(conn);
      else {
        this.output.resume(conn);
        // Paused clients could not be heard: do not let the heartbeat hold that against them.
        conn.lastMessageAt = now;
      }
    }
  }

  #create(listener: ClientListener, socket: Socket, ws: WebSocket | null): Connection {
    const id = makeClientId(this.gatewayId, ++this.#connections);
    const info: ClientInfo = {
      remoteAddress: normalizeAddress(socket.remoteAddress),
      remotePort: socket.remotePort ?? 0,
      gatewayId: this.gatewayId,
      gatewayAddress: normalizeAddress(socket.localAddress),
      gatewayPort: socket.localPort ?? 0,
      listener: listener.name,
      protocol: listener.protocol,
    };
    return new Connection(id, listener, socket, ws, info.remoteAddress, info.remotePort, info, Date.now());
  }

  /**
   * In the table, and opening (broadcasts are held for it, see openings.ts);
   * its opening events, with the WebSocket handshake's JSON if any, queued for
   * after the poll phase.
   */
  #opened(conn: Connection, handshake: Buffer | null): void {
    this.counters.connectionsAccepted++;
    this.table.add(conn);
    if (this.router.readsPaused) this.output.pause(conn);
    this.openings.begin(conn, handshake);
    this.#acceptedSinceOpenings++;
    this.#opening.push(conn);
    if (!this.#openScheduled) {
      this.#openScheduled = true;
      setImmediate(this.#emitOpenings);
    }
  }

  /** Emits up to OPENS_PER_TURN queued opening events; the rest wait for the next turn. */
  readonly #emitOpenings = (): void => {
    this.#openScheduled = false;
    const budget = this.#acceptedSinceOpenings > STORM_ACCEPTS ? OPENS_PER_STORM_TURN : OPENS_PER_TURN;
    this.#acceptedSinceOpenings = 0;
    const end = Math.min(this.#opening.length, this.#openingHead + budget);
    for (; this.#openingHead < end; this.#openingHead++) {
      const conn = this.#opening[this.#openingHead]!;
      this.#opening[this.#openingHead] = undefined as unknown as Connection;
      this.#emitOpening(conn);
    }
    if (this.#openingHead === this.#opening.length) {
      this.#opening = [];
      this.#openingHead = 0;
    } else {
      this.#openScheduled = true;
      setImmediate(this.#emitOpenings);
    }
  };

  /** The client's Connect (and WebSocketConnect) event, unless emitted already: before any other event of it. */
  #emitOpening(conn: Connection): void {
    const opening = this.openings.get(conn);
    if (opening === undefined || !opening.emitPending) return;
    opening.emitPending = false;
    this.router.emit(conn, EventKind.Connect, PayloadKind.Text, EMPTY);
    const handshake = opening.handshake;
    if (handshake !== null) {
      opening.handshake = null;
      this.router.emit(conn, EventKind.WebSocketConnect, PayloadKind.Text, handshake);
    }
  }

  #tcpData(conn: Connection, chunk: Buffer): void {
    conn.bytesIn += chunk.length;
    this.counters.bytesIn += chunk.length;
    const framer = conn.framer;
    if (framer === null) return; // framing failed: the rest of the stream means nothing
    try {
      framer.push(chunk);
    } catch (err) {
      conn.framer = null;
      if (err instanceof FramingError) {
        if (err.reason.startsWith(TOO_LARGE_PREFIX)) this.counters.tooLarge++;
        else this.counters.framingErrors++;
        this.output.end(conn, err.reason);
      } else {
        this.#internalError(conn, err);
      }
    }
  }

  #internalError(conn: Connection, err: unknown): void {
    this.logger.error({ err, clientId: conn.id }, 'closing a client after an internal error while handling its input');
    this.output.destroy(conn, 'internal error');
  }

  #message(conn: Connection, payload: Buffer, kind: PayloadKind): void {
    this.counters.messagesIn++;
    conn.lastMessageAt = Date.now();
    this.#emitOpening(conn);
    this.router.emit(conn, EventKind.Message, kind, payload);
  }

  /** A json listener's line that is not JSON: answered with one error line, the connection stays. */
  #invalidJson(conn: Connection, reason: string): void {
    this.counters.invalidJson++;
    const line = Buffer.from(JSON.stringify({ error: 'invalid json', message: reason }));
    this.output.send(conn, conn.listener.encode!(line));
  }

  #socketError(conn: Connection, err: NodeJS.ErrnoException): void {
    conn.closeReason ??= `connection error: ${err.code ?? err.message}`;
  }

  #webSocketError(conn: Connection, err: Error & { code?: string }): void {
    if (err.code === WS_TOO_LARGE) {
      this.counters.tooLarge++;
      conn.closeReason ??= `${TOO_LARGE_PREFIX} (limit ${conn.listener.config.maxMessageSize} bytes)`;
    } else if (err.code?.startsWith('WS_ERR_')) {
      this.counters.framingErrors++;
      conn.closeReason ??= `invalid websocket frame: ${err.message}`;
    } else {
      conn.closeReason ??= `connection error: ${err.code ?? err.message}`;
    }
  }
}
