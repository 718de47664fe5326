import type { Redis } from 'ioredis';
import type { ResolvedConfig } from '../config/types.js';
import type { Logger } from '../log/logger.js';
import type { DirectoryEvents } from '../register/discovered-links.js';
import type { GatewayAnnouncement } from '../register/messages.js';
import { GatewayPresence } from './gateway-presence.js';
import { ClusterKeys } from './keys.js';
import { createRedisClient } from './redis-client.js';
import { RedisGatewayDirectory } from './redis-gateway-directory.js';
import { ShardRing } from './shard-ring.js';

/** Whether this deployment runs on Redis (`redis` / GATEHOUSE_REDIS set). */
export function usesRedis(config: ResolvedConfig): boolean {
  return (config.cluster?.redis.length ?? 0) > 0;
}

/** The shards of a deployment, each named by its URL. */
export function shardRing(config: ResolvedConfig): ShardRing<string> {
  return new ShardRing(config.cluster.redis.map((url) => ({ id: url, value: url })));
}

export function clusterKeys(config: ResolvedConfig): ClusterKeys {
  return new ClusterKeys(config.cluster.prefix);
}

/** A connection to the shard that holds the gateway directory. */
function directoryClient(config: ResolvedConfig, logger: Logger, purpose: string): Redis {
  const url = shardRing(config).shardOf(clusterKeys(config).gatewayIds);
  return createRedisClient({ url, logger, purpose, commandTimeout: 5000 });
}

/** A gateway's presence in the Redis directory (not started). */
export function gatewayPresence(config: ResolvedConfig, gateway: GatewayAnnouncement, logger: Logger): GatewayPresence {
  return new GatewayPresence({ client: directoryClient(config, logger, 'presence'), keys: clusterKeys(config), ttlMs: config.cluster.presenceTtl, gateway, logger });
}

/** A worker's directory of the gateways announced in Redis (not started). */
export function redisGatewayDirectory(config: ResolvedConfig, logger: Logger, events: DirectoryEvents): RedisGatewayDirectory {
  return new RedisGatewayDirectory({
    client: directoryClient(config, logger, 'directory'),
    subscriber: directoryClient(config, logger, 'directory-events'),
    keys: clusterKeys(config),
    ttlMs: config.cluster.presenceTtl,
    logger,
    onJoin: events.onJoin,
    onLeave: events.onLeave,
  });
}
