import { encodeBinaryCommandFrame } from './binary-command.js';
import { CommandOp, FRAME_HEADER_SIZE, FrameType, PROTOCOL_VERSION, ReplyStatus } from './constants.js';
import { LinkProtocolError } from './errors.js';

/**
 * Command frame body (W→G), version 1: u8 op ‖ u8 flags ‖ u16 headLength ‖
 * head JSON ‖ data. The head carries the op's arguments (see
 * docs/protocol.md), the data the bytes to send, written once however many
 * clients receive them. Version 2 lays the same arguments out in binary
 * (binary-command.ts).
 */
export interface LinkCommand {
  op: CommandOp;
  flags: number;
  head: unknown;
  data: Buffer;
}

const MAX_HEAD = 0xffff;

/** A whole Command frame in the layout of `version` (the link's; default the newest). */
export function encodeCommandFrame(op: CommandOp, flags: number, head: unknown, data?: Uint8Array, version: number = PROTOCOL_VERSION): Buffer {
  if (version >= 2) return encodeBinaryCommandFrame(op, flags, head, data);
  const headBytes = Buffer.from(JSON.stringify(head ?? null));
  if (headBytes.length > MAX_HEAD) throw new RangeError(`command arguments of ${headBytes.length} bytes exceed ${MAX_HEAD}`);
  const dataLength = data ? data.length : 0;
  const bodySize = 4 + headBytes.length + dataLength;
  const buf = Buffer.allocUnsafe(FRAME_HEADER_SIZE + bodySize);
  buf.writeUInt32BE(bodySize + 1, 0);
  buf[4] = FrameType.Command;
  buf[5] = op;
  buf[6] = flags;
  buf.writeUInt16BE(headBytes.length, 7);
  headBytes.copy(buf, 9);
  if (data) buf.set(data, 9 + headBytes.length);
  return buf;
}

/** Decodes a version-1 Command body (JSON head). */
export function decodeCommand(body: Buffer): LinkCommand {
  if (body.length < 4) throw new LinkProtocolError('command: truncated');
  const op = body[0]!;
  if (op < CommandOp.SendToClient || op > CommandOp.Session) throw new LinkProtocolError(`command: unknown op ${op}`);
  const headLength = body.readUInt16BE(2);
  if (body.length < 4 + headLength) throw new LinkProtocolError('command: arguments overrun the frame');
  let head: unknown;
  try {
    head = JSON.parse(body.toString('utf8', 4, 4 + headLength));
  } catch {
    throw new LinkProtocolError(`command: arguments of op ${op} are not valid JSON`);
  }
  return { op: op as CommandOp, flags: body[1]!, head, data: body.subarray(4 + headLength) };
}

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
