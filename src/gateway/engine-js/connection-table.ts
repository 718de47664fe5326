import type { Connection } from './connection.js';

/**
 * The gateway's clients by id, and the uid → clients and group → clients
 * indexes. Invariant: a connection is in `online` and in the index entries of
 * its uid and groups exactly while its socket is open; an index entry with no
 * client is deleted, so the key sets are the live uids and groups.
 *
 * A closed connection leaves `online` and every index at once (queries never
 * report it, sends never reach it) and waits in `closing` until its close event
 * is acknowledged: session patches still apply there, so the close event a
 * worker handles carries the latest session.
 */
export class ConnectionTable {
  readonly online = new Map<string, Connection>();
  readonly closing = new Map<string, Connection>();
  readonly byUid = new Map<string, Set<Connection>>();
  readonly byGroup = new Map<string, Set<Connection>>();

  get size(): number {
    return this.online.size;
  }

  add(conn: Connection): void {
    this.online.set(conn.id, conn);
  }

  get(clientId: string): Connection | undefined {
    return this.online.get(clientId);
  }

  /** An online client, or a closed one whose close event is not yet acknowledged (for session patches). */
  getForSession(clientId: string): Connection | undefined {
    return this.online.get(clientId) ?? this.closing.get(clientId);
  }

  /** Binds uid to the client, replacing a previous uid (GatewayWorker: one uid per client). */
  bindUid(conn: Connection, uid: string): void {
    if (conn.uid === uid) return;
    if (conn.uid !== null) this.#removeFrom(this.byUid, conn.uid, conn);
    conn.uid = uid;
    this.#addTo(this.byUid, uid, conn);
  }

  /** Unbinds uid if it is the client's uid; otherwise nothing changes. */
  unbindUid(conn: Connection, uid: string): void {
    if (conn.uid !== uid) return;
    this.#removeFrom(this.byUid, uid, conn);
    conn.uid = null;
  }

  joinGroup(conn: Connection, group: string): void {
    conn.groups ??= new Set();
    if (conn.groups.has(group)) return;
    conn.groups.add(group);
    this.#addTo(this.byGroup, group, conn);
  }

  leaveGroup(conn: Connection, group: string): void {
    if (conn.groups === null || !conn.groups.delete(group)) return;
    this.#removeFrom(this.byGroup, group, conn);
  }

  /** Every member leaves the group. */
  ungroup(group: string): void {
    const members = this.byGroup.get(group);
    if (members === undefined) return;
    this.byGroup.delete(group);
    for (const conn of members) conn.groups!.delete(group);
  }

  /** The socket closed: out of `online` and every index, into `closing` until its close event is acknowledged. */
  markClosed(conn: Connection): void {
    this.online.delete(conn.id);
    if (conn.uid !== null) this.#removeFrom(this.byUid, conn.uid, conn);
    if (conn.groups !== null) for (const g of conn.groups) this.#removeFrom(this.byGroup, g, conn);
    this.closing.set(conn.id, conn);
  }

  /** Its close event was acknowledged (or given up on): forgotten. */
  forget(conn: Connection): void {
    this.closing.delete(conn.id);
  }

  #addTo(index: Map<string, Set<Connection>>, key: string, conn: Connection): void {
    let set = index.get(key);
    if (set === undefined) index.set(key, (set = new Set()));
    set.add(conn);
  }

  #removeFrom(index: Map<string, Set<Connection>>, key: string, conn: Connection): void {
    const set = index.get(key);
    if (set === undefined) return;
    set.delete(conn);
    if (set.size === 0) index.delete(key);
  }
}
