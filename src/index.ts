/**
 * gatehouse's public API: the Gateway API for handlers, start() to run an app
 * from code, and the types of events modules, contexts and configuration.
 * Everything else is internal.
 */
import type { GatehouseConfig } from './config/types.js';
import type { GatehouseApp, StartOptions } from './supervisor/start.js';

export { Gateway } from './worker/gateway-api.js';
export type {
  ClientCodec,
  ClientInfo,
  CloseContext,
  EventContext,
  EventsModule,
  GatewayApi,
  Group,
  SendData,
  SendOptions,
  SendToAllOptions,
  SendToGroupOptions,
  Session,
  Uid,
  WebSocketHandshake,
  WorkerThreadInfo,
} from './types.js';
export type { FrameOptions, GatehouseConfig, GatewayConfig, ListenerConfig, ListenerInput, ListenerProtocol, RegisterConfig, WorkerConfig } from './config/types.js';
export { StartError } from './supervisor/start-error.js';
export type { AppStopOptions, GatehouseApp, StartOptions } from './supervisor/start.js';
export { ConfigError } from './config/errors.js';

/**
 * Starts an app from code: `config` is an app directory, a config file path
 * or a configuration object; resolves once every process is ready, with the
 * bound ports, reload() and stop(). See docs/api.md.
 *
 * Loaded on first call: events modules import this package for `Gateway` in
 * every pool thread, and should not load the supervisor and both gateway
 * engines with it.
 */
export async function start(config: string | GatehouseConfig, options?: StartOptions): Promise<GatehouseApp> {
  const { start: startApp } = await import('./supervisor/start.js');
  return startApp(config, options);
}
