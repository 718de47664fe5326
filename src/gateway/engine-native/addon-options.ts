/**
 * The addon's options from what the JS engine is given: the resolved
 * configuration, this gateway's id and index, and the tuning knobs. Static
 * route files are read here, once, with the rules and messages of
 * src/gateway/transport/static-routes.ts, so a bad route fails start() the same way
 * with either engine.
 */
import type { ListenerConfig } from '../../config/types.js';
import { DEFAULT_MAX_FRAME_SIZE, HANDSHAKE_TIMEOUT_MS } from '../../protocol/constants.js';
import { gatewayLinkPath } from '../../protocol/link-address.js';
import { readStaticFiles } from '../transport/static-routes.js';
import type { EngineOptions } from '../engine.js';
import { DEFAULT_CLOSE_LINGER_MS, DEFAULT_LINK_OUTPUT_LIMIT, type EngineTuning } from '../engine-tuning.js';
import { LISTENER_COUNTERS } from '../listener-counters.js';
import type { AddonEngineOptions, AddonListenerOptions } from './addon.js';


async function listenerOptions(l: ListenerConfig): Promise<AddonListenerOptions> {
  if (l.protocol === 'custom') throw new Error(`listener "${l.name}" is protocol 'custom': its codec runs in JavaScript, so the JS engine must serve it`);
  return {
    name: l.name,
    protocol: l.protocol,
    host: l.host,
    port: l.port,
    maxMessageSize: l.maxMessageSize,
    backlog: l.backlog,
    frameHeaderSize: l.frame.headerSize,
    frameLittleEndian: l.frame.endian === 'little',
    frameLengthIncludesHeader: l.frame.lengthIncludesHeader,
    staticRoutes: l.protocol === 'websocket' ? await readStaticFiles(l.static) : [],
  };
}

/** Everything gh::EngineOptions holds, from the same inputs as a JsEngine. */
export async function addonOptions(options: EngineOptions, tuning: EngineTuning = {}): Promise<AddonEngineOptions> {
  const { config, index } = options;
  const g = config.gateway;
  const listeners: AddonListenerOptions[] = [];
  for (const l of config.listeners) listeners.push(await listenerOptions(l));
  return {
    gatewayId: options.gatewayId,
    pid: process.pid,
    listeners,
    linkPath: gatewayLinkPath(config.runDir, index),
    linkHost: g.linkHost ?? '',
    linkPort: g.linkHost === null ? 0 : g.linkPort + index,
    secret: config.secretKey ?? '',
    maxUnackedEvents: g.maxUnackedEvents,
    sendBufferSize: g.sendBufferSize,
    slowConsumerClose: g.slowConsumerPolicy === 'close',
    // Seconds with fractions in the configuration; a positive interval never rounds down to "off".
    pingIntervalMs: g.pingInterval === 0 ? 0 : Math.max(1, Math.round(g.pingInterval * 1000)),
    pingNotResponseLimit: g.pingNotResponseLimit,
    pingData: g.pingData,
    linkOutputLimit: tuning.linkOutputLimit ?? DEFAULT_LINK_OUTPUT_LIMIT,
    handshakeTimeoutMs: tuning.handshakeTimeoutMs ?? HANDSHAKE_TIMEOUT_MS,
    maxLinkFrameSize: tuning.maxLinkFrameSize ?? DEFAULT_MAX_FRAME_SIZE,
    closeLingerMs: tuning.closeLingerMs ?? DEFAULT_CLOSE_LINGER_MS,
    listenerCounters: LISTENER_COUNTERS,
  };
}
