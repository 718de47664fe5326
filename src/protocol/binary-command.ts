import { isUtf8 } from 'node:buffer';
import { CLIENT_ID_BYTES, isClientId } from './client-id.js';
import { CommandFlag, CommandOp, FRAME_HEADER_SIZE, FrameType } from './constants.js';
import { LinkProtocolError } from './errors.js';

/**
 * Command bodies (docs/protocol.md "Commands"; the same in protocol versions 2
 * and 3): u8 op ‖ u8 flags ‖ arguments ‖ data, where a client id is its 12
 * bytes, a uid or group is u16 length ‖ UTF-8, a list is u16 count ‖ items,
 * and the options of a send are flag bits (Only, Exclude). A gateway decodes
 * the send, broadcast and group path with bounds checks only, no JSON.
 *
 * The worker's API builds each command's arguments as a plain head value (a
 * client id string, `{c?, x?}`, `[uid]`, `{g, x?}`, `[clientId, name]`,
 * `{c, p, k}`); this file lays them out in binary.
 */

/** A decoded command (the fields an op does not use are empty). */
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
  // The API validates ids; an id string that is not one names no client: all zero bytes.
  if (typeof value !== 'string') badHead(op, head);
  return isClientId(value) ? value : '000000000000000000000000';
}

function listOf(op: number, value: unknown, head: unknown): unknown[] {
  if (!Array.isArray(value)) badHead(op, head);
  if (value.length > MAX_U16) throw new RangeError(`a list of ${value.length} exceeds ${MAX_U16} entries`);
  return value;
}

function nameOf(op: number, value: unknown, head: unknown): string {
  if (typeof value !== 'string') badHead(op, head);
  return value;
}

/** The arguments of one command, checked and measured, before anything is written. */
interface Plan {
  flags: number;
  id: string | null;
  only: string[] | null;
  names: string[] | null;
  /** UTF-8 lengths of `names` (or of the one name of Bind/Join/Ungroup in names[0]). */
  lengths: number[];
  /** Names is a counted list (SendToUid, SendToGroup), not one name. */
  counted: boolean;
  exclude: string[] | null;
  session: { p: number; k: number } | null;
  size: number;
}

function plan(op: CommandOp, flags: number, head: unknown): Plan {
  const out: Plan = { flags: flags & ~(CommandFlag.Only | CommandFlag.Exclude), id: null, only: null, names: null, lengths: [], counted: false, exclude: null, session: null, size: 2 };
  const ids = (v: unknown): string[] => listOf(op, v, head).map((x) => idOf(op, x, head));
  const names = (list: unknown[], counted: boolean): void => {
    out.names = list.map((n) => nameOf(op, n, head));
    out.counted = counted;
    if (counted) out.size += 2;
    for (const n of out.names) {
      const length = Buffer.byteLength(n, 'utf8');
      if (length > MAX_U16) throw new RangeError(`a uid or group of ${length} bytes exceeds ${MAX_U16}`);
      out.lengths.push(length);
      out.size += 2 + length;
    }
  };
  const exclude = (x: unknown): void => {
    if (x === undefined || x === null || (Array.isArray(x) && x.length === 0)) return;
    out.exclude = ids(x);
    out.flags |= CommandFlag.Exclude;
    out.size += 2 + out.exclude.length * CLIENT_ID_BYTES;
  };
  const id = (v: unknown): void => {
    out.id = idOf(op, v, head);
    out.size += CLIENT_ID_BYTES;
  };
  switch (op) {
    case CommandOp.SendToClient:
    case CommandOp.CloseClient:
    case CommandOp.DestroyClient:
      id(head);
      break;
    case CommandOp.SendToAll: {
      const o = (head ?? {}) as { c?: unknown; x?: unknown };
      if (typeof o !== 'object' || Array.isArray(o)) badHead(op, head);
      if (o.c !== undefined && o.c !== null) {
        out.only = ids(o.c);
        out.flags |= CommandFlag.Only;
        out.size += 2 + out.only.length * CLIENT_ID_BYTES;
      }
      exclude(o.x);
      break;
    }
    case CommandOp.SendToUid:
      names(listOf(op, head, head), true);
      break;
    case CommandOp.SendToGroup: {
      const o = head as { g?: unknown; x?: unknown } | null;
      if (typeof o !== 'object' || o === null) badHead(op, head);
      names(listOf(op, o.g, head), true);
      exclude(o.x);
      break;
    }
    case CommandOp.BindUid:
    case CommandOp.UnbindUid:
    case CommandOp.JoinGroup:
    case CommandOp.LeaveGroup: {
      if (!Array.isArray(head) || head.length !== 2) badHead(op, head);
      id(head[0]);
      names([head[1]], false);
      break;
    }
    case CommandOp.Ungroup:
      names([head], false);
      break;
    case CommandOp.Session: {
      const h = head as { c?: unknown; p?: unknown; k?: unknown } | null;
      if (typeof h !== 'object' || h === null || typeof h.p !== 'number' || typeof h.k !== 'number') badHead(op, head);
      id(h.c);
      out.session = { p: h.p, k: h.k };
      out.size += 5;
      break;
    }
    default:
      badHead(op, head);
  }
  return out;
}

function writeIds(buf: Buffer, at: number, ids: string[]): number {
  at = buf.writeUInt16BE(ids.length, at);
  for (const id of ids) at += buf.write(id, at, CLIENT_ID_BYTES, 'hex');
  return at;
}

/** A whole Command frame (header included), from the head the Gateway API built. */
export function encodeBinaryCommandFrame(op: CommandOp, flags: number, head: unknown, data?: Uint8Array): Buffer {
  const p = plan(op, flags, head);
  const dataLength = data ? data.length : 0;
  const bodySize = p.size + dataLength;
  const buf = Buffer.allocUnsafe(FRAME_HEADER_SIZE + bodySize);
  buf.writeUInt32BE(bodySize + 1, 0);
  buf[4] = FrameType.Command;
  buf[5] = op;
  buf[6] = p.flags;
  let at = 7;
  // The order of docs/protocol.md: id, only, names, exclude, session fields.
  if (p.id !== null) at += buf.write(p.id, at, CLIENT_ID_BYTES, 'hex');
  if (p.only !== null) at = writeIds(buf, at, p.only);
  if (p.names !== null) {
    if (p.counted) at = buf.writeUInt16BE(p.names.length, at);
    for (let i = 0; i < p.names.length; i++) {
      at = buf.writeUInt16BE(p.lengths[i]!, at);
      at += buf.write(p.names[i]!, at, p.lengths[i]!, 'utf8');
    }
  }
  if (p.exclude !== null) at = writeIds(buf, at, p.exclude);
  if (p.session !== null) {
    at = buf.writeUInt32BE(p.session.p, at);
    buf[at++] = p.session.k;
  }
  if (data) buf.set(data, at);
  return buf;
}

// ---- decoding (gateway side) ------------------------------------------------

/** Decodes a Command body; a malformed one throws LinkProtocolError naming the op. */
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
