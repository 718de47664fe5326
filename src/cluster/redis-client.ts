import { Redis } from 'ioredis';
import type { Logger } from '../log/logger.js';

/** Longest wait between reconnect attempts to a Redis that is down. */
const MAX_RECONNECT_DELAY_MS = 2000;

export interface RedisClientOptions {
  url: string;
  logger: Logger;
  /** What this connection is for, in its CLIENT SETNAME and log lines ("presence", "directory"). */
  purpose: string;
  /** Ms a command may wait for its reply before it fails; blocking reads (XREAD BLOCK) use a longer one of their own. */
  commandTimeout?: number;
}

/** The URL without its password, for log lines. */
export function redactedUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password !== '') u.password = '***';
    return u.toString().replace(/\/$/, '');
  } catch {
    return '(unparsable Redis URL)';
  }
}

/**
 * One ioredis connection, configured the way the cluster code relies on:
 *
 * - no offline queue: a command issued while Redis is unreachable fails at
 *   once, so the caller decides (a heartbeat waits for the next beat, the
 *   cross-gateway outbox keeps it within its bound); ioredis's own queue has
 *   no bound and would hide an outage;
 * - reconnects forever with a capped backoff, and resubscribes channels on
 *   reconnect (ioredis's autoResubscribe, on by default);
 * - every state change logged once (down: warn, back: info), not per retry.
 */
export function createRedisClient(opts: RedisClientOptions): Redis {
  const where = redactedUrl(opts.url);
  const client = new Redis(opts.url, {
    connectionName: `gatehouse-${opts.purpose}-${process.pid}`,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    commandTimeout: opts.commandTimeout,
    retryStrategy: (times) => Math.min(50 * 2 ** Math.min(times, 6), MAX_RECONNECT_DELAY_MS),
    lazyConnect: false,
  });
  let down = false;
  client.on('ready', () => {
    if (down) opts.logger.info({ redis: where, purpose: opts.purpose }, 'Redis reachable again');
    down = false;
  });
  client.on('error', (err: Error) => {
    if (down) return;
    down = true;
    opts.logger.warn({ redis: where, purpose: opts.purpose, err: err.message }, 'Redis unreachable; retrying');
  });
  client.on('close', () => {
    if (!down && client.status !== 'end') {
      down = true;
      opts.logger.warn({ redis: where, purpose: opts.purpose }, 'Redis connection closed; reconnecting');
    }
  });
  return client;
}

/** Closes a connection without waiting for a Redis that may be gone. */
export async function closeRedisClient(client: Redis): Promise<void> {
  if (client.status === 'end') return;
  if (client.status === 'ready') {
    try {
      await client.quit();
      return;
    } catch {
      /* fall through to a hard disconnect */
    }
  }
  client.disconnect(false);
}
