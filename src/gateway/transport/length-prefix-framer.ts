import type { FrameOptions } from '../../config/types.js';
import { FramingError, FramingFailure, messageTooLarge } from './framing-error.js';

/**
 * Splits a byte stream into length-prefixed messages for the `frame` protocol.
 *
 * Exact semantics (the native engine matches them):
 * - Each message is a header of `headerSize` (2 or 4) bytes holding an unsigned
 *   length in `endian` byte order, then the payload. With `lengthIncludesHeader`
 *   the length counts the header too, so payload = length − headerSize and a
 *   length below headerSize is a malformed frame; otherwise payload = length.
 * - The payload is checked against maxMessageSize as soon as the header is
 *   complete, before any of the body arrives, so a client cannot make the
 *   gateway hold more than the limit.
 * - A zero-length payload is a message (an empty Buffer).
 *
 * Cost: a message within one chunk is delivered as a view of it (no copy); a
 * message spread over chunks is kept as a list of parts and copied once when
 * complete. Memory held grows only with bytes received, never with a declared
 * length.
 */
export class LengthPrefixFramer {
  readonly #headerSize: number;
  readonly #littleEndian: boolean;
  /** What to subtract from a declared length to get the payload length. */
  readonly #lengthBias: number;
  readonly #maxMessageSize: number;
  readonly #deliver: (payload: Buffer) => void;

  /** Bytes of a header split across chunks (#headerHeld of them valid). */
  readonly #header: Buffer;
  #headerHeld = 0;
  /** Payload length of the message being assembled, or -1 while its header is incomplete. */
  #payloadLength = -1;
  #parts: Buffer[] = [];
  #payloadHeld = 0;
  readonly #failure = new FramingFailure();

  constructor(options: FrameOptions, maxMessageSize: number, deliver: (payload: Buffer) => void) {
    this.#headerSize = options.headerSize;
    this.#littleEndian = options.endian === 'little';
    this.#lengthBias = options.lengthIncludesHeader ? options.headerSize : 0;
    this.#maxMessageSize = maxMessageSize;
    this.#deliver = deliver;
    this.#header = Buffer.alloc(options.headerSize);
  }

  /** Bytes received of the incomplete message, its header included. */
  get buffered(): number {
    return this.#payloadLength >= 0 ? this.#headerSize + this.#payloadHeld : this.#headerHeld;
  }

  push(chunk: Buffer): void {
    this.#failure.run(
      () => this.#push(chunk),
      () => {
        this.#parts = [];
        this.#payloadHeld = 0;
        this.#headerHeld = 0;
        this.#payloadLength = -1;
      },
    );
  }

  #push(chunk: Buffer): void {
    let offset = this.#headerHeld > 0 || this.#payloadLength >= 0 ? this.#continuePending(chunk) : 0;
    if (offset < 0) return;
    const end = chunk.length;
    const headerSize = this.#headerSize;
    // Fast path: whole messages read straight out of the chunk.
    while (end - offset >= headerSize) {
      const payloadLength = this.#payloadLengthAt(chunk, offset);
      const bodyStart = offset + headerSize;
      if (end - bodyStart < payloadLength) {
        // The body continues in later chunks. Copy what is here if the chunk held
        // earlier messages, so the chunk itself can be released.
        this.#payloadLength = payloadLength;
        if (bodyStart < end) this.#hold(offset === 0 ? chunk.subarray(bodyStart) : Buffer.from(chunk.subarray(bodyStart)));
        return;
      }
      offset = bodyStart + payloadLength;
      this.#deliver(chunk.subarray(bodyStart, offset));
    }
    if (offset < end) {
      chunk.copy(this.#header, 0, offset, end);
      this.#headerHeld = end - offset;
    }
  }

  /**
   * Feeds the start of a chunk to the message begun in earlier chunks. Returns
   * the offset where the chunk's remaining bytes start, or -1 when all of them
   * went to the pending message, which is still incomplete.
   */
  #continuePending(chunk: Buffer): number {
    let offset = 0;
    if (this.#payloadLength < 0) {
      const take = Math.min(this.#headerSize - this.#headerHeld, chunk.length);
      chunk.copy(this.#header, this.#headerHeld, 0, take);
      this.#headerHeld += take;
      offset = take;
      if (this.#headerHeld < this.#headerSize) return -1;
      this.#payloadLength = this.#payloadLengthAt(this.#header, 0);
      this.#headerHeld = 0;
    }
    const missing = this.#payloadLength - this.#payloadHeld;
    if (chunk.length - offset < missing) {
      if (offset < chunk.length) this.#hold(offset === 0 ? chunk : chunk.subarray(offset));
      return -1;
    }
    this.#parts.push(chunk.subarray(offset, offset + missing));
    const payload = this.#parts.length === 1 ? this.#parts[0]! : Buffer.concat(this.#parts, this.#payloadLength);
    this.#parts = [];
    this.#payloadHeld = 0;
    this.#payloadLength = -1;
    this.#deliver(payload);
    return offset + missing;
  }

  #hold(part: Buffer): void {
    this.#parts.push(part);
    this.#payloadHeld += part.length;
  }

  /** Reads a header and checks it; throws FramingError when the message must not be accepted. */
  #payloadLengthAt(buf: Buffer, offset: number): number {
    let length: number;
    if (this.#headerSize === 2) length = this.#littleEndian ? buf.readUInt16LE(offset) : buf.readUInt16BE(offset);
    else length = this.#littleEndian ? buf.readUInt32LE(offset) : buf.readUInt32BE(offset);
    if (length < this.#lengthBias) {
      throw new FramingError(
        `malformed frame: length ${length} is less than the ${this.#headerSize}-byte header it includes`,
      );
    }
    const payloadLength = length - this.#lengthBias;
    if (payloadLength > this.#maxMessageSize) throw messageTooLarge(this.#maxMessageSize);
    return payloadLength;
  }
}
