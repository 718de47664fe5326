import type { FrameOptions, ListenerConfig } from '../../config/types.js';
import type { ClientCodec } from '../../types.js';

/** Frames one message the app sends to clients of a listener. */
export type ClientEncoder = (data: Buffer) => Buffer;

const LF = 0x0a;

/**
 * The encoder for a listener's protocol, the inverse of its framer: what the
 * encoder returns, fed to the listener's framer, yields `data` again (for
 * text/json, as long as data holds no `\n`: it is not escaped).
 *
 * - `text`, `json`: data followed by `\n`.
 * - `frame`: the length header per `listener.frame`, then data. A length that
 *   does not fit the header (over 65535 for 2 bytes, counting the header when
 *   lengthIncludesHeader) throws RangeError.
 * - `custom`: codec.encode(data); an encode() that returns something other than
 *   a Uint8Array throws TypeError, and an exception it throws propagates.
 * - `websocket`: TypeError at creation (the ws package frames WebSocket messages).
 *
 * The gateway encodes a broadcast once per listener and writes the result to
 * every socket, so the returned Buffer must not be modified by the caller.
 */
export function createEncoder(listener: ListenerConfig, codec: ClientCodec | null): ClientEncoder {
  switch (listener.protocol) {
    case 'text':
    case 'json':
      return encodeLine;
    case 'frame':
      return lengthPrefixEncoder(listener.frame, listener.name);
    case 'custom': {
      if (codec === null) throw new TypeError(`listener ${listener.name}: protocol 'custom' needs a loaded codec`);
      return (data) => {
        const out: unknown = codec.encode(data);
        if (Buffer.isBuffer(out)) return out;
        if (out instanceof Uint8Array) return Buffer.from(out.buffer, out.byteOffset, out.byteLength);
        throw new TypeError(`listener ${listener.name}: custom codec encode() returned ${typeof out}; expected a Buffer`);
      };
    }
    case 'websocket':
      throw new TypeError(`listener ${listener.name}: websocket messages are framed by the ws package, not createEncoder()`);
    default:
      throw new TypeError(`listener ${listener.name}: unknown protocol ${String(listener.protocol as unknown)}`);
  }
}

function encodeLine(data: Buffer): Buffer {
  const out = Buffer.allocUnsafe(data.length + 1);
  data.copy(out, 0);
  out[data.length] = LF;
  return out;
}

function lengthPrefixEncoder(options: FrameOptions, listenerName: string): ClientEncoder {
  const { headerSize, endian, lengthIncludesHeader } = options;
  if (headerSize !== 2 && headerSize !== 4) {
    throw new TypeError(`listener ${listenerName}: frame.headerSize must be 2 or 4 (got ${String(headerSize)})`);
  }
  if (endian !== 'big' && endian !== 'little') {
    throw new TypeError(`listener ${listenerName}: frame.endian must be 'big' or 'little' (got ${String(endian)})`);
  }
  const bias = lengthIncludesHeader ? headerSize : 0;
  const maxLength = headerSize === 2 ? 0xffff : 0xffffffff;
  const little = endian === 'little';
  return (data) => {
    const length = data.length + bias;
    if (length > maxLength) {
      throw new RangeError(
        `message of ${data.length} bytes is too long for a ${headerSize}-byte frame header (at most ${maxLength - bias} bytes)`,
      );
    }
    const out = Buffer.allocUnsafe(headerSize + data.length);
    if (headerSize === 2) {
      if (little) out.writeUInt16LE(length, 0);
      else out.writeUInt16BE(length, 0);
    } else if (little) out.writeUInt32LE(length, 0);
    else out.writeUInt32BE(length, 0);
    data.copy(out, headerSize);
    return out;
  };
}
