import type { CommandArgs } from '../../protocol/binary-command.js';
import { CommandOp } from '../../protocol/constants.js';
import { LinkProtocolError } from '../../protocol/errors.js';
import { isPlainObject } from '../../protocol/session-patch.js';

/**
 * Shape checks of version-1 Command heads (docs/protocol.md "Commands"). A head of the
 * wrong shape is a worker bug the link cannot recover from: LinkProtocolError,
 * which closes the link with this message as the logged reason.
 *
 * A string that is not a well-formed client id is not a shape error: it names
 * no client here, so the command is ignored and counted like one for a client
 * that is gone.
 */

function fail(what: string, expected: string, head: unknown): never {
  const shown = JSON.stringify(head);
  throw new LinkProtocolError(`${what}: arguments must be ${expected} (got ${shown === undefined ? String(head) : shown.slice(0, 200)})`);
}

function isStringArray(v: unknown): v is string[] {
  return Array.isArray(v) && v.every((s) => typeof s === 'string');
}

/** `"clientId"` (SendToClient, CloseClient, DestroyClient) or `"group"` (Ungroup). */
export function stringHead(what: string, head: unknown): string {
  if (typeof head !== 'string') fail(what, 'a string', head);
  return head;
}

/** `["clientId", "uid"]` or `["clientId", "group"]`. */
export function pairHead(what: string, head: unknown): [string, string] {
  if (!Array.isArray(head) || head.length !== 2 || typeof head[0] !== 'string' || typeof head[1] !== 'string') {
    fail(what, 'a [clientId, string] pair', head);
  }
  return head as [string, string];
}

/** `[uid]` of SendToUid. */
export function stringListHead(what: string, head: unknown): string[] {
  if (!isStringArray(head)) fail(what, 'an array of strings', head);
  return head;
}

/** SendToAll: `{"c"?: [clientId], "x"?: [clientId]}` (null is taken as `{}`). */
export function sendToAllHead(head: unknown): { only: string[] | null; exclude: string[] | null } {
  if (head === null) return { only: null, exclude: null };
  if (!isPlainObject(head)) fail('sendToAll', '{"c"?: [clientId], "x"?: [clientId]}', head);
  const { c, x } = head as { c?: unknown; x?: unknown };
  if ((c !== undefined && c !== null && !isStringArray(c)) || (x !== undefined && x !== null && !isStringArray(x))) {
    fail('sendToAll', '{"c"?: [clientId], "x"?: [clientId]}', head);
  }
  return { only: (c as string[] | undefined) ?? null, exclude: (x as string[] | undefined) ?? null };
}

/** SendToGroup: `{"g": [group], "x"?: [clientId]}`. */
export function sendToGroupHead(head: unknown): { groups: string[]; exclude: string[] | null } {
  const h = head as { g?: unknown; x?: unknown } | null;
  if (!isPlainObject(h) || !isStringArray(h.g) || (h.x !== undefined && h.x !== null && !isStringArray(h.x))) {
    fail('sendToGroup', '{"g": [group], "x"?: [clientId]}', head);
  }
  return { groups: h.g as string[], exclude: (h.x as string[] | undefined) ?? null };
}

/** Session: `{"c": clientId, "p": patchId, "k": kind}`. */
export function sessionHead(head: unknown): { clientId: string; patchId: number; kind: number } {
  const h = head as { c?: unknown; p?: unknown; k?: unknown } | null;
  if (
    !isPlainObject(h) ||
    typeof h.c !== 'string' ||
    typeof h.p !== 'number' ||
    !Number.isInteger(h.p) ||
    h.p < 0 ||
    h.p > 0xffffffff ||
    (h.k !== 1 && h.k !== 2 && h.k !== 3)
  ) {
    fail('session', '{"c": clientId, "p": u32 patchId, "k": 1 | 2 | 3}', head);
  }
  return { clientId: h.c, patchId: h.p, kind: h.k };
}

/** The arguments of a version-1 command, shape-checked, in the form version 2 decodes to. */
export function argsOfHead(op: CommandOp, flags: number, head: unknown, data: Buffer): CommandArgs {
  const args: CommandArgs = { op, flags, clientId: '', name: '', names: [], only: null, exclude: null, patchId: 0, patchKind: 0, data };
  switch (op) {
    case CommandOp.SendToClient:
      args.clientId = stringHead('sendToClient', head);
      break;
    case CommandOp.CloseClient:
      args.clientId = stringHead('closeClient', head);
      break;
    case CommandOp.DestroyClient:
      args.clientId = stringHead('destroyClient', head);
      break;
    case CommandOp.SendToAll: {
      const { only, exclude } = sendToAllHead(head);
      args.only = only;
      args.exclude = exclude;
      break;
    }
    case CommandOp.SendToUid:
      args.names = stringListHead('sendToUid', head);
      break;
    case CommandOp.SendToGroup: {
      const { groups, exclude } = sendToGroupHead(head);
      args.names = groups;
      args.exclude = exclude;
      break;
    }
    case CommandOp.BindUid:
    case CommandOp.UnbindUid:
    case CommandOp.JoinGroup:
    case CommandOp.LeaveGroup:
      [args.clientId, args.name] = pairHead(PAIR_NAMES[op], head);
      break;
    case CommandOp.Ungroup:
      args.name = stringHead('ungroup', head);
      break;
    case CommandOp.Session: {
      const { clientId, patchId, kind } = sessionHead(head);
      args.clientId = clientId;
      args.patchId = patchId;
      args.patchKind = kind;
      break;
    }
  }
  return args;
}

const PAIR_NAMES: Record<number, string> = {
  [CommandOp.BindUid]: 'bindUid',
  [CommandOp.UnbindUid]: 'unbindUid',
  [CommandOp.JoinGroup]: 'joinGroup',
  [CommandOp.LeaveGroup]: 'leaveGroup',
};
