import type { Redis } from 'ioredis';
import type { Logger } from '../log/logger.js';
import { reachableTcpAddress } from '../register/announcer.js';
import type { GatewayAnnouncement } from '../register/messages.js';
import { closeRedisClient } from './redis-client.js';
import type { ClusterKeys } from './keys.js';

export interface GatewayPresenceOptions {
  /** A connection to the shard that holds the gateway directory; owned (closed at stop). */
  client: Redis;
  keys: ClusterKeys;
  /** Ms the announcement lives without a heartbeat; heartbeats come every third of it. */
  ttlMs: number;
  /**
   * What to announce. A link listener bound to a wildcard host is announced
   * at the local address of the Redis connection (reachableTcpAddress): the
   * interface that reaches the cluster's network.
   */
  gateway: GatewayAnnouncement;
  logger: Logger;
}

/**
 * A gateway's presence in Redis: its announcement under a key with a TTL,
 * refreshed by a heartbeat, its id in the directory's set, and a join on the
 * events channel whenever it (re)appears. A gateway that dies stops beating
 * and drops out within the TTL; a graceful stop deletes it and says leave at
 * once. While Redis is unreachable the beats fail and are retried at the next
 * beat: the key may expire meanwhile, and the first beat that succeeds
 * announces the gateway again.
 */
export class GatewayPresence {
  readonly #opts: GatewayPresenceOptions;
  #json = '';
  #timer: NodeJS.Timeout | null = null;
  /** Whether the last beat reached Redis (a failed one makes the next success a re-join). */
  #present = false;
  #beating: Promise<void> | null = null;
  #stopped = false;
  #beats = 0;

  constructor(opts: GatewayPresenceOptions) {
    this.#opts = opts;
  }

  /** The announcement as sent: the link address resolved against the Redis connection's local address. */
  #announcement(): GatewayAnnouncement {
    const g = this.#opts.gateway;
    const local = (this.#opts.client as unknown as { stream?: { localAddress?: string } }).stream?.localAddress;
    return { ...g, address: { ...g.address, tcp: reachableTcpAddress(g.address.tcp, { localAddress: local }) } };
  }

  start(): void {
    const every = Math.max(100, Math.floor(this.#opts.ttlMs / 3));
    this.#timer = setInterval(() => this.#beat(), every);
    this.#timer.unref();
    this.#beat();
    // ioredis is not ready at the first beat: announce as soon as it is.
    this.#opts.client.on('ready', () => {
      if (!this.#present) this.#beat();
    });
  }

  /** Whether the announcement is in Redis as far as this gateway knows. */
  get present(): boolean {
    return this.#present;
  }

  /** Heartbeats that reached Redis. */
  get beats(): number {
    return this.#beats;
  }

  #beat(): void {
    if (this.#stopped || this.#beating !== null) return;
    const { client, keys, ttlMs, gateway } = this.#opts;
    if (client.status !== 'ready') {
      this.#present = false;
      return;
    }
    const rejoin = !this.#present;
    if (rejoin) this.#json = JSON.stringify(this.#announcement());
    const tx = client.multi().set(keys.presence(gateway.gatewayId), this.#json, 'PX', ttlMs).sadd(keys.gatewayIds, gateway.gatewayId);
    if (rejoin) tx.publish(keys.gatewayEvents, `{"type":"join","gateway":${this.#json}}`);
    this.#beating = tx
      .exec()
      .then((results) => {
        const failed = results?.find(([err]) => err !== null);
        if (results === null || failed !== undefined) throw failed?.[0] ?? new Error('the transaction was discarded');
        this.#beats++;
        if (rejoin) this.#opts.logger.info({ gatewayId: gateway.gatewayId, ttlMs }, 'announced in Redis');
        this.#present = true;
      })
      .catch((err: Error) => {
        if (this.#present) this.#opts.logger.warn({ gatewayId: gateway.gatewayId, err: err.message }, 'Redis heartbeat failed; retrying at the next beat');
        this.#present = false;
      })
      .finally(() => {
        this.#beating = null;
      });
  }

  /** Leaves the directory (workers learn at once) and closes the connection. */
  async stop(): Promise<void> {
    if (this.#stopped) return;
    this.#stopped = true;
    if (this.#timer !== null) clearInterval(this.#timer);
    await this.#beating;
    const { client, keys, gateway } = this.#opts;
    if (client.status === 'ready') {
      try {
        await client
          .multi()
          .del(keys.presence(gateway.gatewayId))
          .srem(keys.gatewayIds, gateway.gatewayId)
          .publish(keys.gatewayEvents, JSON.stringify({ type: 'leave', gatewayId: gateway.gatewayId }))
          .exec();
      } catch (err) {
        this.#opts.logger.warn({ gatewayId: gateway.gatewayId, err: (err as Error).message }, 'could not leave the Redis directory; the entry expires with its TTL');
      }
    }
    await closeRedisClient(client);
  }
}
