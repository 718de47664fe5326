import { decodeQuery, encodeReplyFrame } from '../../protocol/command-codec.js';
import type { Session } from '../../protocol/session-patch.js';
import type { EngineStats } from '../engine.js';
import type { Connection } from './connection.js';
import type { ConnectionTable } from './connection-table.js';
import type { Counters } from './counters.js';

/** A query the gateway understood but cannot answer (unknown op, bad arguments): an error Reply; the link stays. */
class QueryError extends Error {
  override name = 'QueryError';
}

type QueryOp = (args: unknown[]) => unknown;

function clientIdArg(op: string, args: unknown[]): string {
  if (typeof args[0] !== 'string') throw new QueryError(`${op}: args must be [clientId]`);
  return args[0];
}

function optionalGroupArg(op: string, args: unknown[]): string | null {
  const g = args[0];
  if (g === undefined || g === null) return null;
  if (typeof g !== 'string') throw new QueryError(`${op}: args must be [] or [group] with group a string`);
  return g;
}

function stringListArg(op: string, what: string, args: unknown[]): string[] {
  const list = args[0];
  if (!Array.isArray(list) || !list.every((s) => typeof s === 'string')) {
    throw new QueryError(`${op}: args must be [[${what}]] (an array of strings)`);
  }
  return list as string[];
}

function distinctUids(members: Iterable<Connection>): string[] {
  const uids = new Set<string>();
  for (const conn of members) if (conn.uid !== null) uids.add(conn.uid);
  return [...uids];
}

/**
 * Answers Gateway API queries about this gateway alone (docs/protocol.md
 * "Queries"); the worker merges the answers of all gateways. Closed clients are
 * never reported: they left the table when their socket closed.
 */
export class QueryHandler {
  readonly #ops: Record<string, QueryOp>;

  constructor(
    private readonly table: ConnectionTable,
    private readonly counters: Counters,
    stats: () => EngineStats,
  ) {
    const t = table;
    const members = (group: string | null): Iterable<Connection> =>
      group === null ? t.online.values() : (t.byGroup.get(group) ?? []);
    this.#ops = {
      isOnline: (args) => t.online.has(clientIdArg('isOnline', args)),
      clientIdsByUid: (args) => {
        const result: Record<string, string[]> = {};
        for (const uid of stringListArg('clientIdsByUid', 'uid', args)) {
          result[uid] = [...(t.byUid.get(uid) ?? [])].map((c) => c.id);
        }
        return result;
      },
      uidByClientId: (args) => t.online.get(clientIdArg('uidByClientId', args))?.uid ?? null,
      clientCount: (args) => {
        const group = optionalGroupArg('clientCount', args);
        return group === null ? t.online.size : (t.byGroup.get(group)?.size ?? 0);
      },
      clientIds: (args) => [...members(optionalGroupArg('clientIds', args))].map((c) => c.id),
      clientSessions: (args) => {
        const result: Record<string, Session> = {};
        for (const conn of members(optionalGroupArg('clientSessions', args))) result[conn.id] = conn.session;
        return result;
      },
      uids: (args) => {
        const group = optionalGroupArg('uids', args);
        return group === null ? [...t.byUid.keys()] : distinctUids(members(group));
      },
      groups: () => [...t.byGroup.keys()],
      groupUids: () => {
        const result: Record<string, string[]> = {};
        for (const [group, set] of t.byGroup) result[group] = distinctUids(set);
        return result;
      },
      groupClientIds: () => {
        const result: Record<string, string[]> = {};
        for (const [group, set] of t.byGroup) result[group] = [...set].map((c) => c.id);
        return result;
      },
      groupClientCounts: (args) => {
        const result: Record<string, number> = {};
        for (const group of stringListArg('groupClientCounts', 'group', args)) result[group] = t.byGroup.get(group)?.size ?? 0;
        return result;
      },
      session: (args) => t.online.get(clientIdArg('session', args))?.session ?? null,
      stats: () => stats(),
    };
  }

  /** A whole Reply frame for a Query body; throws LinkProtocolError when the body is malformed. */
  answer(body: Buffer): Buffer {
    const query = decodeQuery(body);
    this.counters.queries++;
    const op = Object.hasOwn(this.#ops, query.op) ? this.#ops[query.op] : undefined;
    if (op === undefined) return encodeReplyFrame(query.id, false, `unknown query op "${query.op}"`);
    try {
      return encodeReplyFrame(query.id, true, op(query.args));
    } catch (err) {
      if (err instanceof QueryError) return encodeReplyFrame(query.id, false, err.message);
      throw err;
    }
  }
}
