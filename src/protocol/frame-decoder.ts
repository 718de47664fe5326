import { DEFAULT_MAX_FRAME_SIZE, FRAME_HEADER_SIZE } from './constants.js';
import { LinkProtocolError } from './errors.js';

export type FrameHandler = (type: number, body: Buffer) => void;

/**
 * Splits a link's byte stream into frames. Bodies are views into the received
 * chunks where a frame lies inside one chunk, so a batch of small frames costs no
 * copies; only a frame split across chunks is assembled. Throws LinkProtocolError
 * on a frame over the bound or with no type byte; the caller closes the link.
 */
export class FrameDecoder {
  #pending: Buffer | null = null;
  readonly #maxFrameSize: number;

  constructor(maxFrameSize = DEFAULT_MAX_FRAME_SIZE) {
    this.#maxFrameSize = maxFrameSize;
  }

  push(chunk: Buffer, onFrame: FrameHandler): void {
    let buf = chunk;
    if (this.#pending !== null) {
      buf = Buffer.concat([this.#pending, chunk]);
      this.#pending = null;
    }
    let offset = 0;
    const end = buf.length;
    while (end - offset >= 4) {
      const length = buf.readUInt32BE(offset);
      if (length < 1) throw new LinkProtocolError('frame with length 0 (no type byte)');
      if (length > this.#maxFrameSize) {
        throw new LinkProtocolError(`frame of ${length} bytes exceeds the limit of ${this.#maxFrameSize}`);
      }
      if (end - offset - 4 < length) break;
      const type = buf[offset + 4]!;
      const body = buf.subarray(offset + FRAME_HEADER_SIZE, offset + 4 + length);
      offset += 4 + length;
      onFrame(type, body);
    }
    if (offset < end) this.#pending = offset === 0 ? buf : Buffer.from(buf.subarray(offset));
  }

  /** Bytes held of an incomplete frame. */
  get buffered(): number {
    return this.#pending?.length ?? 0;
  }
}
