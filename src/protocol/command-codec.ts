/** Query and Reply frames of the link (docs/protocol.md "Queries"); Command frames are binary-command.ts. */
import { FRAME_HEADER_SIZE, FrameType, ReplyStatus } from './constants.js';
import { LinkProtocolError } from './errors.js';

/** Query body (W→G): u32 requestId ‖ JSON {op, args}. */
export interface LinkQuery {
  id: number;
  op: string;
  args: unknown[];
}
export function encodeQueryFrame(id: number, op: string, args: unknown[]): Buffer {
  const json = Buffer.from(JSON.stringify({ op, args }));
  const buf = Buffer.allocUnsafe(FRAME_HEADER_SIZE + 4 + json.length);
  buf.writeUInt32BE(5 + json.length, 0);
  buf[4] = FrameType.Query;
  buf.writeUInt32BE(id >>> 0, 5);
  json.copy(buf, 9);
  return buf;
}
export function decodeQuery(body: Buffer): LinkQuery {
  if (body.length < 4) throw new LinkProtocolError('query: truncated');
  let q: { op?: unknown; args?: unknown };
  try {
    q = JSON.parse(body.toString('utf8', 4));
  } catch {
    throw new LinkProtocolError('query: not valid JSON');
  }
  if (typeof q !== 'object' || q === null || typeof q.op !== 'string' || !Array.isArray(q.args)) {
    throw new LinkProtocolError('query: expected {"op": string, "args": array}');
  }
  return { id: body.readUInt32BE(0), op: q.op, args: q.args };
}

/** Reply body (G→W): u32 requestId ‖ u8 status ‖ JSON result (or error message). */
export interface LinkReply {
  id: number;
  ok: boolean;
  result: unknown;
}
export function encodeReplyFrame(id: number, ok: boolean, result: unknown): Buffer {
  const json = Buffer.from(JSON.stringify(result ?? null));
  const buf = Buffer.allocUnsafe(FRAME_HEADER_SIZE + 5 + json.length);
  buf.writeUInt32BE(6 + json.length, 0);
  buf[4] = FrameType.Reply;
  buf.writeUInt32BE(id >>> 0, 5);
  buf[9] = ok ? ReplyStatus.Ok : ReplyStatus.Error;
  json.copy(buf, 10);
  return buf;
}
export function decodeReply(body: Buffer): LinkReply {
  if (body.length < 5) throw new LinkProtocolError('reply: truncated');
  let result: unknown;
  try {
    result = JSON.parse(body.toString('utf8', 5));
  } catch {
    throw new LinkProtocolError('reply: not valid JSON');
  }
  return { id: body.readUInt32BE(0), ok: body[4] === ReplyStatus.Ok, result };
}
