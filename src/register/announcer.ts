import type { Socket } from 'node:net';
import type { Logger } from '../log/logger.js';
import type { GatewayAnnouncement } from './messages.js';
import { RegisterPeer } from './peer-connection.js';

export interface GatewayAnnouncerOptions {
  /** "host:port" of every register; the gateway announces to all of them. */
  registers: string[];
  secretKey: string | null;
  logger: Logger;
  /** What to announce; `tcp` may name a wildcard host (see below). */
  gateway: GatewayAnnouncement;
  pingMs?: number;
  firstRetryMs?: number;
  maxRetryMs?: number;
}

const WILDCARD_HOSTS = new Set(['0.0.0.0', '::', '[::]', '']);

/**
 * "0.0.0.0:7300" tells a remote worker nothing. A gateway whose link listener
 * is bound to a wildcard announces, to each register, the local address of its
 * connection to that register: the interface that reaches the register's
 * network, which is where its workers are too.
 */
export function reachableTcpAddress(tcp: string | null, socket: Pick<Socket, 'localAddress'>): string | null {
  if (tcp === null) return null;
  const m = /^(?:\[([^\]]*)\]|([^:]*)):(\d+)$/.exec(tcp);
  if (m === null) return tcp;
  const host = m[1] ?? m[2] ?? '';
  if (!WILDCARD_HOSTS.has(host)) return tcp;
  let local = socket.localAddress ?? '127.0.0.1';
  if (local.startsWith('::ffff:')) local = local.slice(7);
  return local.includes(':') ? `[${local}]:${m[3]}` : `${local}:${m[3]}`;
}

/**
 * A gateway's presence in every register: announces on each (re)connection,
 * so a register that restarts lists it again within a reconnect delay, and
 * says leave on a graceful stop so workers learn it at once.
 */
export class GatewayAnnouncer {
  readonly #peers: RegisterPeer[];

  constructor(opts: GatewayAnnouncerOptions) {
    this.#peers = opts.registers.map(
      (address) =>
        new RegisterPeer({
          address,
          role: 'gateway',
          secretKey: opts.secretKey,
          logger: opts.logger,
          pingMs: opts.pingMs,
          firstRetryMs: opts.firstRetryMs,
          maxRetryMs: opts.maxRetryMs,
          onOpen: (send, socket) => {
            const gateway = { ...opts.gateway, address: { ...opts.gateway.address, tcp: reachableTcpAddress(opts.gateway.address.tcp, socket) } };
            send({ type: 'announce', gateway });
            opts.logger.info({ register: address, gatewayId: gateway.gatewayId, tcp: gateway.address.tcp }, 'announced to the register');
          },
          onMessage: () => {},
        }),
    );
  }

  start(): void {
    for (const peer of this.#peers) peer.start();
  }

  /** Registers this gateway is announced to right now. */
  get announcedTo(): number {
    return this.#peers.filter((p) => p.open).length;
  }

  /** Leaves every register (they push the leave to workers at once) and stops reconnecting. */
  stop(): Promise<void> {
    return Promise.all(this.#peers.map((p) => p.stop({ type: 'leave' }))).then(() => {});
  }
}
