import type { ListenerConfig, ListenerProtocol } from '../../config/types.js';
import { loadClientCodec } from '../transport/codec-loader.js';
import { createEncoder, type ClientEncoder } from '../transport/encoder.js';
import type { ClientCodec } from '../../types.js';

/**
 * A configured client listener as the engine uses it: its config, its custom
 * codec (loaded once) and its encoder. `index` is its position in
 * config.listeners, used to cache a command's encoded bytes per listener.
 */
export class ClientListener {
  /** The port actually bound (port 0 resolved), set once listening. */
  port = 0;

  private constructor(
    readonly index: number,
    readonly config: ListenerConfig,
    readonly codec: ClientCodec | null,
    /** Null for websocket listeners: ws frames are built by websocketFrame(). */
    readonly encode: ClientEncoder | null,
  ) {}

  get name(): string {
    return this.config.name;
  }

  get protocol(): ListenerProtocol {
    return this.config.protocol;
  }

  static async create(index: number, config: ListenerConfig): Promise<ClientListener> {
    const codec = config.protocol === 'custom' ? await loadCodec(config) : null;
    const encode = config.protocol === 'websocket' ? null : createEncoder(config, codec);
    return new ClientListener(index, config, codec, encode);
  }
}

async function loadCodec(config: ListenerConfig): Promise<ClientCodec> {
  if (config.codec === null) throw new TypeError(`listener ${config.name}: protocol 'custom' needs a codec path`);
  return loadClientCodec(config.codec);
}
