import type { Logger } from '../../log/logger.js';
import type { ListenerProtocol } from '../../config/types.js';
import type {
  ConnectionRow,
  Engine,
  EngineAddresses,
  EngineEvent,
  EngineOptions,
  EngineStats,
  ListConnectionsOptions,
} from '../engine.js';
import type { EngineTuning } from '../engine-tuning.js';
import { zeroListenerStats } from '../listener-counters.js';
import type { AddonEngine, AddonEvent, NativeAddon } from './addon.js';
import { addonOptions } from './addon-options.js';
import { loadNativeAddon } from './loader.js';
import { stopEngine } from '../stop-sequence.js';
import { protocol2Handshake } from '../../protocol/websocket-handshake.js';

export interface NativeEngineOptions extends EngineOptions {
  /** The same knobs as the JS engine's, with the same defaults. */
  tuning?: EngineTuning;
  /** The loaded addon; default: build/Release/gatehouse.node (the constructor throws when it cannot be loaded). */
  addon?: NativeAddon;
}

const LOG_LEVELS = new Set(['trace', 'debug', 'info', 'warn', 'error', 'fatal']);

const ZERO_STATS: Omit<EngineStats, 'gatewayId'> = {
  connections: 0, connectionsAccepted: 0, connectionsRefused: 0, links: 0, messagesIn: 0, messagesOut: 0, bytesIn: 0,
  bytesOut: 0, writes: 0, tooLarge: 0, invalidJson: 0, framingErrors: 0, slowConsumerDrops: 0, slowConsumerCloses: 0, heldForConnect: 0, heldForConnectDrops: 0,
  heartbeatCloses: 0, encodeErrors: 0, commands: 0, commandsForGoneClients: 0, queries: 0, eventsSent: 0, eventsAcked: 0,
  eventsRedelivered: 0, eventsFailed: 0, eventsUnacked: 0, eventsWaiting: 0, readPauses: 0, readsPaused: false, linkErrors: 0,
  linkOutputStalls: 0, listeners: {},
};

/**
 * The native gateway engine: the C++ addon does all the I/O on its own epoll
 * set, driven from Node's loop; this class only maps the configuration to the
 * addon's options, sequences the stop primitives like JsEngine#stop, turns the
 * addon's control events into EngineEvents and its log records into pino lines.
 * No client message and no worker command passes through here.
 */
export class NativeEngine implements Engine {
  readonly gatewayId: string;
  readonly #options: NativeEngineOptions;
  readonly #addon: NativeAddon;
  readonly #logger: Logger;
  readonly #eventListeners: ((event: EngineEvent) => void)[] = [];
  #engine: AddonEngine | null = null;
  #starting: Promise<EngineAddresses> | null = null;
  #stopping: Promise<void> | null = null;
  /** Counters at close, so stats() keeps answering after stop() (as the JS engine's do). */
  #finalStats: Omit<EngineStats, 'gatewayId'>;

  constructor(options: NativeEngineOptions) {
    this.#options = options;
    this.gatewayId = options.gatewayId;
    this.#logger = options.logger;
    // Before start(), the same rows as the JS engine's: every listener, every counter at zero.
    const listeners = Object.fromEntries(options.config.listeners.map((l) => [l.name, zeroListenerStats()]));
    this.#finalStats = { ...ZERO_STATS, listeners };
    if (options.addon) this.#addon = options.addon;
    else {
      const load = loadNativeAddon();
      if (!load.ok) throw new Error(`the native engine is not available: ${load.reason}`);
      this.#addon = load.addon;
    }
  }

  start(): Promise<EngineAddresses> {
    if (this.#starting) return Promise.reject(new Error('the engine was already started'));
    this.#starting = this.#start();
    return this.#starting;
  }

  async #start(): Promise<EngineAddresses> {
    const { config } = this.#options;
    if (config.gateway.linkHost !== null && config.secretKey === null) {
      throw new Error('gateway.linkHost is set but secretKey is not: worker links over TCP need a shared secret');
    }
    const options = await addonOptions(this.#options, this.#options.tuning);
    if (this.#stopping) throw new Error('the engine was stopped before it started');
    // The addon throws an Error with the engine's own message (port in use, bad option…); nothing stays bound.
    const engine = new this.#addon.Engine(options);
    let bound: ReturnType<AddonEngine['start']>;
    try {
      bound = engine.start((batch) => this.#onEvents(batch), protocol2Handshake);
    } catch (err) {
      // Its epoll fd and timers now, not whenever the collector gets to it.
      engine.close();
      throw err;
    }
    this.#engine = engine;
    return {
      listeners: bound.listeners.map((l) => ({ name: l.name, protocol: l.protocol as ListenerProtocol, host: l.host, port: l.port })),
      linkPath: bound.linkPath,
      linkPort: bound.linkPort,
    };
  }

  stop(options: { graceMs?: number; timeoutMs?: number } = {}): Promise<void> {
    this.#stopping ??= this.#stop(options.graceMs ?? 1000, options.timeoutMs ?? 2000);
    return this.#stopping;
  }

  stats(): EngineStats {
    return { gatewayId: this.gatewayId, ...(this.#engine?.stats() ?? this.#finalStats) };
  }

  listConnections(options: ListConnectionsOptions = {}): ConnectionRow[] {
    const limit = options.limit ?? Infinity;
    if (this.#engine === null || limit <= 0) return [];
    // The addon's 0 means "all".
    const text = this.#engine.connections(Number.isFinite(limit) ? Math.min(Math.floor(limit), 0xffffffff) : 0, options.listener ?? '');
    return JSON.parse(text) as ConnectionRow[];
  }

  onEvent(listener: (event: EngineEvent) => void): void {
    this.#eventListeners.push(listener);
  }

  /** One batch from the addon. Must not throw: the addon would make it the process's uncaught exception. */
  #onEvents(batch: AddonEvent[]): void {
    for (const event of batch) {
      try {
        if (event.type === 'log') this.#log(event);
        else this.#emit(event);
      } catch (err) {
        this.#logger.error({ err, event: event.type }, 'handling a native engine event failed');
      }
    }
  }

  #log(record: { level: string; message: string; fields: string }): void {
    let fields: Record<string, unknown>;
    try {
      const parsed: unknown = JSON.parse(record.fields);
      fields = typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : { fields: parsed };
    } catch {
      fields = { fields: record.fields };
    }
    const level = LOG_LEVELS.has(record.level) ? (record.level as 'info') : 'info';
    this.#logger[level](fields, record.message);
  }

  #emit(event: EngineEvent): void {
    for (const l of this.#eventListeners) {
      try {
        l(event);
      } catch (err) {
        this.#logger.error({ err, event: event.type }, 'an engine event listener threw');
      }
    }
  }

  /** The shared stop sequence (../stop-sequence.ts) on the addon's engine, which offers exactly its steps. */
  async #stop(graceMs: number, timeoutMs: number): Promise<void> {
    await this.#starting?.catch(() => {});
    const e = this.#engine;
    if (e === null) return;
    await stopEngine(e, graceMs, timeoutMs, this.#logger, () => {
      const s = e.stats();
      return { unacked: s.eventsUnacked, waiting: s.eventsWaiting };
    });
    this.#finalStats = e.stats();
    this.#engine = null;
    this.#onEvents(e.close());
  }
}
