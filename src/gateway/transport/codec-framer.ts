import type { ClientCodec } from '../../types.js';
import { FramingError, FramingFailure, messageTooLarge } from './framing-error.js';

/** A decoded message: bytes, and whether decode() gave a string (text) or bytes (binary). */
export type DecodedMessage = (payload: Buffer, isText: boolean) => void;

/**
 * Splits a byte stream with a custom codec (Workerman's protocol shape) for the
 * `custom` protocol.
 *
 * Exact semantics:
 * - input(buffer) sees every byte held that is not yet part of a message,
 *   starting at a message boundary. It returns n > 0, 0 or -1:
 *   - -1: malformed, FramingError 'malformed frame: custom codec input() returned -1'.
 *   - 0: more bytes are needed. If more than maxMessageSize bytes are held, the
 *     message cannot fit: FramingError 'message too large (limit N bytes)'.
 *   - n > maxMessageSize: 'message too large' at once.
 *   - n ≤ bytes held: the first n bytes are the message.
 *   - n > bytes held: as in Workerman (whose Frame protocol returns the declared
 *     total length as soon as the header is read), n is taken as the message's
 *     length: input() is not called again until n bytes have arrived.
 *   Anything else (not an integer, below -1) is a codec error.
 * - decode(messageBytes) returning a string delivers its UTF-8 bytes as text; a
 *   Buffer (or any Uint8Array) is delivered as binary; anything else is a codec error.
 * - An exception thrown by input() or decode() becomes FramingError
 *   'codec error: <message>' (with the exception as cause).
 *
 * Memory handed to decode() is never written again, so a codec may return (or
 * keep) the slice it was given. input() must not keep the buffer it is shown:
 * while a message is incomplete, the bytes live in a growing buffer that is
 * reused. Bytes held never exceed maxMessageSize plus one chunk.
 */
export class CodecFramer {
  readonly #codec: ClientCodec;
  readonly #maxMessageSize: number;
  readonly #deliver: DecodedMessage;

  /** Held bytes (the start of an incomplete message) are #pending[0, #held). */
  #pending: Buffer | null = null;
  #held = 0;
  /** Length input() gave for the held message when it exceeded the bytes held; 0 when unknown. */
  #expected = 0;
  readonly #failure = new FramingFailure();

  constructor(codec: ClientCodec, maxMessageSize: number, deliver: DecodedMessage) {
    this.#codec = codec;
    this.#maxMessageSize = maxMessageSize;
    this.#deliver = deliver;
  }

  get buffered(): number {
    return this.#held;
  }

  push(chunk: Buffer): void {
    this.#failure.run(
      () => this.#push(chunk),
      () => {
        this.#pending = null;
        this.#held = 0;
      },
    );
  }

  #push(chunk: Buffer): void {
    if (chunk.length === 0) return;
    let buf = chunk;
    const fromPending = this.#held > 0;
    if (fromPending) {
      this.#append(chunk);
      if (this.#expected > this.#held) return;
      buf = this.#pending!.subarray(0, this.#held);
    }
    let offset = 0;
    while (offset < buf.length) {
      const rest = offset === 0 ? buf : buf.subarray(offset);
      const length = this.#expected > 0 ? this.#expected : this.#messageLength(rest);
      if (length === 0 || length > rest.length) {
        this.#expected = length;
        // Still the same incomplete message in the growing buffer: keep it as it is.
        if (fromPending && offset === 0) return;
        // Copy the tail: it follows messages already handed out, or lies in the caller's chunk.
        this.#pending = Buffer.from(rest);
        this.#held = rest.length;
        return;
      }
      this.#expected = 0;
      offset += length;
      // Once a message is handed out, buf's memory must never be appended into again.
      this.#pending = null;
      this.#held = 0;
      this.#decode(length === rest.length ? rest : rest.subarray(0, length));
    }
  }

  /** Asks input() for the first message's length; throws FramingError when it says no message can come. */
  #messageLength(buffer: Buffer): number {
    let n: unknown;
    try {
      n = this.#codec.input(buffer);
    } catch (err) {
      throw new FramingError(`codec error: ${describe(err)}`, { cause: err });
    }
    if (n === -1) throw new FramingError('malformed frame: custom codec input() returned -1');
    if (typeof n !== 'number' || !Number.isInteger(n) || n < 0) {
      throw new FramingError(`codec error: input() returned ${String(n)}; expected a length, 0 or -1`);
    }
    if (n > this.#maxMessageSize || (n === 0 && buffer.length > this.#maxMessageSize)) {
      throw messageTooLarge(this.#maxMessageSize);
    }
    return n;
  }

  #decode(message: Buffer): void {
    let decoded: unknown;
    try {
      decoded = this.#codec.decode(message);
    } catch (err) {
      throw new FramingError(`codec error: ${describe(err)}`, { cause: err });
    }
    if (typeof decoded === 'string') this.#deliver(Buffer.from(decoded, 'utf8'), true);
    else if (Buffer.isBuffer(decoded)) this.#deliver(decoded, false);
    else if (decoded instanceof Uint8Array) this.#deliver(Buffer.from(decoded.buffer, decoded.byteOffset, decoded.byteLength), false);
    else throw new FramingError(`codec error: decode() returned ${typeName(decoded)}; expected a string or a Buffer`);
  }

  /** Appends to the held bytes, growing the buffer geometrically so a long message costs O(n) copies. */
  #append(chunk: Buffer): void {
    const needed = this.#held + chunk.length;
    const pending = this.#pending!;
    if (needed > pending.length) {
      const grown = Buffer.allocUnsafe(Math.max(needed, pending.length * 2));
      pending.copy(grown, 0, 0, this.#held);
      this.#pending = grown;
    }
    chunk.copy(this.#pending!, this.#held);
    this.#held = needed;
  }
}

function describe(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

function typeName(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value === 'object') return (value as object).constructor?.name ?? 'an object';
  return typeof value;
}
