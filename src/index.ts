/**
 * gatehouse's public API: the Gateway API for handlers, and the types of events
 * modules, contexts and configuration. Everything else is internal.
 */
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
export type { FrameOptions, GatehouseConfig, GatewayConfig, ListenerConfig, ListenerInput, ListenerProtocol, RegisterConfig, ResolvedConfig, WorkerConfig } from './config/types.js';
export { ConfigError } from './config/errors.js';
