import { CLIENT_ID_BYTES, readClientId, writeClientId } from './client-id.js';
import { EventFlag, FRAME_HEADER_SIZE, FrameType, PAYLOAD_KIND_MASK, PAYLOAD_KIND_SHIFT } from './constants.js';
import type { EventKind, PayloadKind } from './constants.js';
import { LinkProtocolError } from './errors.js';

/**
 * Event frame body (G→W):
 *   u32 seq ‖ u8 kind ‖ u8 flags ‖ clientId[12] ‖ u32 sessionVersion ‖ u32 patchAck
 *   [‖ u32 n ‖ session JSON[n]]   if flags & Session
 *   [‖ u32 n ‖ info JSON[n]]      if flags & Info
 *   ‖ payload (the rest)
 * The payload is the message for Message, handshake JSON for WebSocketConnect,
 * the UTF-8 close reason for Close, empty for Connect.
 */
export const EVENT_FIXED_SIZE = 4 + 1 + 1 + CLIENT_ID_BYTES + 4 + 4;

export interface LinkEvent {
  seq: number;
  kind: EventKind;
  clientId: string;
  sessionVersion: number;
  /** Highest session patch id from this link that the gateway had applied when it sent the event. */
  patchAck: number;
  redelivery: boolean;
  payloadKind: PayloadKind;
  /** Session JSON bytes, when the gateway judged the worker's copy stale. */
  session: Buffer | null;
  /** Client info JSON bytes, when this link may not know the client yet. */
  info: Buffer | null;
  payload: Buffer;
}

export interface EventFields {
  seq: number;
  kind: EventKind;
  clientId: string;
  sessionVersion: number;
  patchAck: number;
  redelivery?: boolean;
  payloadKind?: PayloadKind;
  session?: Uint8Array | null;
  info?: Uint8Array | null;
  payload?: Uint8Array;
}

/** A whole Event frame, header included, in one buffer. */
export function encodeEventFrame(e: EventFields): Buffer {
  const session = e.session ?? null;
  const info = e.info ?? null;
  const payload = e.payload;
  const bodySize =
    EVENT_FIXED_SIZE + (session ? 4 + session.length : 0) + (info ? 4 + info.length : 0) + (payload ? payload.length : 0);
  const buf = Buffer.allocUnsafe(FRAME_HEADER_SIZE + bodySize);
  buf.writeUInt32BE(bodySize + 1, 0);
  buf[4] = FrameType.Event;
  let o = FRAME_HEADER_SIZE;
  buf.writeUInt32BE(e.seq >>> 0, o);
  buf[o + 4] = e.kind;
  buf[o + 5] =
    (session ? EventFlag.Session : 0) |
    (info ? EventFlag.Info : 0) |
    (e.redelivery ? EventFlag.Redelivery : 0) |
    ((e.payloadKind ?? 0) << PAYLOAD_KIND_SHIFT);
  writeClientId(e.clientId, buf, o + 6);
  buf.writeUInt32BE(e.sessionVersion >>> 0, o + 6 + CLIENT_ID_BYTES);
  buf.writeUInt32BE(e.patchAck >>> 0, o + 10 + CLIENT_ID_BYTES);
  o += EVENT_FIXED_SIZE;
  if (session) {
    buf.writeUInt32BE(session.length, o);
    buf.set(session, o + 4);
    o += 4 + session.length;
  }
  if (info) {
    buf.writeUInt32BE(info.length, o);
    buf.set(info, o + 4);
    o += 4 + info.length;
  }
  if (payload) buf.set(payload, o);
  return buf;
}

export function decodeEvent(body: Buffer): LinkEvent {
  if (body.length < EVENT_FIXED_SIZE) throw new LinkProtocolError(`event: ${body.length} bytes is shorter than its header`);
  const kind = body[4]!;
  if (kind < 1 || kind > 4) throw new LinkProtocolError(`event: unknown kind ${kind}`);
  const flags = body[5]!;
  const payloadKind = ((flags & PAYLOAD_KIND_MASK) >> PAYLOAD_KIND_SHIFT) as PayloadKind;
  if (payloadKind > 2) throw new LinkProtocolError(`event: unknown payload kind ${payloadKind}`);
  let o = EVENT_FIXED_SIZE;
  const section = (what: string): Buffer => {
    if (body.length - o < 4) throw new LinkProtocolError(`event: truncated ${what} length`);
    const n = body.readUInt32BE(o);
    if (body.length - o - 4 < n) throw new LinkProtocolError(`event: ${what} of ${n} bytes overruns the frame`);
    const s = body.subarray(o + 4, o + 4 + n);
    o += 4 + n;
    return s;
  };
  const session = flags & EventFlag.Session ? section('session') : null;
  const info = flags & EventFlag.Info ? section('info') : null;
  return {
    seq: body.readUInt32BE(0),
    kind: kind as EventKind,
    clientId: readClientId(body, 6),
    sessionVersion: body.readUInt32BE(6 + CLIENT_ID_BYTES),
    patchAck: body.readUInt32BE(10 + CLIENT_ID_BYTES),
    redelivery: (flags & EventFlag.Redelivery) !== 0,
    payloadKind,
    session,
    info,
    payload: body.subarray(o),
  };
}

/** Ack body: u32 count ‖ u32 seq × count. */
export function encodeAck(seqs: readonly number[]): Buffer {
  const b = Buffer.allocUnsafe(4 + 4 * seqs.length);
  b.writeUInt32BE(seqs.length, 0);
  for (let i = 0; i < seqs.length; i++) b.writeUInt32BE(seqs[i]! >>> 0, 4 + 4 * i);
  return b;
}
export function decodeAck(body: Buffer): number[] {
  if (body.length < 4) throw new LinkProtocolError('ack: truncated');
  const n = body.readUInt32BE(0);
  if (body.length !== 4 + 4 * n) throw new LinkProtocolError(`ack: ${body.length} bytes do not hold ${n} sequence numbers`);
  const seqs = new Array<number>(n);
  for (let i = 0; i < n; i++) seqs[i] = body.readUInt32BE(4 + 4 * i);
  return seqs;
}

/** Forget body (version 2): u32 n ‖ clientId[12] × n. */
export function encodeForget(clientIds: readonly string[]): Buffer {
  const b = Buffer.allocUnsafe(4 + CLIENT_ID_BYTES * clientIds.length);
  b.writeUInt32BE(clientIds.length, 0);
  for (let i = 0; i < clientIds.length; i++) writeClientId(clientIds[i]!, b, 4 + CLIENT_ID_BYTES * i);
  return b;
}
export function decodeForget(body: Buffer): string[] {
  if (body.length < 4) throw new LinkProtocolError('forget: truncated');
  const n = body.readUInt32BE(0);
  if (body.length !== 4 + CLIENT_ID_BYTES * n) throw new LinkProtocolError(`forget: ${body.length} bytes do not hold ${n} client ids`);
  const ids = new Array<string>(n);
  for (let i = 0; i < n; i++) ids[i] = readClientId(body, 4 + CLIENT_ID_BYTES * i);
  return ids;
}

/** Credit body: u32 additional credits. */
export function encodeCredit(n: number): Buffer {
  const b = Buffer.allocUnsafe(4);
  b.writeUInt32BE(n >>> 0, 0);
  return b;
}
export function decodeCredit(body: Buffer): number {
  if (body.length !== 4) throw new LinkProtocolError('credit: body must be 4 bytes');
  return body.readUInt32BE(0);
}
