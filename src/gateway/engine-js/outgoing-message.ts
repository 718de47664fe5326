import { CommandFlag } from '../../protocol/constants.js';
import type { ClientListener } from './client-listener.js';
import { websocketFrame } from './websocket-frame.js';

/**
 * The data of one send command, encoded at most once per listener however many
 * clients receive it (a broadcast to 10,000 WebSocket clients frames once).
 * A listener whose encoder refuses the data (too long for a 2-byte frame header,
 * a custom codec that throws) gets null: reported once through onEncodeError,
 * and nobody on that listener receives the message.
 */
export class OutgoingMessage {
  readonly #cache: (Buffer | null | undefined)[] = [];

  constructor(
    readonly data: Buffer,
    readonly flags: number,
    private readonly onEncodeError: (listener: ClientListener, error: unknown) => void,
  ) {}

  bytesFor(listener: ClientListener): Buffer | null {
    const cached = this.#cache[listener.index];
    if (cached !== undefined) return cached;
    let bytes: Buffer | null;
    try {
      bytes = encode(listener, this.data, this.flags);
    } catch (err) {
      this.onEncodeError(listener, err);
      bytes = null;
    }
    this.#cache[listener.index] = bytes;
    return bytes;
  }
}

/** The bytes one listener's clients get for data: raw, a WebSocket frame, or the listener's encoder. */
export function encode(listener: ClientListener, data: Buffer, flags: number): Buffer {
  if (flags & CommandFlag.Raw) return data;
  if (listener.encode === null) return websocketFrame(data, (flags & CommandFlag.Binary) !== 0);
  return listener.encode(data);
}
