import type { ListenerConfig } from '../../config/types.js';
import { PayloadKind } from '../../protocol/constants.js';
import type { ClientCodec } from '../../types.js';
import { CodecFramer } from './codec-framer.js';
import { judgeJsonLine } from './json-line.js';
import { LengthPrefixFramer } from './length-prefix-framer.js';
import { LineFramer } from './line-framer.js';

export { FramingError } from './framing-error.js';

/**
 * Where a framer delivers what it finds. Called synchronously from push(), in
 * stream order. A payload may be a view of a chunk given to push() (the framer
 * never writes to chunks nor reuses memory it handed out, so keeping the payload
 * is safe). The sink must not call push() of the same framer.
 */
export interface FramerSink {
  /** One complete message. payload is the message bytes (without delimiter/header). */
  message(payload: Buffer, kind: PayloadKind): void;
  /** json listeners only: a line that is not valid JSON. The connection stays open; the gateway answers with an error. */
  invalid(reason: string, line: Buffer): void;
}

/**
 * Turns one client's byte stream into messages.
 *
 * push() throws FramingError when the stream breaks the listener's framing
 * (see each protocol below): the connection must then be closed, with
 * `err.reason` as the close reason. After that the framer holds nothing and
 * every further push() throws the same error. An exception thrown by the sink
 * propagates out of push() unchanged and leaves the framer's state unspecified.
 */
export interface ClientFramer {
  push(chunk: Buffer): void;
  /** bytes held of an incomplete message */
  readonly buffered: number;
}

/**
 * The framer for a listener's protocol; `codec` is the loaded codec of a
 * `custom` listener (null otherwise).
 *
 * - `text`: lines (LineFramer: `\n` ends a line, one `\r` before it is dropped,
 *   empty lines are messages), each a PayloadKind.Text message.
 * - `json`: the same lines; blank lines (only spaces, tabs, `\r`) are ignored
 *   silently; a line that is valid JSON is a PayloadKind.Json message of the
 *   line's bytes; any other line goes to sink.invalid() with reason
 *   'invalid JSON: …' and the stream continues with the next line.
 * - `frame`: length-prefixed messages per `listener.frame` (LengthPrefixFramer),
 *   each PayloadKind.Binary.
 * - `custom`: the codec's input()/decode() (CodecFramer); a decoded string is a
 *   PayloadKind.Text message of its UTF-8 bytes, a Buffer a PayloadKind.Binary one.
 * - `websocket`: not framed here (the ws package parses WebSocket frames): TypeError.
 *
 * Every protocol closes a client whose message would exceed
 * `listener.maxMessageSize` bytes with reason 'message too large (limit N bytes)'.
 */
export function createFramer(listener: ListenerConfig, codec: ClientCodec | null, sink: FramerSink): ClientFramer {
  const max = listener.maxMessageSize;
  if (!Number.isSafeInteger(max) || max < 0) {
    throw new TypeError(`listener ${listener.name}: maxMessageSize must be a non-negative integer (got ${String(max)})`);
  }
  switch (listener.protocol) {
    case 'text':
      return new LineFramer(max, (line) => sink.message(line, PayloadKind.Text));
    case 'json':
      return new LineFramer(max, (line) => {
        const verdict = judgeJsonLine(line);
        if (verdict.kind === 'message') sink.message(line, PayloadKind.Json);
        else if (verdict.kind === 'invalid') sink.invalid(verdict.reason, line);
      });
    case 'frame': {
      const { headerSize, endian } = listener.frame;
      if (headerSize !== 2 && headerSize !== 4) {
        throw new TypeError(`listener ${listener.name}: frame.headerSize must be 2 or 4 (got ${String(headerSize)})`);
      }
      if (endian !== 'big' && endian !== 'little') {
        throw new TypeError(`listener ${listener.name}: frame.endian must be 'big' or 'little' (got ${String(endian)})`);
      }
      return new LengthPrefixFramer(listener.frame, max, (payload) => sink.message(payload, PayloadKind.Binary));
    }
    case 'custom':
      if (codec === null) throw new TypeError(`listener ${listener.name}: protocol 'custom' needs a loaded codec`);
      return new CodecFramer(codec, max, (payload, isText) =>
        sink.message(payload, isText ? PayloadKind.Text : PayloadKind.Binary),
      );
    case 'websocket':
      throw new TypeError(`listener ${listener.name}: websocket listeners are framed by the ws package, not createFramer()`);
    default:
      throw new TypeError(`listener ${listener.name}: unknown protocol ${String(listener.protocol as unknown)}`);
  }
}
