import type { Logger } from '../../log/logger.js';
import type { PayloadKind } from '../../protocol/constants.js';
import { EventKind, FrameType } from '../../protocol/constants.js';
import { encodeEventFrame, encodeForget } from '../../protocol/event-codec.js';
import { encodeFrame } from '../../protocol/frame-encoder.js';
import { protocol2Handshake } from '../../protocol/websocket-handshake.js';
import { forgetLink, sessionForEvent } from './client-session.js';
import { ConnectionState, type Connection } from './connection.js';
import type { Counters } from './counters.js';
import type { Opening, Openings } from './openings.js';
import { PendingEvent } from './pending-event.js';
import type { WorkerLink } from './worker-link.js';

export interface RouterHooks {
  /** Held events (unacked + waiting) reached the bound (true) or fell under half of it (false). */
  setReadsPaused(paused: boolean): void;
  /** A closed client's last event is acknowledged (or given up on): it can be forgotten. */
  connectionDone(conn: Connection): void;
  /** A client's opening events are all acknowledged (or given up on): broadcasts held for it (in `opening`) can go. */
  opened(conn: Connection, opening: Opening): void;
}

/** The event's payload as the link's protocol version lays it out: a version-2 worker gets the WebSocket handshake derived. */
function payloadFor(link: WorkerLink, ev: PendingEvent): Buffer {
  return ev.kind === EventKind.WebSocketConnect && link.protocolVersion < 3 ? Buffer.from(protocol2Handshake(ev.payload.toString('utf8'))) : ev.payload;
}

/** Connect and WebSocketConnect: until the worker has seen them, broadcasts are held for the client. */
function isOpening(kind: EventKind): boolean {
  return kind === EventKind.Connect || kind === EventKind.WebSocketConnect;
}

/** Events one client may send in a row while others wait for the same link's credit. */
const FAIR_SHARE = 64;

/**
 * Routes client events to worker links (docs/protocol.md "Flow control" and
 * "Client pinning and order").
 *
 * Invariants:
 * - A client with waiting events is in at most one waiting set: `#unrouted`
 *   (no usable link), `#laneWaiting` (its next event is a redelivery and the
 *   redelivery lane is busy) or the `waiting` or `waitingOpening` set of the
 *   link it is pinned to.
 *   In none of them only while it has events in flight on a draining link: it
 *   moves, with its waiting events, once those are acked (#settled).
 * - At most one redelivered event is in flight in the whole gateway (the
 *   lane), and a client's later events wait behind its redelivered ones: after
 *   a worker died, the events it held run one at a time, so a poison event
 *   identifies itself and takes no neighbour down with it.
 * - A client with unacked events is pinned, and all of them are on that link.
 * - A link with waiting clients has no credit left or its output is blocked
 *   (credit is spent on waiting clients as soon as it arrives), so a new event
 *   never overtakes one that waits. Clients whose next event is a connect wait
 *   apart (`waitingOpening`), also while half the link's window is spent on
 *   connects, and are served after the others: a connect storm fills at most
 *   half of a worker's window, and an open client's message goes at once.
 *   While connects wait, open clients' events fill at most three quarters of
 *   the window, so connects are never starved either (worker-link.ts).
 * - `held` = unacked + waiting over all links and clients; reading from clients
 *   pauses at maxHeld and resumes under maxHeld / 2; at 2 × maxHeld new
 *   connections are refused (`overloaded`).
 *
 * A client is pinned at its first event to the open, non-draining, credited link
 * with the fewest unacked events (then the fewest pinned clients), and stays
 * pinned, keeping its session known to that worker, until its link drains or
 * closes. A draining link gets no more events of a client that has events in
 * flight there: they wait here until those are acked, then the client moves
 * with them (so every client converges after at most its current batch, even
 * under a constant stream). A draining link with nothing pinned and nothing
 * unacked is told Drained. When a link closes, its unacked events go back, in order, to the front
 * of their clients' queues flagged Redelivery; an event already redelivered once
 * is given up (counted in eventsFailed and logged), so one poison event cannot
 * take down every worker in turn.
 */
export class EventRouter {
  readonly links = new Set<WorkerLink>();
  unackedTotal = 0;
  waitingTotal = 0;
  #unrouted = new Set<Connection>();
  /** The one redelivered event in flight, or null (see the lane invariant). */
  #laneEvent: PendingEvent | null = null;
  /** Clients whose next event is a redelivery, waiting for the lane, in order. */
  #laneWaiting = new Set<Connection>();
  #seq = 0;
  #paused = false;

  constructor(
    readonly maxHeld: number,
    private readonly counters: Counters,
    /** Opening clients: the router counts their opening events in and out. */
    private readonly openings: Openings,
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
    if (isOpening(kind)) this.openings.eventEmitted(conn);
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
    link.window += credits;
    if (!link.credited && credits > 0) {
      link.credited = true;
      this.#routeUnrouted();
    }
    this.#serve(link);
    this.#checkHeld();
  }

  ack(link: WorkerLink, seqs: readonly number[]): void {
    let laneFreed: Connection | null = null;
    for (const seq of seqs) {
      const ev = link.unacked.get(seq);
      if (ev === undefined) continue; // acked twice, or an event of another link: nothing to release
      link.unacked.delete(seq);
      link.credit++;
      this.unackedTotal--;
      this.counters.eventsAcked++;
      const conn = ev.conn;
      conn.unacked--;
      if (isOpening(ev.kind)) {
        link.openingInFlight--;
        this.#openingDone(conn);
      }
      if (ev === this.#laneEvent) {
        this.#laneEvent = null;
        laneFreed = conn;
      }
      if (conn.unacked === 0) this.#settled(conn, link);
    }
    if (laneFreed !== null) this.#laneFreed(laneFreed);
    this.#serve(link);
    this.#checkHeld();
  }

  /** Drain: no new clients here; clients with nothing in flight move now, the others once they have none. */
  drain(link: WorkerLink): void {
    link.draining = true;
    for (const conn of [...link.pinned]) if (conn.unacked === 0) this.#settled(conn, link);
    this.#checkDrained(link);
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
    if (this.#laneEvent !== null && this.#laneEvent.seq !== 0 && link.unacked.get(this.#laneEvent.seq) === this.#laneEvent) {
      this.#laneEvent = null;
    }
    link.unacked.clear();
    link.openingInFlight = 0;
    link.waiting.clear();
    link.waitingOpening.clear();
    let redelivered = 0;
    for (const [conn, events] of returned) {
      conn.unacked = 0;
      const again: PendingEvent[] = [];
      for (const ev of events) {
        if (ev.redelivery) {
          this.counters.eventsFailed++;
          if (isOpening(ev.kind)) this.#openingDone(conn);
          this.logger.error(
            { clientId: conn.id, eventId: `${conn.id.slice(0, 12)}-${ev.seq}`, seq: ev.seq, kind: ev.kind, linkId: link.id },
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
    this.#pumpLane();
    this.#checkHeld();
    return redelivered;
  }

  #openingDone(conn: Connection): void {
    const opening = this.openings.eventDone(conn);
    if (opening !== undefined) this.hooks.opened(conn, opening);
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
    link.waitingOpening.delete(conn);
    conn.pinned = null;
    if (link.draining && conn.state !== ConnectionState.Closed) this.#moved(conn, link);
    if (link.draining) this.#checkDrained(link);
  }

  /**
   * A live client leaves a draining link with nothing in flight there: the
   * link's worker may forget it (Forget), and should the client come back to
   * that link, its first event carries session and info again.
   */
  #moved(conn: Connection, link: WorkerLink): void {
    forgetLink(conn, link.id);
    if (link.state === 'open') link.write(encodeFrame(FrameType.Forget, encodeForget([conn.id])));
  }

  /** Tells a draining link, once, that nothing is pinned to it and nothing on it is unacked. */
  #checkDrained(link: WorkerLink): void {
    if (!link.draining || link.drainedSent || link.state !== 'open') return;
    if (link.pinned.size !== 0 || link.unacked.size !== 0) return;
    link.drainedSent = true;
    link.write(encodeFrame(FrameType.Drained));
    this.logger.info({ linkId: link.id, workerId: link.workerId }, 'worker link drained');
  }

  /** The lane's event was acked: its client goes on, then the next client waiting for the lane. */
  #laneFreed(conn: Connection): void {
    if (conn.queue.length > 0 && !this.#laneWaiting.has(conn)) this.#route(conn);
    this.#pumpLane();
  }

  #pumpLane(): void {
    while (this.#laneEvent === null && this.#laneWaiting.size > 0) {
      const conn = this.#laneWaiting.values().next().value!;
      this.#laneWaiting.delete(conn);
      if (conn.queue.length > 0) this.#route(conn);
      else this.#finishIfDone(conn);
    }
  }

  /** Sends the client's next event, a redelivery, through the lane, or leaves it waiting for the lane or credit. */
  #redeliver(conn: Connection, link: WorkerLink): void {
    if (this.#laneEvent !== null) {
      link.waiting.delete(conn);
      link.waitingOpening.delete(conn);
      this.#laneWaiting.add(conn);
      return;
    }
    if (!link.canSend) {
      link.waitingOpening.delete(conn);
      link.waiting.add(conn);
      return;
    }
    link.waiting.delete(conn);
    link.waitingOpening.delete(conn);
    const ev = conn.queue.shift()!;
    this.#laneEvent = ev;
    this.#send(link, ev);
  }

  /** Pins the client if needed and sends what its link's credit allows; the rest waits. */
  #route(conn: Connection, budget = Infinity): void {
    let link = conn.pinned;
    if (link !== null && link.draining) {
      // Events in flight there: the waiting ones go nowhere until they are acked (#settled moves the client).
      if (conn.unacked > 0) return;
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
    if (conn.queue.peek()?.redelivery === true) {
      this.#redeliver(conn, link);
      return;
    }
    for (; budget > 0 && conn.queue.length > 0; budget--) {
      const next = conn.queue.peek()!;
      if (next.redelivery || !(isOpening(next.kind) ? link.canSendOpening : link.canSendOpen)) break;
      this.#send(link, conn.queue.shift()!);
    }
    const next = conn.queue.peek();
    if (next === undefined) {
      link.waiting.delete(conn);
      link.waitingOpening.delete(conn);
      this.#finishIfDone(conn);
    } else if (isOpening(next.kind) && !next.redelivery) {
      link.waiting.delete(conn);
      link.waitingOpening.add(conn);
    } else {
      link.waitingOpening.delete(conn);
      link.waiting.add(conn);
    }
  }

  /**
   * The link a client is pinned to: open, credited, not draining, least loaded.
   * When every link drains (a whole-app graceful stop), one still draining that
   * was not told Drained: its worker still handles events, better than none.
   */
  #pick(): WorkerLink | null {
    return this.#pickAmong(false) ?? this.#pickAmong(true);
  }

  #pickAmong(draining: boolean): WorkerLink | null {
    let best: WorkerLink | null = null;
    for (const link of this.links) {
      if (link.state !== 'open' || !link.credited || link.draining !== draining || link.drainedSent) continue;
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

  /**
   * Spends a link's credit on its waiting clients, a fair share each in turn:
   * first the open ones (up to three quarters of the window while connects
   * wait), then those whose next event is a connect, while the opening share
   * lasts.
   */
  #serve(link: WorkerLink): void {
    this.#serveSet(link, link.waiting, () => link.canSendOpen);
    if (link.waitingOpening.size === 0) return;
    this.#serveSet(link, link.waitingOpening, () => link.canSendOpening);
    // No connect waits any more: the open clients may have the whole window again.
    if (link.waitingOpening.size === 0) this.#serveSet(link, link.waiting, () => link.canSendOpen);
  }

  #serveSet(link: WorkerLink, waiting: Set<Connection>, canSend: () => boolean): void {
    for (const conn of waiting) {
      if (!canSend()) return;
      // Deleting and (in #route) re-adding moves the client to the back: round robin.
      waiting.delete(conn);
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
    const payload = payloadFor(link, ev);
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
      payload,
    });
    // Keep the payload as a view of the frame: the socket chunk it was cut from
    // can then be freed while the event waits for its ack. (Not a converted
    // one: a redelivery to a newer link needs the original.)
    if (payload === ev.payload && payload.length > 0) ev.payload = frame.subarray(frame.length - payload.length);
    link.unacked.set(ev.seq, ev);
    link.credit--;
    if (isOpening(ev.kind)) link.openingInFlight++;
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

