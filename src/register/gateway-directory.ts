import type { Logger } from '../log/logger.js';
import { sameAnnouncement, validateAnnouncement, type GatewayAnnouncement } from './messages.js';
import { RegisterPeer } from './peer-connection.js';

export interface GatewayDirectoryOptions {
  /** "host:port" of every register; the directory is the union of their lists. */
  registers: string[];
  secretKey: string | null;
  logger: Logger;
  /** A gateway appeared (or its announcement changed). */
  onJoin(gateway: GatewayAnnouncement): void;
  /** No register lists the gateway any more. */
  onLeave(gateway: GatewayAnnouncement): void;
  pingMs?: number;
  firstRetryMs?: number;
  maxRetryMs?: number;
}

/**
 * A worker's view of the gateways: subscribes to every register and keeps the
 * union of their lists. A register that goes away keeps its last list here
 * (an outage must not make workers forget gateways that are still serving);
 * when it comes back, its lists only add until it has settled (gateways are
 * still re-announcing), then its complete list replaces the old one and the
 * difference becomes joins and leaves.
 */
export class GatewayDirectory {
  readonly #opts: GatewayDirectoryOptions;
  readonly #log: Logger;
  readonly #peers: RegisterPeer[];
  /** Per register address: its list, by gateway id. */
  readonly #lists = new Map<string, Map<string, GatewayAnnouncement>>();
  /** The union: gateway id → announcement as last reported. */
  readonly #known = new Map<string, GatewayAnnouncement>();
  #snapshots = 0;

  constructor(opts: GatewayDirectoryOptions) {
    this.#opts = opts;
    this.#log = opts.logger;
    this.#peers = opts.registers.map((address) => {
      this.#lists.set(address, new Map());
      return new RegisterPeer({
        address,
        role: 'worker',
        secretKey: opts.secretKey,
        logger: opts.logger,
        pingMs: opts.pingMs,
        firstRetryMs: opts.firstRetryMs,
        maxRetryMs: opts.maxRetryMs,
        onOpen: (send) => send({ type: 'subscribe' }),
        onMessage: (msg) => this.#onMessage(address, msg),
      });
    });
  }

  start(): void {
    for (const peer of this.#peers) peer.start();
  }

  stop(): Promise<void> {
    return Promise.all(this.#peers.map((p) => p.stop())).then(() => {});
  }

  /** Every gateway some register lists (or listed before it went away). */
  gateways(): GatewayAnnouncement[] {
    return [...this.#known.values()];
  }

  /** Registers connected now. */
  get connected(): number {
    return this.#peers.filter((p) => p.open).length;
  }

  /** Full lists received so far (one per (re)connection to a register). */
  get snapshots(): number {
    return this.#snapshots;
  }

  #onMessage(register: string, msg: Record<string, unknown> & { type: string }): void {
    const list = this.#lists.get(register)!;
    try {
      switch (msg.type) {
        case 'gateways': {
          if (!Array.isArray(msg.gateways)) throw new TypeError('gateways: "gateways" must be a list');
          const fresh = new Map<string, GatewayAnnouncement>();
          for (const g of msg.gateways) {
            const gateway = validateAnnouncement(g);
            fresh.set(gateway.gatewayId, gateway);
          }
          // A settling register (just restarted) knows only who re-announced so far: add, do not remove.
          const settling = msg.settling === true;
          if (!settling) list.clear();
          for (const [id, g] of fresh) list.set(id, g);
          this.#snapshots++;
          this.#log.info({ register, gateways: fresh.size, settling }, 'gateway list received from the register');
          this.#reconcile();
          return;
        }
        case 'join': {
          const gateway = validateAnnouncement(msg.gateway);
          list.set(gateway.gatewayId, gateway);
          this.#reconcile();
          return;
        }
        case 'leave':
          if (typeof msg.gatewayId !== 'string') throw new TypeError('leave: gatewayId must be a string');
          list.delete(msg.gatewayId);
          this.#reconcile();
          return;
        default:
          this.#log.debug({ register, type: msg.type }, 'ignoring an unknown message from the register');
      }
    } catch (err) {
      this.#log.warn({ register, err: (err as Error).message }, 'ignoring a malformed message from the register');
    }
  }

  /** Recomputes the union and reports the difference. */
  #reconcile(): void {
    const union = new Map<string, GatewayAnnouncement>();
    for (const list of this.#lists.values()) for (const [id, g] of list) if (!union.has(id)) union.set(id, g);
    for (const [id, old] of this.#known) {
      if (!union.has(id)) {
        this.#known.delete(id);
        this.#opts.onLeave(old);
      }
    }
    for (const [id, g] of union) {
      const old = this.#known.get(id);
      if (old !== undefined && sameAnnouncement(old, g)) continue;
      this.#known.set(id, g);
      this.#opts.onJoin(g);
    }
  }
}
