/**
 * The Gateway API as handlers see it (GatewayWorker's semantics, asynchronous
 * where an answer is needed). It works in any code that runs in a pool thread of
 * a business worker — handlers, their timers, onWorkerStart — because each pool
 * thread installs a backend (thread-api-backend.ts) that carries commands and
 * queries to the process's main thread over the thread's ordered channel.
 *
 * Commands return at once. Client-addressed commands go only to the gateway
 * named in the client id; uid, group and all sends go to every gateway.
 */
import { CommandFlag, CommandOp, SessionPatchKind } from '../protocol/constants.js';
import { gatewayIdOf } from '../protocol/client-id.js';
import { deepMerge, type SessionPatch } from '../protocol/session-patch.js';
import type { GatewayApi, Group, SendData, SendOptions, SendToAllOptions, SendToGroupOptions, Session, Uid } from '../types.js';
import {
  arrayOfNamesArg,
  clientIdArg,
  dataArg,
  nameArg,
  nameListArg,
  optionsArg,
  sendFlags,
  sessionArg,
} from './api-arguments.js';
import { currentEvent, type CurrentEvent } from './current-event.js';

/** How the API reaches the main thread; installed by each pool thread. */
export interface GatewayApiBackend {
  /** A command to one gateway, or (gateway null) to every gateway. */
  command(gateway: string | null, op: CommandOp, flags: number, head: unknown, data: Uint8Array | null): void;
  /** A Replace or Merge patch of another client's session (or of the current one after its handler finished). */
  session(clientId: string, patch: SessionPatch): void;
  /** A query to one gateway, or (null) every gateway; resolves with the merged answer. */
  query(op: string, args: unknown[], gateway: string | null): Promise<unknown>;
}

/**
 * Where the backend lives: on globalThis under a registered symbol, so that
 * two copies of the package loaded in one thread (the framework's, and one in
 * the app's own node_modules) share it — a handler's `Gateway` then works
 * whichever copy it imported. A copy whose backend interface differs refuses
 * to load, naming both. Bump BACKEND_VERSION whenever GatewayApiBackend changes.
 */
const BACKEND_KEY = Symbol.for('gatehousejs.gateway-api-backend');
const BACKEND_VERSION = 1;

interface BackendSlot {
  readonly version: number;
  /** The copy of this module that created the slot. */
  readonly path: string;
  backend: GatewayApiBackend | null;
}

/** The thread's backend slot: created by the first copy of the package loaded, shared by later ones of the same version. */
function claimBackendSlot(version = BACKEND_VERSION, path = import.meta.url): BackendSlot {
  const holder = globalThis as unknown as Record<symbol, BackendSlot | undefined>;
  const existing = holder[BACKEND_KEY];
  if (existing === undefined) {
    const created: BackendSlot = { version, path, backend: null };
    Object.defineProperty(holder, BACKEND_KEY, { value: created, enumerable: false, writable: false, configurable: false });
    return created;
  }
  if (existing.version !== version) {
    throw new Error(
      `two copies of gatehousejs are loaded whose Gateway API cannot be shared: ${existing.path} (backend version ${existing.version}) ` +
        `and ${path} (backend version ${version}); make the app use one copy (remove its own gatehousejs, or install the same version)`,
    );
  }
  return existing;
}

const slot = claimBackendSlot();

/**
 * Ids per command when a list is split. A command counts a list in a u16; 2000
 * is the bound version 1's 64 KiB JSON head set, kept so that commands stay
 * the size they were. Splitting a list of clients or uids into several
 * commands sends the same messages.
 */
const IDS_PER_COMMAND = 2000;

function chunks<T>(list: readonly T[]): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < list.length; i += IDS_PER_COMMAND) out.push(list.slice(i, i + IDS_PER_COMMAND));
  return out;
}

/** Installs the thread's backend (or removes it, with null). Internal: not exported by the package. */
export function setGatewayApiBackend(next: GatewayApiBackend | null): void {
  slot.backend = next;
}

/** The backend installed in this thread, or null. */
export function gatewayApiBackend(): GatewayApiBackend | null {
  return slot.backend;
}

function need(method: string): GatewayApiBackend {
  const backend = slot.backend;
  if (backend === null) {
    throw new Error(
      `Gateway.${method}: the Gateway API works only in a business worker's pool threads (handlers, their timers, onWorkerStart)`,
    );
  }
  return backend;
}

/** Sends one command, naming the method if its arguments do not fit in one command. */
function send(method: string, gateway: string | null, op: CommandOp, flags: number, head: unknown, data: Uint8Array | null): void {
  const api = need(method);
  try {
    api.command(gateway, op, flags, head, data);
  } catch (err) {
    if (err instanceof RangeError) throw new RangeError(`Gateway.${method}: ${err.message} (too many groups or excluded clients in one call)`);
    throw err;
  }
}

function current(method: string): CurrentEvent {
  const event = currentEvent.getStore();
  if (event === undefined) {
    throw new Error(`Gateway.${method}: there is no current client here (call it from an event handler of that client)`);
  }
  return event;
}

/** The current client's event, while its handler runs (its session changes then ride on the end-of-handler diff). */
function runningEventOf(clientId: string): CurrentEvent | null {
  const event = currentEvent.getStore();
  return event !== undefined && !event.finished && event.clientId === clientId ? event : null;
}

function sendToClient(method: string, clientId: string, data: unknown, options: unknown): void {
  const opts = optionsArg(method, options);
  const encoded = dataArg(method, data);
  send(method, gatewayIdOf(clientId), CommandOp.SendToClient, sendFlags(encoded, opts), clientId, encoded.bytes);
}

function closeClient(method: string, clientId: string, data: unknown, options: unknown): void {
  const opts = optionsArg(method, options);
  if (data === undefined) {
    send(method, gatewayIdOf(clientId), CommandOp.CloseClient, 0, clientId, null);
    return;
  }
  const encoded = dataArg(method, data);
  const flags = sendFlags(encoded, opts) | CommandFlag.HasData;
  send(method, gatewayIdOf(clientId), CommandOp.CloseClient, flags, clientId, encoded.bytes);
}

function clientCommand(method: string, op: CommandOp, clientId: unknown, name?: { value: unknown; what: 'uid' | 'group' }): void {
  const id = clientIdArg(method, clientId);
  const head = name === undefined ? id : [id, nameArg(method, name.value, name.what)];
  send(method, gatewayIdOf(id), op, 0, head, null);
}

async function query<T>(method: string, op: string, args: unknown[], gateway: string | null = null): Promise<T> {
  return (await need(method).query(op, args, gateway)) as T;
}

const countsOf = (lists: Record<string, string[]>): Record<string, number> =>
  Object.fromEntries(Object.entries(lists).map(([k, v]) => [k, v.length]));

export const Gateway: GatewayApi = {
  sendToClient(clientId: string, data: SendData, options?: SendOptions): void {
    sendToClient('sendToClient', clientIdArg('sendToClient', clientId), data, options);
  },
  sendToCurrentClient(data: SendData, options?: SendOptions): void {
    sendToClient('sendToCurrentClient', current('sendToCurrentClient').clientId, data, options);
  },
  sendToAll(data: SendData, options?: SendToAllOptions): void {
    const method = 'sendToAll';
    const opts = optionsArg(method, options, ['clientIds', 'exclude']);
    const encoded = dataArg(method, data);
    const flags = sendFlags(encoded, opts);
    if (opts.clientIds === undefined) {
      const head = opts.exclude !== undefined && opts.exclude.length > 0 ? { x: opts.exclude } : {};
      send(method, null, CommandOp.SendToAll, flags, head, encoded.bytes);
      return;
    }
    // Only these clients: each gateway gets the ones it holds, minus the excluded.
    const skip = new Set(opts.exclude ?? []);
    const byGateway = new Map<string, string[]>();
    for (const id of opts.clientIds) {
      if (skip.has(id)) continue;
      skip.add(id); // once each
      const gw = gatewayIdOf(id);
      const list = byGateway.get(gw);
      if (list === undefined) byGateway.set(gw, [id]);
      else list.push(id);
    }
    for (const [gw, ids] of byGateway) {
      for (const part of chunks(ids)) send(method, gw, CommandOp.SendToAll, flags, { c: part }, encoded.bytes);
    }
  },
  sendToUid(uid: Uid | readonly Uid[], data: SendData, options?: SendOptions): void {
    const method = 'sendToUid';
    const uids = nameListArg(method, uid, 'uid');
    const opts = optionsArg(method, options);
    const encoded = dataArg(method, data);
    for (const part of chunks(uids)) send(method, null, CommandOp.SendToUid, sendFlags(encoded, opts), part, encoded.bytes);
  },
  sendToGroup(group: Group | readonly Group[], data: SendData, options?: SendToGroupOptions): void {
    const method = 'sendToGroup';
    const groups = nameListArg(method, group, 'group');
    const opts = optionsArg(method, options, ['exclude']);
    const encoded = dataArg(method, data);
    if (groups.length === 0) return;
    const head = opts.exclude !== undefined && opts.exclude.length > 0 ? { g: groups, x: opts.exclude } : { g: groups };
    send(method, null, CommandOp.SendToGroup, sendFlags(encoded, opts), head, encoded.bytes);
  },
  closeClient(clientId: string, data?: SendData, options?: SendOptions): void {
    closeClient('closeClient', clientIdArg('closeClient', clientId), data, options);
  },
  closeCurrentClient(data?: SendData, options?: SendOptions): void {
    closeClient('closeCurrentClient', current('closeCurrentClient').clientId, data, options);
  },
  destroyClient(clientId: string): void {
    clientCommand('destroyClient', CommandOp.DestroyClient, clientId);
  },
  destroyCurrentClient(): void {
    clientCommand('destroyCurrentClient', CommandOp.DestroyClient, current('destroyCurrentClient').clientId);
  },

  bindUid(clientId: string, uid: Uid): void {
    clientCommand('bindUid', CommandOp.BindUid, clientId, { value: uid, what: 'uid' });
  },
  unbindUid(clientId: string, uid: Uid): void {
    clientCommand('unbindUid', CommandOp.UnbindUid, clientId, { value: uid, what: 'uid' });
  },
  joinGroup(clientId: string, group: Group): void {
    clientCommand('joinGroup', CommandOp.JoinGroup, clientId, { value: group, what: 'group' });
  },
  leaveGroup(clientId: string, group: Group): void {
    clientCommand('leaveGroup', CommandOp.LeaveGroup, clientId, { value: group, what: 'group' });
  },
  ungroup(group: Group): void {
    send('ungroup', null, CommandOp.Ungroup, 0, nameArg('ungroup', group, 'group'), null);
  },

  setSession(clientId: string, session: Session): void {
    const id = clientIdArg('setSession', clientId);
    const value = sessionArg('setSession', session, 'session');
    const running = runningEventOf(id);
    if (running !== null) {
      // The current client's handler is still running: change ctx.session in
      // place, so the rest of the handler sees it and the end-of-handler diff sends it.
      const s = running.ctx.session;
      for (const key of Object.keys(s)) delete s[key];
      Object.assign(s, value);
      return;
    }
    need('setSession').session(id, { kind: SessionPatchKind.Replace, value });
  },
  updateSession(clientId: string, partial: Session): void {
    const id = clientIdArg('updateSession', clientId);
    const value = sessionArg('updateSession', partial, 'partial');
    const running = runningEventOf(id);
    if (running !== null) {
      deepMerge(running.ctx.session, value);
      return;
    }
    need('updateSession').session(id, { kind: SessionPatchKind.Merge, value });
  },
  /** For the current client while its handler runs, the session that handler sees (ctx.session, copied). */
  async getSession(clientId: string): Promise<Session | null> {
    const id = clientIdArg('getSession', clientId);
    const running = runningEventOf(id);
    if (running !== null) return structuredClone(running.ctx.session);
    return query<Session | null>('getSession', 'session', [id], gatewayIdOf(id));
  },

  async isOnline(clientId: string): Promise<boolean> {
    const id = clientIdArg('isOnline', clientId);
    return query<boolean>('isOnline', 'isOnline', [id], gatewayIdOf(id));
  },
  async isUidOnline(uid: Uid): Promise<boolean> {
    const u = nameArg('isUidOnline', uid, 'uid');
    const r = await query<Record<string, string[]>>('isUidOnline', 'clientIdsByUid', [[u]]);
    return (r[u]?.length ?? 0) > 0;
  },
  async getClientIdByUid(uid: Uid): Promise<string[]> {
    const u = nameArg('getClientIdByUid', uid, 'uid');
    const r = await query<Record<string, string[]>>('getClientIdByUid', 'clientIdsByUid', [[u]]);
    return r[u] ?? [];
  },
  async getUidByClientId(clientId: string): Promise<string | null> {
    const id = clientIdArg('getUidByClientId', clientId);
    return query<string | null>('getUidByClientId', 'uidByClientId', [id], gatewayIdOf(id));
  },
  async getAllClientCount(): Promise<number> {
    return query<number>('getAllClientCount', 'clientCount', []);
  },
  async getClientCountByGroup(group: Group): Promise<number> {
    return query<number>('getClientCountByGroup', 'clientCount', [nameArg('getClientCountByGroup', group, 'group')]);
  },
  async getAllClientIdList(): Promise<string[]> {
    return query<string[]>('getAllClientIdList', 'clientIds', []);
  },
  async getClientIdListByGroup(group: Group): Promise<string[]> {
    return query<string[]>('getClientIdListByGroup', 'clientIds', [nameArg('getClientIdListByGroup', group, 'group')]);
  },
  async getAllClientSessions(): Promise<Record<string, Session>> {
    return query<Record<string, Session>>('getAllClientSessions', 'clientSessions', []);
  },
  async getClientSessionsByGroup(group: Group): Promise<Record<string, Session>> {
    const g = nameArg('getClientSessionsByGroup', group, 'group');
    return query<Record<string, Session>>('getClientSessionsByGroup', 'clientSessions', [g]);
  },
  async getAllUidList(): Promise<string[]> {
    return query<string[]>('getAllUidList', 'uids', []);
  },
  async getAllUidCount(): Promise<number> {
    return (await query<string[]>('getAllUidCount', 'uids', [])).length;
  },
  async getUidListByGroup(group: Group): Promise<string[]> {
    return query<string[]>('getUidListByGroup', 'uids', [nameArg('getUidListByGroup', group, 'group')]);
  },
  async getUidCountByGroup(group: Group): Promise<number> {
    return (await query<string[]>('getUidCountByGroup', 'uids', [nameArg('getUidCountByGroup', group, 'group')])).length;
  },
  async getAllGroupIdList(): Promise<string[]> {
    return query<string[]>('getAllGroupIdList', 'groups', []);
  },
  async getAllGroupUidList(): Promise<Record<string, string[]>> {
    return query<Record<string, string[]>>('getAllGroupUidList', 'groupUids', []);
  },
  async getAllGroupUidCount(): Promise<Record<string, number>> {
    return countsOf(await query<Record<string, string[]>>('getAllGroupUidCount', 'groupUids', []));
  },
  async getAllGroupClientIdList(): Promise<Record<string, string[]>> {
    return query<Record<string, string[]>>('getAllGroupClientIdList', 'groupClientIds', []);
  },
  async getAllGroupClientIdCount(): Promise<Record<string, number>> {
    return countsOf(await query<Record<string, string[]>>('getAllGroupClientIdCount', 'groupClientIds', []));
  },
  async batchGetClientIdByUid(uids: readonly Uid[]): Promise<Record<string, string[]>> {
    const list = arrayOfNamesArg('batchGetClientIdByUid', uids, 'uids');
    const r = await query<Record<string, string[]>>('batchGetClientIdByUid', 'clientIdsByUid', [list]);
    return Object.fromEntries(list.map((u) => [u, r[u] ?? []]));
  },
  async isUidsOnline(uids: readonly Uid[]): Promise<Record<string, boolean>> {
    const list = arrayOfNamesArg('isUidsOnline', uids, 'uids');
    const r = await query<Record<string, string[]>>('isUidsOnline', 'clientIdsByUid', [list]);
    return Object.fromEntries(list.map((u) => [u, (r[u]?.length ?? 0) > 0]));
  },
  async batchGetClientCountByGroup(groups: readonly Group[]): Promise<Record<string, number>> {
    const list = arrayOfNamesArg('batchGetClientCountByGroup', groups, 'groups');
    const r = await query<Record<string, number>>('batchGetClientCountByGroup', 'groupClientCounts', [list]);
    return Object.fromEntries(list.map((g) => [g, r[g] ?? 0]));
  },
};
