/**
 * The shape of the native addon (build/Release/gatehouse.node, built from
 * native/src/addon/), as the C++ side defines it. Only the engine-native/ files
 * talk to it; everything else sees the Engine interface.
 */
import type { EngineStats } from '../engine.js';
import type { StoppableEngine } from '../stop-sequence.js';

/** Bumped together with kAddonAbi in native/src/addon/addon.cc whenever a shape below changes. */
export const ADDON_ABI = 3;

export type AddonProtocol = 'text' | 'json' | 'frame' | 'websocket';

export interface AddonStaticRoute {
  /** Exact URL path, starting with '/'. */
  path: string;
  contentType: string;
  body: Buffer;
}

export interface AddonListenerOptions {
  name: string;
  protocol: AddonProtocol;
  host: string;
  port: number;
  maxMessageSize: number;
  /** listen(2) backlog of the client listener. */
  backlog: number;
  frameHeaderSize: 2 | 4;
  frameLittleEndian: boolean;
  frameLengthIncludesHeader: boolean;
  staticRoutes: AddonStaticRoute[];
}

/** gh::EngineOptions (native/src/engine/engine.h), field for field. */
export interface AddonEngineOptions {
  gatewayId: string;
  pid: number;
  listeners: AddonListenerOptions[];
  linkPath: string;
  /** '' for no TCP link listener. */
  linkHost: string;
  linkPort: number;
  /** '' when there is no secretKey. */
  secret: string;
  maxUnackedEvents: number;
  sendBufferSize: number;
  slowConsumerClose: boolean;
  pingIntervalMs: number;
  pingNotResponseLimit: number;
  pingData: string;
  linkOutputLimit: number;
  handshakeTimeoutMs: number;
  maxLinkFrameSize: number;
  closeLingerMs: number;
  maxReadsPerRun?: number;
  /** The per-listener counters to keep and report (LISTENER_COUNTERS, ../listener-counters.ts). */
  listenerCounters: readonly string[];
}

export interface AddonAddresses {
  listeners: { name: string; protocol: AddonProtocol; host: string; port: number }[];
  linkPath: string;
  linkPort: number | null;
}

/** Control events, delivered in batches: one array per engine run that produced any. */
export type AddonEvent =
  | { type: 'link-open'; linkId: number; workerId: string; pid: number; transport: 'unix' | 'tcp' }
  | { type: 'link-close'; linkId: number; workerId: string | null; reason: string; redelivered: number }
  | { type: 'reads-paused'; heldEvents: number }
  | { type: 'reads-resumed'; heldEvents: number }
  /** A log record for the gateway's pino logger; fields is a JSON object's text. */
  | { type: 'log'; level: string; message: string; fields: string };

/**
 * One engine instance. Every method throws an Error once close() was called
 * (close() itself does not). Its stop steps are the shared stop sequence's
 * (../stop-sequence.ts).
 */
export interface AddonEngine extends StoppableEngine {
  /** Binds everything and starts running on Node's loop; throws the engine's message on failure (nothing left bound). */
  /**
   * protocol2Handshake derives the websocket-connect payload a version-2
   * worker expects from the raw one (JSON text in, JSON text out); the engine
   * calls it synchronously, only for such links.
   */
  start(onEvents: (batch: AddonEvent[]) => void, protocol2Handshake: (raw: string) => string): AddonAddresses;
  stats(): Omit<EngineStats, 'gatewayId'>;
  /** ConnectionRow[] as JSON text; limit 0: all; listener '': any. */
  connections(limit: number, listener: string): string;
  /** Releases every socket and loop handle; returns the events still queued. */
  close(): AddonEvent[];
}

export interface NativeAddon {
  Engine: new (options: AddonEngineOptions) => AddonEngine;
  abi: number;
}
