/**
 * A client broke its listener's framing: the connection must be closed.
 * `reason` is short and human-readable; the gateway uses it as the close reason
 * handlers see (ctx.reason), so its wording is part of the contract that the
 * native engine reproduces.
 */
export class FramingError extends Error {
  override name = 'FramingError';
  readonly reason: string;

  constructor(reason: string, options?: { cause?: unknown }) {
    super(reason, options);
    this.reason = reason;
  }
}

/** The one wording of the size-limit error, shared by every protocol. */
export function messageTooLarge(maxMessageSize: number): FramingError {
  return new FramingError(`message too large (limit ${maxMessageSize} bytes)`);
}

/**
 * Makes a framer stay failed: after a FramingError its held bytes are dropped
 * (`discard`) and every later push throws the same error, so a connection
 * being closed cannot produce more messages.
 */
export class FramingFailure {
  #error: FramingError | null = null;

  run(push: () => void, discard: () => void): void {
    if (this.#error !== null) throw this.#error;
    try {
      push();
    } catch (err) {
      if (err instanceof FramingError) {
        this.#error = err;
        discard();
      }
      throw err;
    }
  }
}
