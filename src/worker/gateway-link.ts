import { createConnection, type Socket } from 'node:net';
import { DEFAULT_MAX_FRAME_SIZE, FrameType, GATEWAY_STOPPING, HANDSHAKE_TIMEOUT_MS } from '../protocol/constants.js';
import { decodeReply, type LinkReply } from '../protocol/command-codec.js';
import { decodeEvent, decodeForget, encodeCredit, type LinkEvent } from '../protocol/event-codec.js';
import { LinkProtocolError } from '../protocol/errors.js';
import { FrameDecoder } from '../protocol/frame-decoder.js';
import { encodeFrame } from '../protocol/frame-encoder.js';
import { decodeHello, decodeWelcome, encodeAuth, gatewayProof, newNonce, proofMatches, workerProof } from '../protocol/handshake.js';
import { formatLinkAddress, type LinkAddress } from '../protocol/link-address.js';
import type { Logger } from '../log/logger.js';
import { LinkConnection, type LinkOutputBound } from './link-connection.js';
import { hop } from '../util/hop-trace.js';

const FIRST_RETRY_MS = 50;
const MAX_RETRY_MS = 2000;
const GATEWAY_ID_RE = /^[0-9a-f]{12}$/;

export interface GatewayLinkHandlers {
  open(conn: LinkConnection): void;
  event(conn: LinkConnection, event: LinkEvent): void;
  reply(conn: LinkConnection, reply: LinkReply): void;
  /** The gateway answered our Drain: nothing is pinned or unacked on this link any more. */
  drained(conn: LinkConnection): void;
  /** The gateway moved these clients to another link (version 2): forget them here. */
  forget?(conn: LinkConnection, clientIds: string[]): void;
  /** An open connection closed (not called for attempts that never finished the handshake). */
  close(conn: LinkConnection, reason: string): void;
}

export interface GatewayLinkOptions {
  secret: string;
  credits: number;
  /** The bound on each link's queue (worker.linkOutputLimit / linkOutputPolicy) and its counters. */
  output?: LinkOutputBound;
  workerId: string;
  logger: Logger;
  handlers: GatewayLinkHandlers;
}

type State = 'hello' | 'welcome' | 'open';

/**
 * The worker's side of one configured gateway address: connects, runs the
 * handshake (docs/protocol.md; the gateway's Welcome proof is checked too),
 * grants credits, and reconnects with backoff (50 ms doubling to 2 s) whenever
 * the link fails or closes — gateways restart, each time with a new gateway id.
 */
export class GatewayLink {
  readonly address: LinkAddress;
  readonly #opts: GatewayLinkOptions;
  readonly #log: Logger;
  #socket: Socket | null = null;
  #connection: LinkConnection | null = null;
  #retryMs = FIRST_RETRY_MS;
  #retryTimer: NodeJS.Timeout | null = null;
  #stopped = false;
  #failures = 0;

  constructor(address: LinkAddress, opts: GatewayLinkOptions) {
    this.address = address;
    this.#opts = opts;
    this.#log = opts.logger.child({ link: formatLinkAddress(address) });
  }

  /** The open connection, or null while (re)connecting. */
  get connection(): LinkConnection | null {
    return this.#connection;
  }

  start(): void {
    this.#connect();
  }

  /** No more reconnects; ends the open connection after what was written. Resolves when the socket closed (at most 1 s). */
  stop(): Promise<void> {
    this.#stopped = true;
    if (this.#retryTimer) clearTimeout(this.#retryTimer);
    this.#retryTimer = null;
    const socket = this.#socket;
    if (socket === null || socket.closed) return Promise.resolve();
    const closed = new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        socket.destroy();
        resolve();
      }, 1000);
      socket.once('close', () => {
        clearTimeout(timer);
        resolve();
      });
    });
    if (this.#connection) this.#connection.end();
    else socket.destroy();
    return closed;
  }

  #connect(): void {
    this.#retryTimer = null;
    if (this.#stopped) return;
    const a = this.address;
    const socket = a.kind === 'unix' ? createConnection({ path: a.path }) : createConnection({ host: a.host, port: a.port });
    if (a.kind === 'tcp') socket.setNoDelay(true);
    this.#socket = socket;
    const decoder = new FrameDecoder(DEFAULT_MAX_FRAME_SIZE);
    let state: State = 'hello';
    let gatewayNonce: Buffer | null = null;
    let workerNonce: Buffer | null = null;
    let gatewayId = '';
    /** The protocol version spoken on this link: the newest the gateway's Hello and this worker both know. */
    let version = 0;
    let conn: LinkConnection | null = null;
    let closeReason = 'closed by the gateway';
    /** The gateway closed the link because it is stopping (its Reject said so): expected, not a fault. */
    let gatewayStopping = false;

    const handshakeTimer = setTimeout(() => {
      closeReason = `no handshake within ${HANDSHAKE_TIMEOUT_MS} ms`;
      socket.destroy();
    }, HANDSHAKE_TIMEOUT_MS);
    handshakeTimer.unref();

    const onFrame = (type: number, body: Buffer): void => {
      if (state === 'open') {
        switch (type) {
          case FrameType.Event:
            this.#opts.handlers.event(conn!, decodeEvent(body));
            return;
          case FrameType.Reply:
            this.#opts.handlers.reply(conn!, decodeReply(body));
            return;
          case FrameType.Ping:
            conn!.write(encodeFrame(FrameType.Pong, body));
            return;
          case FrameType.Pong:
            return;
          case FrameType.Drained:
            if (body.length !== 0) throw new LinkProtocolError('drained: body must be empty');
            if (!conn!.drainSent) throw new LinkProtocolError('drained without a drain');
            conn!.drained = true;
            this.#opts.handlers.drained(conn!);
            return;
          case FrameType.Forget:
            this.#opts.handlers.forget?.(conn!, decodeForget(body));
            return;
        }
      } else if (state === 'hello' && type === FrameType.Hello) {
        const hello = decodeHello(body);
        if (typeof hello.info?.gatewayId !== 'string' || !GATEWAY_ID_RE.test(hello.info.gatewayId)) {
          throw new LinkProtocolError('hello: gatewayId must be 12 lowercase hex characters');
        }
        gatewayId = hello.info.gatewayId;
        version = hello.version;
        gatewayNonce = hello.nonce;
        workerNonce = newNonce();
        const mac = workerProof(this.#opts.secret, gatewayNonce, workerNonce);
        socket.write(encodeFrame(FrameType.Auth, ...encodeAuth(workerNonce, mac, { workerId: this.#opts.workerId, pid: process.pid }, version)));
        state = 'welcome';
        return;
      } else if (state === 'welcome' && type === FrameType.Welcome) {
        const welcome = decodeWelcome(body);
        if (!proofMatches(gatewayProof(this.#opts.secret, gatewayNonce!, workerNonce!), welcome.mac)) {
          throw new LinkProtocolError('authentication failed: the gateway does not know the secret');
        }
        clearTimeout(handshakeTimer);
        const maxFrameSize = Number.isInteger(welcome.info?.maxFrameSize) && welcome.info.maxFrameSize > 0 ? welcome.info.maxFrameSize : DEFAULT_MAX_FRAME_SIZE;
        conn = new LinkConnection(socket, {
          gatewayId,
          linkId: welcome.info?.linkId ?? 0,
          address: formatLinkAddress(this.address),
          maxFrameSize,
          protocolVersion: version,
          logger: this.#log,
          ...(this.#opts.output === undefined ? {} : { output: this.#opts.output }),
        });
        socket.write(encodeFrame(FrameType.Credit, encodeCredit(this.#opts.credits)));
        state = 'open';
        this.#connection = conn;
        this.#retryMs = FIRST_RETRY_MS;
        this.#failures = 0;
        this.#log.info({ gatewayId, linkId: conn.linkId, protocolVersion: version }, 'gateway link open');
        this.#opts.handlers.open(conn);
        return;
      }
      if (type === FrameType.Reject) {
        const reason = body.toString('utf8');
        gatewayStopping = state === 'open' && reason === GATEWAY_STOPPING;
        closeReason = `${state === 'open' ? 'closed' : 'rejected'} by the gateway: ${reason}`;
        socket.destroy();
        return;
      }
      throw new LinkProtocolError(`frame type 0x${type.toString(16)} is not allowed ${state === 'open' ? 'on an open link' : 'before Welcome'}`);
    };

    let rejecting = false;
    socket.on('data', (chunk: Buffer) => {
      hop('w.link-read');
      if (rejecting) return;
      try {
        decoder.push(chunk, onFrame);
      } catch (err) {
        if (!(err instanceof LinkProtocolError)) throw err;
        closeReason = err.message;
        rejecting = true;
        conn?.markClosed();
        this.#log.warn({ gatewayId: gatewayId || undefined, reason: err.message }, 'closing gateway link: protocol error');
        // Tell the gateway why, then close; a peer that does not close its side is cut after a second.
        const reason = err.message.startsWith('authentication') ? 'authentication failed' : err.message;
        socket.end(encodeFrame(FrameType.Reject, Buffer.from(reason)));
        setTimeout(() => socket.destroy(), 1000).unref();
      }
    });
    socket.on('error', (err) => {
      closeReason = err.message;
    });
    socket.on('close', () => {
      clearTimeout(handshakeTimer);
      if (this.#socket === socket) this.#socket = null;
      if (conn !== null) {
        conn.markClosed();
        if (this.#connection === conn) this.#connection = null;
        this.#log[gatewayStopping ? 'info' : 'warn']({ gatewayId, reason: closeReason }, 'gateway link closed');
        this.#opts.handlers.close(conn, closeReason);
      } else {
        this.#failures++;
        // The gateway may simply not be up yet: say so once, then quietly retry.
        const level = this.#failures === 1 || this.#failures % 50 === 0 ? 'info' : 'debug';
        this.#log[level]({ reason: closeReason, attempts: this.#failures }, 'gateway link not established; retrying');
      }
      this.#scheduleReconnect();
    });
  }

  #scheduleReconnect(): void {
    if (this.#stopped || this.#retryTimer) return;
    const delay = this.#retryMs;
    this.#retryMs = Math.min(MAX_RETRY_MS, this.#retryMs * 2);
    this.#retryTimer = setTimeout(() => this.#connect(), delay);
  }
}
