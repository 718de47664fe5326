import type { Connection } from './connection.js';

/**
 * One client's opening (docs/worker.md "Connect storms"): until the worker
 * acknowledged the client's opening events (Connect; for WebSocket also
 * WebSocketConnect), a sendToAll is held here, not written: the client must
 * not hear a broadcast before the app has seen it, nor miss one sent meanwhile.
 */
export class Opening {
  /** Accepted, its opening events not emitted yet (ClientLifecycle queues them off the accept path). */
  emitPending = true;
  /** Opening events emitted and not yet acknowledged (or given up on). */
  events = 0;
  /** sendToAll messages held, in order; null when none. */
  held: Buffer[] | null = null;
  heldBytes = 0;

  constructor(
    /** WebSocket: the handshake JSON of the WebSocketConnect event still to emit; null for TCP and once emitted. */
    public handshake: Buffer | null,
  ) {}
}

/**
 * The clients that are opening, each with its Opening, from accept until its
 * opening events are acknowledged or given up on, and then forgotten.
 *
 * A side table rather than fields of Connection: a client opens for one round
 * trip to its worker and then stays idle for hours, and the five fields this
 * takes cost every idle connection 40 bytes of heap when they were on it. The
 * table is empty but while clients open, so a broadcast asks it only then.
 */
export class Openings {
  readonly #byConnection = new Map<Connection, Opening>();

  get size(): number {
    return this.#byConnection.size;
  }

  /** The client was accepted: it opens until end(). */
  begin(conn: Connection, handshake: Buffer | null): void {
    this.#byConnection.set(conn, new Opening(handshake));
  }

  /** The client's Opening while it opens (its app has not seen it yet), else undefined. */
  get(conn: Connection): Opening | undefined {
    return this.#byConnection.size === 0 ? undefined : this.#byConnection.get(conn);
  }

  /** An opening event of the client was emitted. */
  eventEmitted(conn: Connection): void {
    const opening = this.#byConnection.get(conn);
    if (opening !== undefined) opening.events++;
  }

  /**
   * An opening event of the client was acknowledged or given up on. Returns
   * its Opening when that was the last one (the client has opened and is
   * forgotten here; what was held is the caller's to write), else undefined.
   */
  eventDone(conn: Connection): Opening | undefined {
    const opening = this.#byConnection.get(conn);
    if (opening === undefined || --opening.events > 0 || opening.emitPending) return undefined;
    this.#byConnection.delete(conn);
    return opening;
  }
}
