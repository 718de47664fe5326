/**
 * Tuning of a gateway engine that is not a user setting (tests and benches
 * set it), with its defaults: the same for both engines.
 */
export interface EngineTuning {
  /** Unsent bytes on a link beyond which no more events go to it until it drains. Default 4 MiB. */
  linkOutputLimit?: number;
  /** Default HANDSHAKE_TIMEOUT_MS (5 s, docs/protocol.md). */
  handshakeTimeoutMs?: number;
  /** Largest frame accepted from a worker. Default DEFAULT_MAX_FRAME_SIZE (16 MiB). */
  maxLinkFrameSize?: number;
  /** After a graceful close, a TCP client that has not closed its end is destroyed after this long. Default 5 s. */
  closeLingerMs?: number;
}

export const DEFAULT_LINK_OUTPUT_LIMIT = 4 * 1024 * 1024;
export const DEFAULT_CLOSE_LINGER_MS = 5000;
