import { FramingFailure, messageTooLarge } from './framing-error.js';

const LF = 0x0a;
const CR = 0x0d;

/**
 * Splits a byte stream into lines for the `text` and `json` protocols.
 *
 * Exact semantics (the native engine matches them):
 * - A line ends at `\n`; the `\n` and one `\r` right before it are not part of
 *   the line. Other `\r` bytes are kept. An empty line is a line (length 0).
 * - The limit applies to the line as delivered (without `\n` and that `\r`):
 *   a line longer than maxMessageSize bytes is an error. While no `\n` has come,
 *   the error is raised as soon as it is certain: when the bytes held exceed the
 *   limit, not counting a last `\r` (which a `\n` may still strip).
 * - Bytes after the last `\n` are held until the next push; nothing is ever
 *   delivered without its `\n` (a connection that closes mid-line drops it).
 *
 * Cost: a line that lies within one chunk is delivered as a view of that chunk
 * (no copy). A line spread over chunks is kept as a list of parts and copied
 * once, when its `\n` arrives; each byte is scanned for `\n` only once.
 */
export class LineFramer {
  /** Parts of the incomplete line, in order; their total is #held. */
  #parts: Buffer[] = [];
  #held = 0;
  readonly #failure = new FramingFailure();
  readonly #maxMessageSize: number;
  readonly #deliver: (line: Buffer) => void;

  constructor(maxMessageSize: number, deliver: (line: Buffer) => void) {
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
        this.#parts = [];
        this.#held = 0;
      },
    );
  }

  #push(chunk: Buffer): void {
    let start = 0;
    let newline = chunk.indexOf(LF);
    if (newline !== -1 && this.#held > 0) {
      // The first line began in earlier chunks: assemble it once.
      this.#parts.push(chunk.subarray(0, newline));
      const line = Buffer.concat(this.#parts, this.#held + newline);
      this.#parts = [];
      this.#held = 0;
      this.#emit(line);
      start = newline + 1;
      newline = chunk.indexOf(LF, start);
    }
    while (newline !== -1) {
      this.#emit(chunk.subarray(start, newline));
      start = newline + 1;
      newline = chunk.indexOf(LF, start);
    }
    if (start === chunk.length) return;
    // Keep the tail. A whole chunk is kept as it is; a tail after delivered lines
    // is copied so the (possibly much larger) chunk can be released.
    const tail = start === 0 ? chunk : Buffer.from(chunk.subarray(start));
    this.#parts.push(tail);
    this.#held += tail.length;
    const trailingCr = tail[tail.length - 1] === CR ? 1 : 0;
    if (this.#held - trailingCr > this.#maxMessageSize) throw messageTooLarge(this.#maxMessageSize);
  }

  #emit(raw: Buffer): void {
    const line = raw.length > 0 && raw[raw.length - 1] === CR ? raw.subarray(0, raw.length - 1) : raw;
    if (line.length > this.#maxMessageSize) throw messageTooLarge(this.#maxMessageSize);
    this.#deliver(line);
  }
}
