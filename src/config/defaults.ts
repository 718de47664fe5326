import { availableParallelism } from 'node:os';
import type { FrameOptions, GatewayConfig, RegisterConfig, WorkerConfig } from './types.js';

/** Every default in one place; docs/configuration.md describes each. */
export const DEFAULT_FRAME: FrameOptions = { headerSize: 4, endian: 'big', lengthIncludesHeader: false };

export const DEFAULT_LISTENER = {
  host: '0.0.0.0',
  maxMessageSize: 1024 * 1024,
} as const;

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
  port: 1236,
  addresses: [],
};

export const DEFAULT_QUERY_TIMEOUT = 5000;
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
