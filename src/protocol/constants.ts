/**
 * Numbers of the internal gateway⇄worker link protocol. docs/protocol.md is the
 * normative description; this file and it change together.
 */

/**
 * Bumped on any incompatible change. A gateway accepts workers of its own
 * version and of the one before (OLDEST_PROTOCOL_VERSION), so an upgrade can
 * roll; a worker speaks the newest version both sides know (docs/protocol.md
 * "Versions"). 2: Command arguments in a binary layout. 3: the
 * WebSocketConnect payload is the raw request head.
 */
export const PROTOCOL_VERSION = 3;
export const OLDEST_PROTOCOL_VERSION = 2;

/** Bytes of the frame header: u32 big-endian length of what follows, then u8 type. */
export const FRAME_HEADER_SIZE = 5;

/** Default bound on one frame; a larger one closes the link. */
export const DEFAULT_MAX_FRAME_SIZE = 16 * 1024 * 1024;

/** Bytes of the nonces and HMAC-SHA256 proofs of the handshake. */
export const NONCE_SIZE = 32;
export const MAC_SIZE = 32;

/** A link that has not finished its handshake within this time is closed. */
export const HANDSHAKE_TIMEOUT_MS = 5000;

/**
 * The Reject reason a gateway closes its links with when it stops gracefully:
 * the worker logs that close as expected, not as a fault.
 */
export const GATEWAY_STOPPING = 'gateway stopping';

export const FrameType = {
  /** G→W: version, nonce, gateway description. First frame on a link. */
  Hello: 0x01,
  /** W→G: version, nonce, HMAC proving the secret, worker description. */
  Auth: 0x02,
  /** G→W: HMAC proving the gateway knows the secret too; the link is open. */
  Welcome: 0x03,
  /** Either way: a UTF-8 reason, then the sender closes the link. */
  Reject: 0x04,
  /** Either way: u64 timestamp; answered by Pong with the same bytes. */
  Ping: 0x05,
  Pong: 0x06,
  /** G→W: one client event (connect, websocket-connect, message, close). */
  Event: 0x10,
  /** W→G: the listed event sequence numbers are handled; each returns one credit. */
  Ack: 0x11,
  /** W→G: grants more credits (events the gateway may have unacknowledged on this link). */
  Credit: 0x12,
  /** W→G: stop pinning new clients to this link; move idle ones away (reload). */
  Drain: 0x13,
  /**
   * G→W, empty: answers Drain once nothing is pinned to the link and nothing on
   * it is unacknowledged; the draining worker may stop (reload).
   */
  Drained: 0x14,
  /**
   * G→W, version 2 and later: u32 n ‖ clientId[12] × n. These clients moved to
   * another link (after a Drain) with nothing left in flight here: the worker
   * forgets them. Should one come back to this link, its first event carries
   * its session and info again.
   */
  Forget: 0x15,
  /** W→G: a Gateway API command (send, group, uid, session…). */
  Command: 0x20,
  /** W→G: a Gateway API query with a request id. */
  Query: 0x21,
  /** G→W: the answer to a query. */
  Reply: 0x22,
} as const;
export type FrameType = (typeof FrameType)[keyof typeof FrameType];

export const EventKind = {
  Connect: 1,
  WebSocketConnect: 2,
  Message: 3,
  Close: 4,
} as const;
export type EventKind = (typeof EventKind)[keyof typeof EventKind];

/** Bits of an Event frame's flags byte. */
export const EventFlag = {
  /** The session JSON follows the fixed header. */
  Session: 0x01,
  /** The client info JSON follows (after the session, if any). */
  Info: 0x02,
  /** This event was delivered before on a link that died. */
  Redelivery: 0x04,
} as const;

/** Bits 4-5 of an Event frame's flags: how a message payload is handed to the app. */
export const PayloadKind = {
  Text: 0,
  Binary: 1,
  Json: 2,
} as const;
export type PayloadKind = (typeof PayloadKind)[keyof typeof PayloadKind];
export const PAYLOAD_KIND_SHIFT = 4;
export const PAYLOAD_KIND_MASK = 0x30;

export const CommandOp = {
  SendToClient: 1,
  SendToAll: 2,
  SendToUid: 3,
  SendToGroup: 4,
  CloseClient: 5,
  DestroyClient: 6,
  BindUid: 7,
  UnbindUid: 8,
  JoinGroup: 9,
  LeaveGroup: 10,
  Ungroup: 11,
  Session: 12,
} as const;
export type CommandOp = (typeof CommandOp)[keyof typeof CommandOp];

/** Bits of a Command frame's flags byte. */
export const CommandFlag = {
  /** Data skips the listener's encoder: written to the socket as it is. */
  Raw: 0x01,
  /** Data is binary (a WebSocket binary frame); otherwise UTF-8 text. */
  Binary: 0x02,
  /** CloseClient carries data to send before closing. */
  HasData: 0x04,
  /** Version 2, SendToAll: an id list of the only recipients follows. */
  Only: 0x08,
  /** Version 2, SendToAll and SendToGroup: an id list of excluded clients follows. */
  Exclude: 0x10,
} as const;

/** How a Session command's data changes the session. */
export const SessionPatchKind = {
  /** {"s": {key: value}, "d": [key]}: top-level keys set and deleted by a handler. */
  Diff: 1,
  /** The data is the whole new session. */
  Replace: 2,
  /** The data is deep-merged into the session. */
  Merge: 3,
} as const;
export type SessionPatchKind = (typeof SessionPatchKind)[keyof typeof SessionPatchKind];

export const ReplyStatus = { Ok: 0, Error: 1 } as const;
