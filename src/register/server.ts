import { createServer, type Server, type Socket } from 'node:net';
import type { Logger } from '../log/logger.js';
import { isLoopback, MAC_BYTES, newNonce, NONCE_BYTES, peerProof, proofMatches, registerProof } from './auth.js';
import {
  encodeLine,
  hexField,
  LineSplitter,
  parseLine,
  REGISTER_PROTOCOL_VERSION,
  RegisterProtocolError,
  sameAnnouncement,
  validateAnnouncement,
  REGISTER_STOPPING,
  type ClientRole,
  type GatewayAnnouncement,
  type RegisterToPeer,
} from './messages.js';

export interface RegisterServerOptions {
  /** Shared secret; null: no authentication, and only loopback peers are accepted. */
  secretKey: string | null;
  logger: Logger;
  /** How long a gateway whose connection closed (without saying leave) is still listed. Default 3000 ms. */
  graceMs?: number;
  /** A peer silent this long (peers ping every few seconds) is disconnected. Default 20000 ms. */
  idleTimeoutMs?: number;
  /** A peer that has not authenticated this long after connecting is disconnected. Default 5000 ms. */
  handshakeTimeoutMs?: number;
  /**
   * For this long after listening, lists are sent as `settling` (see messages.ts):
   * longer than the peers' longest reconnect delay (5 s), so that by then every
   * live gateway has announced again. Default 6000 ms.
   */
  settleMs?: number;
}

export interface RegisterStats {
  /** Gateways listed now. */
  gateways: number;
  /** Workers subscribed now. */
  subscribers: number;
  /** Open connections, authenticated or not. */
  connections: number;
  announces: number;
  joins: number;
  leaves: number;
  authFailures: number;
  protocolErrors: number;
  /** Subscribers cut off because they did not read their pushes. */
  slowSubscribers: number;
}

interface Peer {
  socket: Socket;
  remote: string;
  state: 'auth' | 'open';
  role: ClientRole | null;
  nonce: Buffer;
  /** The gateway this connection announced (role gateway). */
  gatewayId: string | null;
  subscribed: boolean;
  lastSeen: number;
}

interface Entry {
  gateway: GatewayAnnouncement;
  /** The connection that announced it; null during the grace period after it closed. */
  peer: Peer | null;
  graceTimer: NodeJS.Timeout | null;
}

/** Pushes a subscriber has not read, beyond which it is disconnected (it reconnects and gets a fresh list). */
const MAX_SUBSCRIBER_BACKLOG = 8 * 1024 * 1024;
/** How long a stopping register waits for a peer to close its side after the stop notice. */
const STOP_LINGER_MS = 500;

/**
 * The register: gateways announce their worker-link addresses, workers
 * subscribe and get the full list, then a push for every gateway that joins or
 * leaves. It holds no state worth persisting: after a restart, every gateway
 * re-announces and every worker re-subscribes (docs/register.md).
 */
export class RegisterServer {
  readonly #opts: Required<Omit<RegisterServerOptions, 'secretKey'>> & { secretKey: string | null };
  readonly #log: Logger;
  readonly #peers = new Set<Peer>();
  readonly #entries = new Map<string, Entry>();
  #server: Server | null = null;
  #idleTimer: NodeJS.Timeout | null = null;
  #settleTimer: NodeJS.Timeout | null = null;
  #settling = true;
  readonly #stats = { announces: 0, joins: 0, leaves: 0, authFailures: 0, protocolErrors: 0, slowSubscribers: 0 };

  constructor(opts: RegisterServerOptions) {
    this.#opts = { graceMs: 3000, idleTimeoutMs: 20_000, handshakeTimeoutMs: 5000, settleMs: 6000, ...opts };
    this.#log = opts.logger;
  }

  /** Listens; resolves with the bound address "host:port" (port 0 picks one). */
  listen(host: string, port: number): Promise<string> {
    const server = createServer((socket) => this.#accept(socket));
    this.#server = server;
    return new Promise((resolve, reject) => {
      server.once('error', (err: NodeJS.ErrnoException) => {
        const why = err.code === 'EADDRINUSE' ? `${host}:${port} is already in use (another register, or another app's embedded one? see register.port and register.embedded)` : err.message;
        reject(new Error(`register cannot listen: ${why}`, { cause: err }));
      });
      server.listen({ host, port, exclusive: true }, () => {
        const bound = server.address();
        const boundPort = typeof bound === 'object' && bound !== null ? bound.port : port;
        const address = host.includes(':') ? `[${host}]:${boundPort}` : `${host}:${boundPort}`;
        this.#idleTimer = setInterval(() => this.#dropIdle(), Math.max(50, Math.floor(this.#opts.idleTimeoutMs / 4)));
        this.#idleTimer.unref();
        this.#settleTimer = setTimeout(() => this.#settle(), this.#opts.settleMs);
        this.#settleTimer.unref();
        this.#log.info({ address, authenticated: this.#opts.secretKey !== null }, 'register listening');
        resolve(address);
      });
    });
  }

  /** Stops listening and closes every connection. Peers will reconnect to a register that comes back. */
  close(): Promise<void> {
    if (this.#idleTimer) clearInterval(this.#idleTimer);
    if (this.#settleTimer) clearTimeout(this.#settleTimer);
    for (const entry of this.#entries.values()) if (entry.graceTimer) clearTimeout(entry.graceTimer);
    // Say why, so a peer can tell a stop from a crash; one that does not close its side is cut soon after.
    for (const peer of this.#peers) {
      if (peer.socket.writable) peer.socket.end(encodeLine({ type: 'reject', reason: REGISTER_STOPPING }));
      setTimeout(() => peer.socket.destroy(), STOP_LINGER_MS).unref();
    }
    const server = this.#server;
    this.#server = null;
    if (server === null) return Promise.resolve();
    return new Promise((resolve) => server.close(() => resolve()));
  }

  /** The gateways listed now. */
  gateways(): GatewayAnnouncement[] {
    return [...this.#entries.values()].map((e) => e.gateway);
  }

  stats(): RegisterStats {
    let subscribers = 0;
    for (const p of this.#peers) if (p.subscribed) subscribers++;
    return { gateways: this.#entries.size, subscribers, connections: this.#peers.size, ...this.#stats };
  }

  #accept(socket: Socket): void {
    const remote = `${socket.remoteAddress}:${socket.remotePort}`;
    socket.setNoDelay(true);
    socket.on('error', () => {});
    if (this.#opts.secretKey === null && !isLoopback(socket.remoteAddress)) {
      this.#stats.authFailures++;
      this.#log.warn({ remote }, 'refused a non-loopback peer: a register without a secretKey accepts only connections from this machine');
      this.#reject(socket, 'a register without a secretKey accepts only loopback connections');
      return;
    }
    const peer: Peer = { socket, remote, state: 'auth', role: null, nonce: newNonce(), gatewayId: null, subscribed: false, lastSeen: Date.now() };
    this.#peers.add(peer);
    const handshakeTimer = setTimeout(() => {
      if (peer.state === 'auth') this.#fail(peer, `no authentication within ${this.#opts.handshakeTimeoutMs} ms`);
    }, this.#opts.handshakeTimeoutMs);
    handshakeTimer.unref();
    const lines = new LineSplitter();
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      peer.lastSeen = Date.now();
      try {
        lines.push(chunk, (line) => this.#onLine(peer, line));
      } catch (err) {
        if (!(err instanceof RegisterProtocolError)) throw err;
        this.#stats.protocolErrors++;
        this.#fail(peer, err.message);
      }
    });
    socket.on('close', () => {
      clearTimeout(handshakeTimer);
      this.#peers.delete(peer);
      this.#peerGone(peer);
    });
    this.#send(peer, { type: 'hello', version: REGISTER_PROTOCOL_VERSION, nonce: peer.nonce.toString('hex') });
  }

  #onLine(peer: Peer, line: string): void {
    if (peer.socket.destroyed || peer.socket.writableEnded) return;
    const msg = parseLine(line);
    if (peer.state === 'auth') {
      if (msg.type !== 'auth') throw new RegisterProtocolError(`"${msg.type}" before authentication`);
      this.#authenticate(peer, msg);
      return;
    }
    switch (msg.type) {
      case 'ping':
        this.#send(peer, { type: 'pong' });
        return;
      case 'announce':
        if (peer.role !== 'gateway') throw new RegisterProtocolError('only a gateway may announce');
        this.#announce(peer, validateAnnouncement(msg.gateway));
        return;
      case 'leave':
        if (peer.role !== 'gateway') throw new RegisterProtocolError('only a gateway may leave');
        if (peer.gatewayId !== null) this.#remove(peer.gatewayId, 'left');
        peer.gatewayId = null;
        return;
      case 'subscribe':
        if (peer.role !== 'worker') throw new RegisterProtocolError('only a worker may subscribe');
        peer.subscribed = true;
        this.#send(peer, { type: 'gateways', gateways: this.gateways(), settling: this.#settling });
        return;
      default:
        throw new RegisterProtocolError(`unknown message type "${msg.type}"`);
    }
  }

  #authenticate(peer: Peer, msg: Record<string, unknown>): void {
    if (msg.version !== REGISTER_PROTOCOL_VERSION) {
      throw new RegisterProtocolError(`protocol version ${String(msg.version)} is not supported (this register speaks ${REGISTER_PROTOCOL_VERSION})`);
    }
    if (msg.role !== 'gateway' && msg.role !== 'worker') throw new RegisterProtocolError('auth: role must be "gateway" or "worker"');
    const peerNonce = hexField(msg.nonce, 'auth: nonce', NONCE_BYTES);
    const mac = hexField(msg.mac, 'auth: mac', MAC_BYTES);
    const secret = this.#opts.secretKey ?? '';
    if (!proofMatches(peerProof(secret, msg.role, peer.nonce, peerNonce), mac)) {
      this.#stats.authFailures++;
      this.#log.warn({ remote: peer.remote, role: msg.role }, 'register authentication failed (wrong secretKey?)');
      this.#reject(peer.socket, 'authentication failed');
      return;
    }
    peer.state = 'open';
    peer.role = msg.role;
    this.#send(peer, { type: 'welcome', mac: registerProof(secret, peer.nonce, peerNonce).toString('hex') });
    this.#log.debug({ remote: peer.remote, role: peer.role }, 'register peer authenticated');
  }

  #announce(peer: Peer, gateway: GatewayAnnouncement): void {
    this.#stats.announces++;
    if (peer.gatewayId !== null && peer.gatewayId !== gateway.gatewayId) this.#remove(peer.gatewayId, 'replaced by a new announcement');
    peer.gatewayId = gateway.gatewayId;
    const entry = this.#entries.get(gateway.gatewayId);
    if (entry !== undefined) {
      if (entry.graceTimer) clearTimeout(entry.graceTimer);
      entry.graceTimer = null;
      // A reconnecting gateway may announce before its old connection is seen closed: the newest owns the entry.
      if (entry.peer !== null && entry.peer !== peer) entry.peer.gatewayId = null;
      entry.peer = peer;
      if (sameAnnouncement(entry.gateway, gateway)) return;
      entry.gateway = gateway;
    } else {
      this.#entries.set(gateway.gatewayId, { gateway, peer, graceTimer: null });
    }
    this.#stats.joins++;
    this.#log.info({ gatewayId: gateway.gatewayId, name: gateway.name, host: gateway.host, tcp: gateway.address.tcp, remote: peer.remote }, 'gateway joined');
    this.#push({ type: 'join', gateway });
  }

  /** A connection closed: its gateway stays listed for the grace period (it may be reconnecting). */
  #peerGone(peer: Peer): void {
    const id = peer.gatewayId;
    if (id === null) return;
    const entry = this.#entries.get(id);
    if (entry === undefined || entry.peer !== peer) return;
    entry.peer = null;
    if (this.#server === null) return; // closing: nothing to push to
    entry.graceTimer = setTimeout(() => {
      if (this.#entries.get(id) === entry && entry.peer === null) this.#remove(id, 'connection lost');
    }, this.#opts.graceMs);
    entry.graceTimer.unref();
  }

  #remove(gatewayId: string, why: string): void {
    const entry = this.#entries.get(gatewayId);
    if (entry === undefined) return;
    if (entry.graceTimer) clearTimeout(entry.graceTimer);
    this.#entries.delete(gatewayId);
    this.#stats.leaves++;
    this.#log.info({ gatewayId, name: entry.gateway.name, host: entry.gateway.host, why }, 'gateway left');
    this.#push({ type: 'leave', gatewayId });
  }

  #push(message: RegisterToPeer): void {
    const line = encodeLine(message);
    for (const peer of this.#peers) {
      if (!peer.subscribed) continue;
      if (peer.socket.writableLength > MAX_SUBSCRIBER_BACKLOG) {
        this.#stats.slowSubscribers++;
        this.#log.warn({ remote: peer.remote, backlog: peer.socket.writableLength }, 'a subscriber does not read its pushes; disconnecting it (it will resubscribe)');
        peer.socket.destroy();
        continue;
      }
      peer.socket.write(line);
    }
  }

  /**
   * A restarted register knows only the gateways that re-announced so far, so
   * until now its lists were additions only; now that every live gateway has
   * had time to come back, subscribers get the complete list (and drop what it
   * lacks: gateways that went away during the outage).
   */
  #settle(): void {
    this.#settleTimer = null;
    this.#settling = false;
    let subscribers = 0;
    for (const peer of this.#peers) {
      if (!peer.subscribed) continue;
      subscribers++;
      this.#send(peer, { type: 'gateways', gateways: this.gateways(), settling: false });
    }
    this.#log.debug({ gateways: this.#entries.size, subscribers }, 'register settled: complete lists sent');
  }

  #dropIdle(): void {
    const limit = Date.now() - this.#opts.idleTimeoutMs;
    for (const peer of this.#peers) {
      if (peer.lastSeen < limit) {
        this.#log.warn({ remote: peer.remote, role: peer.role, gatewayId: peer.gatewayId ?? undefined }, `register peer silent for ${this.#opts.idleTimeoutMs} ms; disconnecting`);
        peer.socket.destroy();
      }
    }
  }

  #send(peer: Peer, message: RegisterToPeer): void {
    if (!peer.socket.destroyed) peer.socket.write(encodeLine(message));
  }

  #fail(peer: Peer, reason: string): void {
    this.#log.warn({ remote: peer.remote, role: peer.role, reason }, 'closing a register connection: protocol error');
    this.#reject(peer.socket, reason);
  }

  #reject(socket: Socket, reason: string): void {
    if (socket.destroyed || socket.writableEnded) return;
    socket.end(encodeLine({ type: 'reject', reason }));
    setTimeout(() => socket.destroy(), 1000).unref();
  }
}
