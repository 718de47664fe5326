import type { Logger } from '../../log/logger.js';
import { decodeBinaryCommand } from '../../protocol/binary-command.js';
import { CommandFlag, CommandOp } from '../../protocol/constants.js';
import { LinkProtocolError } from '../../protocol/errors.js';
import { decodeSessionPatch } from '../../protocol/session-patch.js';
import { applyPatchFromLink } from './client-session.js';
import type { ClientListener } from './client-listener.js';
import type { ClientOutput } from './client-output.js';
import type { Connection } from './connection.js';
import type { ConnectionTable } from './connection-table.js';
import type { Counters } from './counters.js';
import type { Opening, Openings } from './openings.js';
import { OutgoingMessage } from './outgoing-message.js';
import type { WorkerLink } from './worker-link.js';

/**
 * Executes Gateway API commands from worker links, in the order they arrive
 * (each synchronously, so sends of one handler reach a client in the order
 * issued). Data is encoded once per listener per command (OutgoingMessage) and
 * written through the client corker. A command for a client this gateway does
 * not hold is ignored and counted (commandsForGoneClients); a malformed one
 * throws LinkProtocolError, which closes the link that sent it.
 */
export class CommandExecutor {
  constructor(
    private readonly table: ConnectionTable,
    private readonly output: ClientOutput,
    /** Opening clients: a sendToAll is held for them. */
    private readonly openings: Openings,
    private readonly counters: Counters,
    private readonly logger: Logger,
  ) {}

  execute(link: WorkerLink, body: Buffer): void {
    // Arguments in binary: no JSON on the send path.
    const args = decodeBinaryCommand(body);
    this.counters.commands++;
    const { op, flags, data } = args;
    switch (op) {
      case CommandOp.SendToClient: {
        const conn = this.#client(args.clientId);
        if (conn !== undefined) this.#deliver(conn, this.#message(data, flags));
        return;
      }
      case CommandOp.SendToAll:
        this.#sendToAll(args.only, args.exclude, this.#message(data, flags));
        return;
      case CommandOp.SendToUid:
        this.#sendToUids(args.names, this.#message(data, flags));
        return;
      case CommandOp.SendToGroup:
        this.#sendToGroups(args.names, args.exclude, this.#message(data, flags));
        return;
      case CommandOp.CloseClient: {
        const conn = this.#client(args.clientId);
        if (conn === undefined) return;
        if (flags & CommandFlag.HasData) this.#deliver(conn, this.#message(data, flags));
        this.output.end(conn, 'closed by server');
        return;
      }
      case CommandOp.DestroyClient: {
        const conn = this.#client(args.clientId);
        if (conn !== undefined) this.output.destroy(conn, 'destroyed by server');
        return;
      }
      case CommandOp.BindUid:
      case CommandOp.UnbindUid:
      case CommandOp.JoinGroup:
      case CommandOp.LeaveGroup: {
        const conn = this.#client(args.clientId);
        if (conn === undefined) return;
        if (op === CommandOp.BindUid) this.table.bindUid(conn, args.name);
        else if (op === CommandOp.UnbindUid) this.table.unbindUid(conn, args.name);
        else if (op === CommandOp.JoinGroup) this.table.joinGroup(conn, args.name);
        else this.table.leaveGroup(conn, args.name);
        return;
      }
      case CommandOp.Ungroup:
        this.table.ungroup(args.name);
        return;
      case CommandOp.Session:
        this.#session(link, args.clientId, args.patchId, args.patchKind, data);
        return;
    }
  }

  #client(clientId: string): Connection | undefined {
    const conn = this.table.get(clientId);
    if (conn === undefined) this.counters.commandsForGoneClients++;
    return conn;
  }

  #message(data: Buffer, flags: number): OutgoingMessage {
    return new OutgoingMessage(data, flags, this.#encodeFailed);
  }

  readonly #encodeFailed = (listener: ClientListener, err: unknown): void => {
    this.counters.encodeErrors++;
    this.logger.warn({ listener: listener.name, err }, 'a message could not be encoded for a listener; its clients do not get it');
  };

  #deliver(conn: Connection, message: OutgoingMessage): void {
    const bytes = message.bytesFor(conn.listener);
    if (bytes !== null) this.output.send(conn, bytes);
  }

  #hold(conn: Connection, opening: Opening, message: OutgoingMessage): void {
    const bytes = message.bytesFor(conn.listener);
    if (bytes !== null) this.output.hold(conn, opening, bytes);
  }

  #sendToAll(only: string[] | null, exclude: string[] | null, message: OutgoingMessage): void {
    const excluded = exclude !== null && exclude.length > 0 ? new Set(exclude) : null;
    if (only !== null) {
      // Ids of other gateways are simply not here: sendToAll(c) goes to every gateway.
      const seen = new Set<string>();
      for (const id of only) {
        if (seen.has(id) || excluded?.has(id)) continue;
        seen.add(id);
        const conn = this.table.get(id);
        if (conn !== undefined) this.#deliver(conn, message);
      }
      return;
    }
    // No client opening (the usual case): nothing to look up per client.
    const openings = this.openings.size > 0 ? this.openings : null;
    for (const conn of this.table.online.values()) {
      if (excluded !== null && excluded.has(conn.id)) continue;
      const opening = openings?.get(conn);
      if (opening !== undefined) this.#hold(conn, opening, message);
      else this.#deliver(conn, message);
    }
  }

  #sendToUids(uids: string[], message: OutgoingMessage): void {
    // One uid per client, so only a uid named twice could reach a client twice.
    const distinct = uids.length > 1 ? new Set(uids) : uids;
    for (const uid of distinct) {
      const members = this.table.byUid.get(uid);
      if (members !== undefined) for (const conn of members) this.#deliver(conn, message);
    }
  }

  #sendToGroups(groups: string[], exclude: string[] | null, message: OutgoingMessage): void {
    const excluded = exclude !== null && exclude.length > 0 ? new Set(exclude) : null;
    // A client in two of the groups gets the message once.
    const reached = groups.length > 1 ? new Set<Connection>() : null;
    for (const group of groups) {
      const members = this.table.byGroup.get(group);
      if (members === undefined) continue;
      for (const conn of members) {
        if (excluded !== null && excluded.has(conn.id)) continue;
        if (reached !== null) {
          if (reached.has(conn)) continue;
          reached.add(conn);
        }
        this.#deliver(conn, message);
      }
    }
  }

  #session(link: WorkerLink, clientId: string, patchId: number, kind: number, data: Buffer): void {
    const conn = this.table.getForSession(clientId);
    if (conn === undefined) {
      this.counters.commandsForGoneClients++;
      return;
    }
    let patch;
    try {
      patch = decodeSessionPatch(kind, data);
    } catch (err) {
      throw new LinkProtocolError(`session: patch data of client ${clientId} is invalid: ${(err as Error).message}`);
    }
    applyPatchFromLink(conn, link.id, patchId, patch);
  }
}
