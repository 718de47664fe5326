import { isUtf8 } from 'node:buffer';
import { CLIENT_ID_BYTES, isClientId } from './client-id.js';
import { CommandFlag, CommandOp, FRAME_HEADER_SIZE, FrameType } from './constants.js';
import { LinkProtocolError } from './errors.js';

/**
 * Command bodies of protocol version 2 (docs/protocol.md "Commands, version 2"):
 * u8 op ‖ u8 flags ‖ arguments ‖ data, where a client id is its 12 bytes, a uid
 * or group is u16 length ‖ UTF-8, a list is u16 count ‖ items, and the options
 * of a send are flag bits (Only, Exclude). A gateway decodes the send,
 * broadcast and group path with bounds checks only, no JSON.
 *
 * The worker's API builds the same head values for both versions (the JSON
 * heads of version 1: a client id string, `{c?, x?}`, `[uid]`, `{g, x?}`,
 * `[clientId, name]`, `{c, p, k}`); this file lays them out in binary.
 */

/** A decoded command, whichever version carried it (the fields an op does not use are empty). */
export interface CommandArgs {
  op: CommandOp;
  flags: number;
  /** SendToClient, CloseClient, DestroyClient, Bind/Unbind/Join/Leave, Session. */
  clientId: string;
  /** The uid or group of Bind/Unbind/Join/Leave/Ungroup. */
  name: string;
  /** Uids (SendToUid) or groups (SendToGroup). */
  names: string[];
  /** SendToAll: only these clients (null: every client). */
  only: string[] | null;
  /** SendToAll, SendToGroup: not these clients. */
  exclude: string[] | null;
  patchId: number;
  patchKind: number;
  data: Buffer;
}

const OP_NAMES = ['', 'sendToClient', 'sendToAll', 'sendToUid', 'sendToGroup', 'closeClient', 'destroyClient', 'bindUid', 'unbindUid', 'joinGroup', 'leaveGroup', 'ungroup', 'session'];
const MAX_U16 = 0xffff;
const SEND = CommandFlag.Raw | CommandFlag.Binary;

/** The flag bits each op takes; any other bit is a worker bug, not a hint to ignore. */
function allowedFlags(op: number): number {
  switch (op) {
    case CommandOp.SendToClient:
    case CommandOp.SendToUid:
      return SEND;
    case CommandOp.SendToAll:
      return SEND | CommandFlag.Only | CommandFlag.Exclude;
    case CommandOp.SendToGroup:
      return SEND | CommandFlag.Exclude;
    case CommandOp.CloseClient:
      return SEND | CommandFlag.HasData;
    default:
      return 0;
  }
}

function takesData(op: number, flags: number): boolean {
  if (op === CommandOp.CloseClient) return (flags & CommandFlag.HasData) !== 0;
  return op <= CommandOp.SendToGroup || op === CommandOp.Session;
}

// ---- encoding (worker side) -------------------------------------------------

function badHead(op: number, head: unknown): never {
  throw new TypeError(`command ${OP_NAMES[op] ?? op}: arguments ${JSON.stringify(head)?.slice(0, 200)} do not fit the binary layout`);
}

function idOf(op: number, value: unknown, head: unknown): string {
  // The API validates ids; an id string that is not one names no client (as in version 1): all zero bytes.
  if (typeof value !== 'string') badHead(op, head);
  return isClientId(value) ? value : '000000000000000000000000';
}

function listOf(op: number, value: unknown, head: unknown): unknown[] {
  if (!Array.isArray(value)) badHead(op, head);
  if (value.length > MAX_U16) throw new RangeError(`a list of ${value.length} exceeds ${MAX_U16} entries`);
  return value;
}

/** Sizes the arguments first, then writes them into one buffer with the frame header and the data. */
class ArgsWriter {
  parts: (string | Buffer | string[] | number)[] = [];
  size = 0;
  id(v: string): void {
    this.parts.push(v);
    this.size += CLIENT_ID_BYTES;
  }
  ids(v: string[]): void {
    this.parts.push(v.length, v);
    this.size += 2 + v.length * CLIENT_ID_BYTES;
  }
  name(v: unknown, op: number, head: unknown): void {
    if (typeof v !== 'string') badHead(op, head);
    const b = Buffer.from(v, 'utf8');
    if (b.length > MAX_U16) throw new RangeError(`a uid or group of ${b.length} bytes exceeds ${MAX_U16}`);
    this.parts.push(b.length, b);
    this.size += 2 + b.length;
  }
  u32(v: number): void {
    this.parts.push(-1 - v); // negative marks a u32 (a count is a u16 ≥ 0)
    this.size += 4;
  }
  u8(v: number): void {
    this.parts.push(Buffer.from([v]));
    this.size += 1;
  }
  writeTo(buf: Buffer, at: number): number {
    for (const part of this.parts) {
      if (typeof part === 'number') {
        if (part < 0) at = buf.writeUInt32BE(-1 - part, at);
        else at = buf.writeUInt16BE(part, at);
      } else if (typeof part === 'string') {
        buf.write(part, at, CLIENT_ID_BYTES, 'hex');
        at += CLIENT_ID_BYTES;
      } else if (Array.isArray(part)) {
        for (const id of part) {
          buf.write(id, at, CLIENT_ID_BYTES, 'hex');
          at += CLIENT_ID_BYTES;
        }
      } else {
        part.copy(buf, at);
        at += part.length;
      }
    }
    return at;
  }
}

/** A whole Command frame (header included) of version 2, from the head the Gateway API built. */
export function encodeBinaryCommandFrame(op: CommandOp, flags: number, head: unknown, data?: Uint8Array): Buffer {
  const w = new ArgsWriter();
  let f = flags & ~(CommandFlag.Only | CommandFlag.Exclude);
  const h = head as Record<string, unknown> | unknown[] | string | null;
  switch (op) {
    case CommandOp.SendToClient:
    case CommandOp.CloseClient:
    case CommandOp.DestroyClient:
      w.id(idOf(op, h, head));
      break;
    case CommandOp.SendToAll: {
      const o = (h ?? {}) as { c?: unknown; x?: unknown };
      if (typeof o !== 'object' || Array.isArray(o)) badHead(op, head);
      if (o.c !== undefined && o.c !== null) {
        f |= CommandFlag.Only;
        w.ids(listOf(op, o.c, head).map((id) => idOf(op, id, head)));
      }
      if (o.x !== undefined && o.x !== null && (o.x as unknown[]).length > 0) {
        f |= CommandFlag.Exclude;
        w.ids(listOf(op, o.x, head).map((id) => idOf(op, id, head)));
      }
      break;
    }
    case CommandOp.SendToUid: {
      const uids = listOf(op, h, head);
      w.parts.push(uids.length);
      w.size += 2;
      for (const uid of uids) w.name(uid, op, head);
      break;
    }
    case CommandOp.SendToGroup: {
      const o = h as { g?: unknown; x?: unknown };
      if (typeof o !== 'object' || o === null) badHead(op, head);
      const groups = listOf(op, o.g, head);
      w.parts.push(groups.length);
      w.size += 2;
      for (const g of groups) w.name(g, op, head);
      if (o.x !== undefined && o.x !== null && (o.x as unknown[]).length > 0) {
        f |= CommandFlag.Exclude;
        w.ids(listOf(op, o.x, head).map((id) => idOf(op, id, head)));
      }
      break;
    }
    case CommandOp.BindUid:
    case CommandOp.UnbindUid:
    case CommandOp.JoinGroup:
    case CommandOp.LeaveGroup: {
      const pair = h as unknown[];
      if (!Array.isArray(pair) || pair.length !== 2) badHead(op, head);
      w.id(idOf(op, pair[0], head));
      w.name(pair[1], op, head);
      break;
    }
    case CommandOp.Ungroup:
      w.name(h, op, head);
      break;
    case CommandOp.Session: {
      const s = h as { c?: unknown; p?: unknown; k?: unknown };
      if (typeof s !== 'object' || s === null || typeof s.p !== 'number' || typeof s.k !== 'number') badHead(op, head);
      w.id(idOf(op, s.c, head));
      w.u32(s.p);
      w.u8(s.k);
      break;
    }
    default:
      badHead(op, head);
  }
  const dataLength = data ? data.length : 0;
  const bodySize = 2 + w.size + dataLength;
  const buf = Buffer.allocUnsafe(FRAME_HEADER_SIZE + bodySize);
  buf.writeUInt32BE(bodySize + 1, 0);
  buf[4] = FrameType.Command;
  buf[5] = op;
  buf[6] = f;
  const at = w.writeTo(buf, 7);
  if (data) buf.set(data, at);
  return buf;
}

// ---- decoding (gateway side) ------------------------------------------------

/** Decodes a version-2 Command body; a malformed one throws LinkProtocolError naming the op. */
export function decodeBinaryCommand(body: Buffer): CommandArgs {
  if (body.length < 2) throw new LinkProtocolError('command: truncated');
  const op = body[0]!;
  const flags = body[1]!;
  if (op < CommandOp.SendToClient || op > CommandOp.Session) throw new LinkProtocolError(`command: unknown op ${op}`);
  const what = `command: ${OP_NAMES[op]}`;
  const stray = flags & ~allowedFlags(op);
  if (stray !== 0) throw new LinkProtocolError(`${what}: flag bits 0x${stray.toString(16).padStart(2, '0')} are not defined for this op`);
  let at = 2;
  const overrun = (): never => {
    throw new LinkProtocolError(`${what}: arguments overrun the frame`);
  };
  const need = (n: number): void => {
    if (body.length - at < n) overrun();
  };
  const id = (): string => {
    need(CLIENT_ID_BYTES);
    const s = body.toString('hex', at, at + CLIENT_ID_BYTES);
    at += CLIENT_ID_BYTES;
    return s;
  };
  const ids = (): string[] => {
    need(2);
    const n = body.readUInt16BE(at);
    at += 2;
    need(n * CLIENT_ID_BYTES);
    const out = new Array<string>(n);
    for (let i = 0; i < n; i++) out[i] = id();
    return out;
  };
  const name = (): string => {
    need(2);
    const n = body.readUInt16BE(at);
    at += 2;
    need(n);
    const bytes = body.subarray(at, at + n);
    if (!isUtf8(bytes)) throw new LinkProtocolError(`${what}: a uid or group is not valid UTF-8`);
    at += n;
    return bytes.toString('utf8');
  };
  const names = (): string[] => {
    need(2);
    const n = body.readUInt16BE(at);
    at += 2;
    need(n * 2); // each name takes at least its length bytes: a forged count allocates nothing
    const out = new Array<string>(n);
    for (let i = 0; i < n; i++) out[i] = name();
    return out;
  };
  const args: CommandArgs = { op: op as CommandOp, flags, clientId: '', name: '', names: [], only: null, exclude: null, patchId: 0, patchKind: 0, data: body };
  switch (op) {
    case CommandOp.SendToClient:
    case CommandOp.CloseClient:
    case CommandOp.DestroyClient:
      args.clientId = id();
      break;
    case CommandOp.SendToAll:
      if (flags & CommandFlag.Only) args.only = ids();
      if (flags & CommandFlag.Exclude) args.exclude = ids();
      break;
    case CommandOp.SendToUid:
      args.names = names();
      break;
    case CommandOp.SendToGroup:
      args.names = names();
      if (flags & CommandFlag.Exclude) args.exclude = ids();
      break;
    case CommandOp.BindUid:
    case CommandOp.UnbindUid:
    case CommandOp.JoinGroup:
    case CommandOp.LeaveGroup:
      args.clientId = id();
      args.name = name();
      break;
    case CommandOp.Ungroup:
      args.name = name();
      break;
    case CommandOp.Session:
      args.clientId = id();
      need(5);
      args.patchId = body.readUInt32BE(at);
      args.patchKind = body[at + 4]!;
      at += 5;
      if (args.patchKind < 1 || args.patchKind > 3) throw new LinkProtocolError(`${what}: patch kind ${args.patchKind} is not 1, 2 or 3`);
      break;
  }
  args.data = body.subarray(at);
  if (args.data.length > 0 && !takesData(op, flags)) {
    throw new LinkProtocolError(`${what}: ${args.data.length} bytes after the arguments of an op without data`);
  }
  return args;
}

/** The version-1 JSON head of decoded arguments (command-downgrade.ts writes a version-2 command for a version-1 gateway). */
export function headOfArgs(args: CommandArgs): unknown {
  switch (args.op) {
    case CommandOp.SendToClient:
    case CommandOp.CloseClient:
    case CommandOp.DestroyClient:
      return args.clientId;
    case CommandOp.SendToAll: {
      const head: { c?: string[]; x?: string[] } = {};
      if (args.only !== null) head.c = args.only;
      if (args.exclude !== null) head.x = args.exclude;
      return head;
    }
    case CommandOp.SendToUid:
      return args.names;
    case CommandOp.SendToGroup:
      return args.exclude !== null ? { g: args.names, x: args.exclude } : { g: args.names };
    case CommandOp.Ungroup:
      return args.name;
    case CommandOp.Session:
      return { c: args.clientId, p: args.patchId, k: args.patchKind };
    default:
      return [args.clientId, args.name];
  }
}
