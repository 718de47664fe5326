import type { Logger } from '../log/logger.js';
import { GATEWAY_STOPPING } from '../protocol/constants.js';

/** Clients closed per event-loop turn during a graceful stop. */
const CLOSE_BATCH = 500;
const STOP_POLL_MS = 10;
/** WebSocket close code 1001: the server is going away. */
export const WS_GOING_AWAY = 1001;

/** What an engine offers the stop sequence (the native addon's engine has exactly these). */
export interface StoppableEngine {
  /** Stops accepting clients and worker links. */
  stopAccepting(): void;
  /** Holds (true) or releases (false) reading from clients. */
  setReadsHeld(held: boolean): void;
  /** Events unacknowledged or waiting for a link. */
  heldEvents(): number;
  linkCount(): number;
  /** Clients not closed yet. */
  connectionCount(): number;
  /** Records still held: open, closing, or closed with their close event not acknowledged. */
  trackedCount(): number;
  /** Starts closing up to `max` more clients (queued output first, then FIN / a WebSocket close); returns how many are left to close. */
  closeClients(max: number, reason: string, wsCode: number): number;
  closeLinks(reason: string): void;
  /** Destroys every socket still there. */
  destroyAll(reason: string): void;
}

/**
 * A gateway engine's graceful stop, the same for both engines; every phase is
 * bounded by the deadline:
 * 1. stop accepting (clients and links) and stop reading from clients; the
 *    events already read (in flight and waiting) are handled by the live
 *    workers, for at most graceMs;
 * 2. close the clients CLOSE_BATCH per event-loop turn: queued output first,
 *    then TCP end or WebSocket 1001 'gateway stopping'; reading resumes so
 *    their FIN is seen (what they still send is routed like any event);
 * 3. the links stay open until the close events are acked, then close;
 * 4. at the deadline whatever is left is destroyed, and events still held
 *    are logged with their count (the workers never saw them).
 */
export async function stopEngine(
  e: StoppableEngine,
  graceMs: number,
  timeoutMs: number,
  logger: Logger,
  held: () => { unacked: number; waiting: number },
): Promise<void> {
  const start = Date.now();
  const deadline = start + timeoutMs;
  // Keep the last part of the budget for closing: links and sockets.
  const closeBy = deadline - Math.min(200, Math.floor(timeoutMs / 10));
  e.stopAccepting();
  e.setReadsHeld(true);
  await waitUntil(() => e.heldEvents() === 0 || e.linkCount() === 0, Math.min(start + graceMs, closeBy));
  const phase1Held = e.heldEvents();

  e.setReadsHeld(false);
  // Bounded by the count at the start: nothing new can arrive after stopAccepting.
  let open = e.connectionCount();
  for (let rounds = Math.ceil(open / CLOSE_BATCH); open > 0 && rounds > 0; rounds--) {
    open = e.closeClients(CLOSE_BATCH, 'gateway stopping', WS_GOING_AWAY);
    // One batch per turn: the closes' writes go out and the loop stays responsive.
    if (open > 0) await new Promise((r) => setImmediate(r));
  }
  // Let the workers hear about the closes while their links are still open.
  await waitUntil(() => (e.connectionCount() === 0 && e.heldEvents() === 0) || e.linkCount() === 0, closeBy);
  const unhandled = e.heldEvents();
  if (unhandled > 0) {
    const { unacked, waiting } = held();
    logger.warn(
      { events: unhandled, unacked, waiting, links: e.linkCount(), heldBeforeClosing: phase1Held },
      'stopping with events no worker acknowledged (their clients are closed; the events are dropped)',
    );
  }
  e.closeLinks(GATEWAY_STOPPING);
  await waitUntil(() => e.connectionCount() === 0, deadline);
  e.destroyAll('gateway stopping');
  // A destroyed socket reports its close a turn later.
  await waitUntil(() => e.trackedCount() === 0, Date.now() + 100);
}

async function waitUntil(done: () => boolean, deadline: number): Promise<void> {
  while (!done() && Date.now() < deadline) await new Promise((r) => setTimeout(r, STOP_POLL_MS));
}
