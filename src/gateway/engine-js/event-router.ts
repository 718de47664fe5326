import type { Logger } from '../../log/logger.js';
import type { EventKind, PayloadKind } from '../../protocol/constants.js';
import { encodeEventFrame } from '../../protocol/event-codec.js';
import { forgetLink, sessionForEvent } from './client-session.js';
import { ConnectionState, type Connection } from './connection.js';
import type { Counters } from './counters.js';
import { PendingEvent } from './pending-event.js';
import type { WorkerLink } from './worker-link.js';

export interface RouterHooks {
  /** Held events (unacked + waiting) reached the bound (true) or fell under half of it (false). */
  setReadsPaused(paused: boolean): void;
  /** A closed client's last event is acknowledged (or given up on): it can be forgotten. */
  connectionDone(conn: Connection): void;
}

/** Events one client may send in a row while others wait for the same link's credit. */
const FAIR_SHARE = 64;

/**
 * Routes client events to worker links (docs/protocol.md "Flow control" and
 * "Client pinning and order").
 *
 * Invariants:
 * - A client with waiting events is in exactly one waiting set: `#unrouted`
 *   (no usable link) or the `waiting` set of the link it is pinned to.
 * - A client with unacked events is pinned, and all of them are on that link.
 * - A link with waiting clients has no credit left or its output is blocked
 *   (credit is spent on waiting clients as soon as it arrives), so a new event
 *   never overtakes one that waits.
 * - `held` = unacked + waiting over all links and clients; reading from clients
 *   pauses at maxHeld and resumes under maxHeld / 2; at 2 × maxHeld new
 *   connections are refused (`overloaded`).
 *
 * A client is pinned at its first event to the open, non-draining, credited link
 * with the fewest unacked events (then the fewest pinned clients), and stays
 * pinned, keeping its session known to that worker, until its link drains or
 * closes. When a link closes, its unacked events go back, in order, to the front
 * of their clients' queues flagged Redelivery; an event already redelivered once
 * is given up (counted in eventsFailed and logged), so one poison event cannot
 * take down every worker in turn.
 */
export class EventRouter {
  readonly links = new Set<WorkerLink>();
  unackedTotal = 0;
  waitingTotal = 0;
  #unrouted = new Set<Connection>();
  #seq = 0;
  #paused = false;

  constructor(
    private readonly maxHeld: number,
    private readonly counters: Counters,
    private readonly hooks: RouterHooks,
    private readonly logger: Logger,
  ) {}

  get readsPaused(): boolean {
    return this.#paused;
  }

  /**
   * Held events are at twice the bound: reads are paused, yet connects and
   * closes still add events. New connections are then refused, so memory stays
   * bounded however long no worker takes events.
   */
  get overloaded(): boolean {
    return this.unackedTotal + this.waitingTotal >= this.maxHeld * 2;
  }

  /** Queues a new event of a client and sends it at once if its link has credit. */
  emit(conn: Connection, kind: EventKind, payloadKind: PayloadKind, payload: Buffer): void {
    const wasIdle = conn.queue.length === 0;
    conn.queue.push(new PendingEvent(conn, kind, payloadKind, payload));
    this.waitingTotal++;
    if (wasIdle) this.#route(conn);
    this.#checkHeld();
  }

  linkOpened(link: WorkerLink): void {
    this.links.add(link);
  }

  credit(link: WorkerLink, credits: number): void {
    link.credit += credits;
    if (!link.credited && credits > 0) {
      link.credited = true;
      this.#routeUnrouted();
    }
    this.#serve(link);
    this.#checkHeld();
  }

  ack(link: WorkerLink, seqs: readonly number[]): void {
    for (const seq of seqs) {
      const ev = link.unacked.get(seq);
      if (ev === undefined) continue; // acked twice, or an event of another link: nothing to release
      link.unacked.delete(seq);
      link.credit++;
      this.unackedTotal--;
      this.counters.eventsAcked++;
      const conn = ev.conn;
      conn.unacked--;
      if (conn.unacked === 0) this.#settled(conn, link);
    }
    this.#serve(link);
    this.#checkHeld();
  }

  /** Drain: no new clients here; clients with nothing in flight move now, the others when they have none. */
  drain(link: WorkerLink): void {
    link.draining = true;
    for (const conn of [...link.pinned]) if (conn.unacked === 0) this.#settled(conn, link);
    this.#checkHeld();
  }

  outputDrained(link: WorkerLink): void {
    this.#serve(link);
    this.#checkHeld();
  }

  /** The link closed: redeliver what it held, unpin its clients, route them elsewhere. */
  linkClosed(link: WorkerLink): number {
    this.links.delete(link);
    const returned = new Map<Connection, PendingEvent[]>();
    for (const ev of link.unacked.values()) {
      let list = returned.get(ev.conn);
      if (list === undefined) returned.set(ev.conn, (list = []));
      list.push(ev);
    }
    const count = link.unacked.size;
    this.unackedTotal -= count;
    link.unacked.clear();
    link.waiting.clear();
    let redelivered = 0;
    for (const [conn, events] of returned) {
      conn.unacked = 0;
      const again: PendingEvent[] = [];
      for (const ev of events) {
        if (ev.redelivery) {
          this.counters.eventsFailed++;
          this.logger.error(
            { clientId: conn.id, seq: ev.seq, kind: ev.kind, linkId: link.id },
            'giving up an event: the second link it was delivered to closed before acknowledging it',
          );
        } else {
          ev.redelivery = true;
          again.push(ev);
        }
      }
      redelivered += again.length;
      conn.queue.unshiftAll(again);
      this.waitingTotal += again.length;
    }
    this.counters.eventsRedelivered += redelivered;
    const affected = [...link.pinned];
    link.pinned.clear();
    for (const conn of affected) {
      conn.pinned = null;
      forgetLink(conn, link.id);
      if (conn.queue.length > 0) this.#route(conn);
      else this.#finishIfDone(conn);
    }
    this.#checkHeld();
    return redelivered;
  }

  /** A client has nothing in flight on `link` any more. */
  #settled(conn: Connection, link: WorkerLink): void {
    if (link.draining) {
      this.#unpin(conn, link);
      if (conn.queue.length > 0) this.#route(conn);
    }
    this.#finishIfDone(conn);
  }

  #finishIfDone(conn: Connection): void {
    if (conn.state !== ConnectionState.Closed || conn.unacked !== 0 || conn.queue.length !== 0) return;
    if (conn.pinned !== null) this.#unpin(conn, conn.pinned);
    this.hooks.connectionDone(conn);
  }

  #unpin(conn: Connection, link: WorkerLink): void {
    link.pinned.delete(conn);
    link.waiting.delete(conn);
    conn.pinned = null;
  }

  /** Pins the client if needed and sends what its link's credit allows; the rest waits. */
  #route(conn: Connection, budget = Infinity): void {
    let link = conn.pinned;
    if (link !== null && link.draining && conn.unacked === 0) {
      this.#unpin(conn, link);
      link = null;
    }
    if (link === null) {
      link = this.#pick();
      if (link === null) {
        this.#unrouted.add(conn);
        return;
      }
      conn.pinned = link;
      link.pinned.add(conn);
    }
    while (budget-- > 0 && link.canSend && conn.queue.length > 0) this.#send(link, conn.queue.shift()!);
    if (conn.queue.length > 0) link.waiting.add(conn);
    else {
      link.waiting.delete(conn);
      this.#finishIfDone(conn);
    }
  }

  #pick(): WorkerLink | null {
    let best: WorkerLink | null = null;
    for (const link of this.links) {
      if (link.state !== 'open' || link.draining || !link.credited) continue;
      if (
        best === null ||
        link.unacked.size < best.unacked.size ||
        (link.unacked.size === best.unacked.size && link.pinned.size < best.pinned.size)
      ) {
        best = link;
      }
    }
    return best;
  }

  /** Spends a link's credit on its waiting clients, a fair share each in turn. */
  #serve(link: WorkerLink): void {
    for (const conn of link.waiting) {
      if (!link.canSend) return;
      // Deleting and (in #route) re-adding moves the client to the back: round robin.
      link.waiting.delete(conn);
      if (link.draining && conn.unacked === 0) {
        this.#unpin(conn, link);
        this.#route(conn);
      } else {
        this.#route(conn, FAIR_SHARE);
      }
    }
  }

  #routeUnrouted(): void {
    if (this.#unrouted.size === 0) return;
    const clients = [...this.#unrouted];
    this.#unrouted.clear();
    for (const conn of clients) this.#route(conn);
  }

  #send(link: WorkerLink, ev: PendingEvent): void {
    const conn = ev.conn;
    if (ev.seq === 0) ev.seq = this.#nextSeq();
    const info = conn.knownLinkId !== link.id ? conn.info : null;
    const s = sessionForEvent(conn, link.id);
    const frame = encodeEventFrame({
      seq: ev.seq,
      kind: ev.kind,
      clientId: conn.id,
      sessionVersion: s.sessionVersion,
      patchAck: s.patchAck,
      redelivery: ev.redelivery,
      payloadKind: ev.payloadKind,
      session: s.session,
      info,
      payload: ev.payload,
    });
    // Keep the payload as a view of the frame: the socket chunk it was cut from
    // can then be freed while the event waits for its ack.
    if (ev.payload.length > 0) ev.payload = frame.subarray(frame.length - ev.payload.length);
    link.unacked.set(ev.seq, ev);
    link.credit--;
    conn.unacked++;
    this.waitingTotal--;
    this.unackedTotal++;
    this.counters.eventsSent++;
    link.write(frame);
  }

  #nextSeq(): number {
    this.#seq = this.#seq === 0xffffffff ? 1 : this.#seq + 1;
    return this.#seq;
  }

  #checkHeld(): void {
    const held = this.unackedTotal + this.waitingTotal;
    if (!this.#paused && held >= this.maxHeld) {
      this.#paused = true;
      this.counters.readPauses++;
      this.hooks.setReadsPaused(true);
    } else if (this.#paused && held < this.maxHeld / 2) {
      this.#paused = false;
      this.hooks.setReadsPaused(false);
    }
  }
}

