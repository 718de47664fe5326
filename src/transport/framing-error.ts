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
