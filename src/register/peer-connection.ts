import { createConnection, type Socket } from 'node:net';
import type { Logger } from '../log/logger.js';
import { MAC_BYTES, newNonce, NONCE_BYTES, peerProof, proofMatches, registerProof } from './auth.js';
import {
  encodeLine,
  hexField,
  LineSplitter,
  parseLine,
  REGISTER_PROTOCOL_VERSION,
  RegisterProtocolError,
  REGISTER_STOPPING,
  type ClientRole,
  type PeerToRegister,
} from './messages.js';

export interface RegisterPeerOptions {
  /** "host:port" of the register. */
  address: string;
  role: ClientRole;
  secretKey: string | null;
  logger: Logger;
  /** Authenticated: send what this peer is for (announce, subscribe). */
  onOpen(send: (message: PeerToRegister) => void, socket: Socket): void;
  /** Any message after the handshake except pong. */
  onMessage(message: Record<string, unknown> & { type: string }): void;
  /** The authenticated connection closed (not called for attempts that never got in). */
  onClose?(): void;
  /** Keepalive: ping this often; a register silent for 3 intervals is taken as gone. Default 5000 ms. */
  pingMs?: number;
  /** First reconnect delay, doubling up to maxRetryMs. Default 100 ms. */
  firstRetryMs?: number;
  /** Default 5000 ms. */
  maxRetryMs?: number;
}

/** Parses "host:port" or "[v6]:port". */
export function parseRegisterAddress(text: string): { host: string; port: number } {
  const m = /^(?:\[([^\]]+)\]|([^:\s]+)):(\d{1,5})$/.exec(text.trim());
  const port = m ? Number(m[3]) : NaN;
  if (!m || !(port > 0 && port < 65536)) throw new TypeError(`"${text}" is not a register address of the form host:port`);
  return { host: (m[1] ?? m[2])!, port };
}

/**
 * One peer's connection to one register: connects, authenticates (and checks
 * the register's own proof), keeps the connection alive with pings, and
 * reconnects with backoff for as long as it runs — a register that restarts or
 * comes back after an outage is found again without anyone's help.
 */
export class RegisterPeer {
  readonly address: string;
  readonly #opts: RegisterPeerOptions;
  readonly #log: Logger;
  readonly #host: string;
  readonly #port: number;
  #socket: Socket | null = null;
  #open = false;
  #retryMs: number;
  #retryTimer: NodeJS.Timeout | null = null;
  #stopped = false;
  #failures = 0;

  constructor(opts: RegisterPeerOptions) {
    this.#opts = opts;
    this.address = opts.address;
    const { host, port } = parseRegisterAddress(opts.address);
    this.#host = host;
    this.#port = port;
    this.#retryMs = opts.firstRetryMs ?? 100;
    this.#log = opts.logger.child({ register: opts.address });
  }

  /** Whether the connection is authenticated now. */
  get open(): boolean {
    return this.#open;
  }

  start(): void {
    this.#connect();
  }

  /** Sends on the open connection; false when there is none (the message is not queued: onOpen re-sends state). */
  send(message: PeerToRegister): boolean {
    if (!this.#open || this.#socket === null) return false;
    this.#socket.write(encodeLine(message));
    return true;
  }

  /** No more reconnects. With `last`, that message is written before the connection ends. */
  stop(last?: PeerToRegister): Promise<void> {
    this.#stopped = true;
    if (this.#retryTimer) clearTimeout(this.#retryTimer);
    this.#retryTimer = null;
    const socket = this.#socket;
    if (socket === null || socket.closed) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        socket.destroy();
        resolve();
      }, 500);
      socket.once('close', () => {
        clearTimeout(timer);
        resolve();
      });
      if (this.#open && last !== undefined) socket.end(encodeLine(last));
      else if (this.#open) socket.end();
      else socket.destroy();
    });
  }

  #connect(): void {
    this.#retryTimer = null;
    if (this.#stopped) return;
    const socket = createConnection({ host: this.#host, port: this.#port });
    socket.setNoDelay(true);
    socket.setEncoding('utf8');
    this.#socket = socket;
    const secret = this.#opts.secretKey ?? '';
    const pingMs = this.#opts.pingMs ?? 5000;
    const lines = new LineSplitter();
    let peerNonce: Buffer | null = null;
    let registerNonce: Buffer | null = null;
    let authenticated = false;
    let lastHeard = Date.now();
    let reason = 'closed by the register';
    /** The register closed the connection because it is stopping (its reject said so): expected, not a fault. */
    let registerStopping = false;
    const send = (message: PeerToRegister): void => {
      if (!socket.destroyed) socket.write(encodeLine(message));
    };
    const handshakeTimer = setTimeout(() => {
      reason = 'no handshake within 5000 ms';
      socket.destroy();
    }, 5000);
    handshakeTimer.unref();
    const pingTimer = setInterval(() => {
      if (Date.now() - lastHeard > pingMs * 3) {
        reason = `register silent for ${pingMs * 3} ms`;
        socket.destroy();
      } else if (authenticated) send({ type: 'ping' });
    }, pingMs);
    pingTimer.unref();

    const onLine = (line: string): void => {
      const msg = parseLine(line);
      if (msg.type === 'reject') {
        registerStopping = authenticated && msg.reason === REGISTER_STOPPING;
        reason = `${authenticated ? 'closed' : 'rejected'} by the register: ${String(msg.reason)}`;
        socket.destroy();
        return;
      }
      if (!authenticated) {
        if (registerNonce === null) {
          if (msg.type !== 'hello') throw new RegisterProtocolError(`expected hello, got "${msg.type}"`);
          if (msg.version !== REGISTER_PROTOCOL_VERSION) {
            throw new RegisterProtocolError(`register speaks protocol version ${String(msg.version)}, this peer ${REGISTER_PROTOCOL_VERSION}`);
          }
          registerNonce = hexField(msg.nonce, 'hello: nonce', NONCE_BYTES);
          peerNonce = newNonce();
          const mac = peerProof(secret, this.#opts.role, registerNonce, peerNonce);
          send({ type: 'auth', version: REGISTER_PROTOCOL_VERSION, role: this.#opts.role, nonce: peerNonce.toString('hex'), mac: mac.toString('hex') });
          return;
        }
        if (msg.type !== 'welcome') throw new RegisterProtocolError(`expected welcome, got "${msg.type}"`);
        if (!proofMatches(registerProof(secret, registerNonce, peerNonce!), hexField(msg.mac, 'welcome: mac', MAC_BYTES))) {
          throw new RegisterProtocolError('authentication failed: the register does not know the secret');
        }
        clearTimeout(handshakeTimer);
        authenticated = true;
        this.#open = true;
        this.#retryMs = this.#opts.firstRetryMs ?? 100;
        if (this.#failures > 0) this.#log.info({ attempts: this.#failures }, 'register reached again');
        else this.#log.debug('register connection open');
        this.#failures = 0;
        this.#opts.onOpen(send, socket);
        return;
      }
      if (msg.type === 'pong') return;
      this.#opts.onMessage(msg);
    };

    socket.on('data', (chunk: string) => {
      lastHeard = Date.now();
      try {
        lines.push(chunk, onLine);
      } catch (err) {
        if (!(err instanceof RegisterProtocolError)) throw err;
        reason = err.message;
        this.#log.warn({ reason }, 'closing the register connection: protocol error');
        socket.destroy();
      }
    });
    socket.on('error', (err) => {
      reason = err.message;
    });
    socket.on('close', () => {
      clearTimeout(handshakeTimer);
      clearInterval(pingTimer);
      if (this.#socket === socket) this.#socket = null;
      if (authenticated) {
        this.#open = false;
        if (!this.#stopped) this.#log[registerStopping ? 'info' : 'warn']({ reason }, 'register connection lost; reconnecting');
        this.#opts.onClose?.();
      } else if (!this.#stopped) {
        this.#failures++;
        // Say it once (and now and then), not at every retry of a long outage.
        const level = this.#failures === 1 || this.#failures % 50 === 0 ? 'warn' : 'debug';
        this.#log[level]({ reason, attempts: this.#failures }, 'register not reachable; retrying');
      }
      this.#scheduleReconnect();
    });
  }

  #scheduleReconnect(): void {
    if (this.#stopped || this.#retryTimer) return;
    const delay = this.#retryMs;
    this.#retryMs = Math.min(this.#opts.maxRetryMs ?? 5000, this.#retryMs * 2);
    this.#retryTimer = setTimeout(() => this.#connect(), delay);
    this.#retryTimer.unref();
  }
}
