import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import type { FrameOptions, GatewayConfig, RegisterConfig, WorkerConfig } from './types.js';

/** Every default in one place; docs/configuration.md describes each. */
export const DEFAULT_FRAME: FrameOptions = { headerSize: 4, endian: 'big', lengthIncludesHeader: false };

export const DEFAULT_LISTENER = {
  host: '0.0.0.0',
  maxMessageSize: 1024 * 1024,
} as const;

/** The backlog used when net.core.somaxconn cannot be read (Node's own default). */
export const FALLBACK_BACKLOG = 511;
/** The largest backlog the configuration accepts (Linux caps it at somaxconn anyway). */
export const MAX_BACKLOG = 1 << 20;

/**
 * The system's largest accept queue, the default listener backlog. A connect
 * storm fills a short queue while the gateway's loop is busy, and with SYN
 * cookies the clients it overflows believe they are connected (docs/worker.md,
 * "Connect storms"), so the default is as long as the kernel allows.
 */
export function systemMaxBacklog(file = '/proc/sys/net/core/somaxconn'): number {
  try {
    const n = Number(readFileSync(file, 'utf8').trim());
    return Number.isInteger(n) && n > 0 ? Math.min(n, MAX_BACKLOG) : FALLBACK_BACKLOG;
  } catch {
    return FALLBACK_BACKLOG;
  }
}

export const DEFAULT_GATEWAY: GatewayConfig = {
  count: 1,
  pingInterval: 0,
  pingNotResponseLimit: 0,
  pingData: '',
  linkHost: null,
  linkPort: 7300,
  maxUnackedEvents: 65536,
  sendBufferSize: 1024 * 1024,
  slowConsumerPolicy: 'drop',
  opsPort: 0,
  opsHost: '127.0.0.1',
};

export function defaultWorker(): WorkerConfig {
  return {
    count: 1,
    threads: availableParallelism(),
    maxBatchEvents: 256,
    credits: 8192,
    gateways: [],
    processTimeout: 30000,
    linkOutputLimit: 64 * 1024 * 1024,
    linkOutputPolicy: 'close',
  };
}

export const DEFAULT_REGISTER: RegisterConfig = {
  embedded: true,
  host: '127.0.0.1',
  // 0: the system chooses, so two apps on one machine never collide; a register that
  // workers on other machines use gets a fixed port (docs/register.md).
  port: 0,
  addresses: [],
};

export const DEFAULT_QUERY_TIMEOUT = 5000;
/** A gateway's announcement in Redis outlives three missed heartbeats. */
export const DEFAULT_PRESENCE_TTL = 10000;
export const DEFAULT_STOP_TIMEOUT = 10000;
export const DEFAULT_RELOAD_TIMEOUT = 30000;
export const DEFAULT_ENGINE = 'auto' as const;
/** The names an app's config file may have; an app has exactly one of them. */
export const CONFIG_FILE_NAMES = [
  'gatehouse.config.json',
  'gatehouse.config.js',
  'gatehouse.config.mjs',
  'gatehouse.config.cjs',
  'gatehouse.config.ts',
  'gatehouse.config.mts',
  'gatehouse.config.cts',
] as const;
