import { hostname } from 'node:os';
import type { Logger } from '../log/logger.js';
import { formatLinkAddress, parseTcpAddress, type LinkAddress } from '../protocol/link-address.js';
import { GatewayDirectory } from './gateway-directory.js';
import type { GatewayAnnouncement } from './messages.js';

/** What DiscoveredLinks needs of a link: the worker's GatewayLink. */
export interface ManagedLink {
  /** Non-null while the link is open. */
  readonly connection: unknown;
  start(): void;
  stop(): Promise<void>;
}

/** What a directory reports: a gateway appeared (or its announcement changed), or is no longer listed. */
export interface DirectoryEvents {
  onJoin(gateway: GatewayAnnouncement): void;
  onLeave(gateway: GatewayAnnouncement): void;
}

/** Where gateways are listed: the registers (GatewayDirectory) or Redis (RedisGatewayDirectory). */
export interface GatewaySource {
  start(): void;
  stop(): Promise<void>;
  /** Every gateway listed now (or before the source became unreachable). */
  gateways(): GatewayAnnouncement[];
  /** Registers / Redis connections reachable now. */
  readonly connected: number;
}

export interface DiscoveredLinksOptions {
  /** The registers to learn from; ignored when `source` is given. */
  registers?: string[];
  secretKey?: string | null;
  /** Another directory than the registers (Redis): built with the handlers DiscoveredLinks reacts with. */
  source?: (events: DirectoryEvents) => GatewaySource;
  /** This worker's run directory: a gateway announcing it from this host is one of our local gateways. */
  runDir: string;
  /** Link addresses the worker links to anyway (its local Unix sockets, worker.gateways): never linked twice. */
  configured: LinkAddress[];
  /** Whether the worker already has an open link to this gateway id (dedupe by id). */
  hasLink(gatewayId: string): boolean;
  /** Creates (not starts) a link to an address, with the worker's usual handlers. */
  createLink(address: LinkAddress): ManagedLink;
  logger: Logger;
  /** For tests; default os.hostname(). */
  host?: string;
  pingMs?: number;
  firstRetryMs?: number;
  maxRetryMs?: number;
}

interface Learned {
  address: LinkAddress;
  link: ManagedLink;
  /** Gateway ids announced at this address (a restarted gateway keeps its address, not its id). */
  gatewayIds: Set<string>;
}

/**
 * The worker side of discovery: links to every gateway the registers list,
 * except this machine's own gateways (already linked by Unix socket) and any
 * it already links to. Links are keyed by address, so a gateway restarted on
 * the same port (new id) keeps its link. A gateway that leaves keeps an open
 * link until that link closes by itself (the link, not the register, is the
 * truth about a live gateway); a link that closes to an address no register
 * lists any more is not retried.
 */
export class DiscoveredLinks {
  readonly #opts: DiscoveredLinksOptions;
  readonly #log: Logger;
  readonly #host: string;
  readonly #directory: GatewaySource;
  readonly #learned = new Map<string, Learned>();
  readonly #configured: Set<string>;
  /** Gateways we cannot link to (no TCP address), warned about once each. */
  readonly #unreachableWarned = new Set<string>();
  #stopped = false;

  constructor(opts: DiscoveredLinksOptions) {
    this.#opts = opts;
    this.#log = opts.logger;
    this.#host = opts.host ?? hostname();
    this.#configured = new Set(opts.configured.map(formatLinkAddress));
    const events: DirectoryEvents = { onJoin: (g) => this.#join(g), onLeave: (g) => this.#leave(g) };
    this.#directory =
      opts.source?.(events) ??
      new GatewayDirectory({
        registers: opts.registers ?? [],
        secretKey: opts.secretKey ?? null,
        logger: opts.logger,
        pingMs: opts.pingMs,
        firstRetryMs: opts.firstRetryMs,
        maxRetryMs: opts.maxRetryMs,
        ...events,
      });
  }

  start(): void {
    this.#directory.start();
  }

  get directory(): GatewaySource {
    return this.#directory;
  }

  /** Addresses ("tcp:host:port" / "unix:path") linked because a register listed them. */
  addresses(): string[] {
    return [...this.#learned.keys()];
  }

  /** The worker saw a link close: stop it if no register lists its address any more. */
  linkClosed(address: string): void {
    const entry = this.#learned.get(address);
    if (entry === undefined || entry.gatewayIds.size > 0) return;
    this.#forget(address, entry, 'its gateway left and the link closed');
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    await this.#directory.stop();
    await Promise.all([...this.#learned.values()].map((e) => e.link.stop()));
    this.#learned.clear();
  }

  /** Where to link to a gateway, or null when it is ours already or out of reach. */
  #addressOf(g: GatewayAnnouncement): LinkAddress | null {
    const sameHost = g.host === this.#host;
    if (sameHost && g.runDir === this.#opts.runDir) return null; // one of our local gateways: linked by Unix socket
    if (g.address.tcp !== null) {
      try {
        return parseTcpAddress(g.address.tcp);
      } catch {
        return null;
      }
    }
    // Another app's gateway on this machine, without TCP: its Unix socket works if we may enter its run directory.
    if (sameHost && g.address.unix !== '') return { kind: 'unix', path: g.address.unix };
    if (!this.#unreachableWarned.has(g.gatewayId)) {
      this.#unreachableWarned.add(g.gatewayId);
      this.#log.warn({ gatewayId: g.gatewayId, name: g.name, host: g.host }, 'a listed gateway has no TCP link address (its gateway.linkHost is not set): this worker cannot link to it');
    }
    return null;
  }

  #join(g: GatewayAnnouncement): void {
    if (this.#stopped) return;
    // The same gateway may be re-announced with a new address: drop it from where it was.
    for (const [key, entry] of this.#learned) if (entry.gatewayIds.has(g.gatewayId)) this.#detach(key, entry, g.gatewayId);
    const address = this.#addressOf(g);
    if (address === null) return;
    const key = formatLinkAddress(address);
    if (this.#configured.has(key)) return;
    const existing = this.#learned.get(key);
    if (existing !== undefined) {
      existing.gatewayIds.add(g.gatewayId);
      return;
    }
    if (this.#opts.hasLink(g.gatewayId)) return;
    const link = this.#opts.createLink(address);
    this.#learned.set(key, { address, link, gatewayIds: new Set([g.gatewayId]) });
    this.#log.info({ gatewayId: g.gatewayId, name: g.name, host: g.host, link: key }, `linking to a gateway learned from ${this.#opts.source === undefined ? 'the register' : 'Redis'}`);
    link.start();
  }

  #leave(g: GatewayAnnouncement): void {
    for (const [key, entry] of this.#learned) if (entry.gatewayIds.has(g.gatewayId)) this.#detach(key, entry, g.gatewayId);
  }

  #detach(key: string, entry: Learned, gatewayId: string): void {
    entry.gatewayIds.delete(gatewayId);
    if (entry.gatewayIds.size === 0 && entry.link.connection === null) this.#forget(key, entry, 'its gateway left');
  }

  #forget(key: string, entry: Learned, why: string): void {
    this.#learned.delete(key);
    this.#log.info({ link: key, why }, 'no longer linking to a discovered gateway');
    void entry.link.stop();
  }
}
