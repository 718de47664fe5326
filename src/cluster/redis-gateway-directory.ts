import type { Redis } from 'ioredis';
import type { Logger } from '../log/logger.js';
import { sameAnnouncement, validateAnnouncement, type GatewayAnnouncement } from '../register/messages.js';
import type { ClusterKeys } from './keys.js';
import { closeRedisClient } from './redis-client.js';

export interface RedisGatewayDirectoryOptions {
  /** Commands to the directory's shard; owned. */
  client: Redis;
  /** A second connection to the same shard for SUBSCRIBE (a subscribed connection runs no other command); owned. */
  subscriber: Redis;
  keys: ClusterKeys;
  /** The presence TTL: the directory is re-read every third of it. */
  ttlMs: number;
  logger: Logger;
  onJoin(gateway: GatewayAnnouncement): void;
  onLeave(gateway: GatewayAnnouncement): void;
}

/**
 * A worker's view of the gateways announced in Redis. Joins and leaves arrive
 * on the events channel at once; the directory itself (the id set and each
 * gateway's presence key) is re-read every third of the TTL and after every
 * reconnect, so a missed message, a gateway that died without a leave (its key
 * expired) and a Redis restart all converge within a TTL. While Redis is
 * unreachable the last list stands: an outage must not make workers forget
 * gateways that are still serving (their links, not Redis, tell whether they
 * are alive).
 */
export class RedisGatewayDirectory {
  readonly #opts: RedisGatewayDirectoryOptions;
  readonly #known = new Map<string, GatewayAnnouncement>();
  /**
   * Gateways that said leave, with when: a read that began before the leave
   * must not bring them back (ids are new at every gateway start, so a left id
   * never returns). Forgotten after two TTLs, when no read can still hold them.
   */
  readonly #left = new Map<string, number>();
  #timer: NodeJS.Timeout | null = null;
  #reading: Promise<void> | null = null;
  #again = false;
  #stopped = false;
  #snapshots = 0;

  constructor(opts: RedisGatewayDirectoryOptions) {
    this.#opts = opts;
  }

  start(): void {
    const { client, subscriber, keys, logger } = this.#opts;
    subscriber.on('message', (channel: string, text: string) => {
      if (channel === keys.gatewayEvents) this.#onEvent(text);
    });
    // Subscribed once, when the connection is first ready (no offline queue); ioredis resubscribes after reconnects.
    const subscribe = (): void => {
      subscriber.subscribe(keys.gatewayEvents).catch((err: Error) => logger.warn({ err: err.message }, 'could not subscribe to gateway joins in Redis; the directory is polled'));
    };
    if (subscriber.status === 'ready') subscribe();
    else subscriber.once('ready', subscribe);
    // After a reconnect the subscription is back (autoResubscribe), but what was published meanwhile is not: re-read.
    client.on('ready', () => this.#read());
    subscriber.on('ready', () => this.#read());
    this.#timer = setInterval(() => this.#read(), Math.max(100, Math.floor(this.#opts.ttlMs / 3)));
    this.#timer.unref();
    this.#read();
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    if (this.#timer !== null) clearInterval(this.#timer);
    await this.#reading;
    await Promise.all([closeRedisClient(this.#opts.subscriber), closeRedisClient(this.#opts.client)]);
  }

  gateways(): GatewayAnnouncement[] {
    return [...this.#known.values()];
  }

  /** 1 while the directory's Redis is reachable, else 0 (the register directory counts registers the same way). */
  get connected(): number {
    return this.#opts.client.status === 'ready' ? 1 : 0;
  }

  /** Complete reads of the directory so far. */
  get snapshots(): number {
    return this.#snapshots;
  }

  #onEvent(text: string): void {
    if (this.#stopped) return;
    try {
      const msg = JSON.parse(text) as { type?: unknown; gateway?: unknown; gatewayId?: unknown };
      if (msg.type === 'join') this.#add(validateAnnouncement(msg.gateway));
      else if (msg.type === 'leave' && typeof msg.gatewayId === 'string') {
        this.#left.set(msg.gatewayId, Date.now());
        this.#remove(msg.gatewayId);
      }
    } catch (err) {
      this.#opts.logger.warn({ err: (err as Error).message }, 'ignoring a malformed gateway event from Redis');
    }
  }

  #add(g: GatewayAnnouncement): void {
    if (this.#left.has(g.gatewayId)) return;
    const old = this.#known.get(g.gatewayId);
    if (old !== undefined && sameAnnouncement(old, g)) return;
    this.#known.set(g.gatewayId, g);
    this.#opts.onJoin(g);
  }

  #remove(gatewayId: string): void {
    const old = this.#known.get(gatewayId);
    if (old === undefined) return;
    this.#known.delete(gatewayId);
    this.#opts.onLeave(old);
  }

  #read(): void {
    if (this.#stopped) return;
    if (this.#reading !== null) {
      this.#again = true;
      return;
    }
    this.#reading = this.#readOnce()
      .catch((err: Error) => this.#opts.logger.debug({ err: err.message }, 'could not read the gateway directory from Redis; keeping the last list'))
      .finally(() => {
        this.#reading = null;
        if (this.#again) {
          this.#again = false;
          this.#read();
        }
      });
  }

  async #readOnce(): Promise<void> {
    const { client, keys, logger } = this.#opts;
    if (client.status !== 'ready') return;
    const ids = await client.smembers(keys.gatewayIds);
    const values = ids.length === 0 ? [] : await client.mget(ids.map((id) => keys.presence(id)));
    const fresh = new Map<string, GatewayAnnouncement>();
    const expired: string[] = [];
    ids.forEach((id, i) => {
      const text = values[i];
      if (text === null || text === undefined) {
        expired.push(id);
        return;
      }
      try {
        fresh.set(id, validateAnnouncement(JSON.parse(text)));
      } catch (err) {
        logger.warn({ gatewayId: id, err: (err as Error).message }, 'ignoring a malformed gateway announcement in Redis');
      }
    });
    // A gateway whose key expired died without leaving: take it out of the set (it re-adds itself if it was only cut off).
    if (expired.length > 0) await client.srem(keys.gatewayIds, ...expired);
    if (this.#stopped) return;
    this.#snapshots++;
    const forgetBefore = Date.now() - 2 * this.#opts.ttlMs;
    for (const [id, at] of this.#left) if (at < forgetBefore) this.#left.delete(id);
    for (const id of [...this.#known.keys()]) if (!fresh.has(id)) this.#remove(id);
    for (const g of fresh.values()) this.#add(g);
  }
}
