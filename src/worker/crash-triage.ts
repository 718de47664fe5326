import type { Logger } from '../log/logger.js';
import type { QueuedEvent } from './task-packing.js';

/** The dispatcher's counters this file keeps up to date. */
export interface TriageCounters {
  failedEvents: number;
  timedOutEvents: number;
  isolatedEvents: number;
}

/**
 * What becomes of the events of a batch that did not end normally, so that
 * none is lost, none retried forever, and each failure is logged with its
 * client id and event id and counted:
 *
 * - its thread died (crash, out of memory) on a normal run: every event goes
 *   back, flagged redelivered, to run alone in the isolation lane;
 * - its thread died again while it ran alone: the poison, acked as failed;
 * - the watchdog found its handler blocking the thread past processTimeout and
 *   had the thread replaced: acked as failed, never run again;
 * - its handler's promise did not settle within processTimeout (the batch
 *   completed without it): acked as failed.
 */
export class CrashTriage {
  /** `clientId/seq` of events whose handler blocked its thread past processTimeout. */
  readonly #timedOut = new Set<string>();

  constructor(
    private readonly logger: Logger,
    private readonly counters: TriageCounters,
  ) {}

  noteTimedOut(clientId: string, seq: number): void {
    this.#timedOut.add(`${clientId}/${seq}`);
  }

  /**
   * A batch completed. Forgets timeout notes of its events (the handler
   * finished just as its thread was judged stuck), and counts and logs the
   * events whose promise was given up (`timedOut`: indexes in the batch).
   */
  completed(clientId: string, gatewayId: string, events: readonly QueuedEvent[], timedOut: readonly number[]): void {
    if (this.#timedOut.size > 0) for (const e of events) this.#timedOut.delete(`${clientId}/${e.seq}`);
    this.counters.failedEvents += timedOut.length;
    this.counters.timedOutEvents += timedOut.length;
    for (const i of timedOut) {
      this.logger.error(
        { clientId, eventId: `${gatewayId}-${events[i]?.seq}` },
        "a handler did not settle within processTimeout; acknowledged as failed, the client's next events go on",
      );
    }
  }

  /** A batch whose thread died: the events to run again (alone, flagged redelivered) and those to ack as failed. */
  threadDied(
    clientId: string,
    gatewayId: string,
    events: readonly QueuedEvent[],
    isolated: boolean,
    reason: string,
  ): { again: QueuedEvent[]; failed: QueuedEvent[] } {
    const again: QueuedEvent[] = [];
    const failed: QueuedEvent[] = [];
    for (const e of events) {
      const eventId = `${gatewayId}-${e.seq}`;
      if (this.#timedOut.delete(`${clientId}/${e.seq}`)) {
        this.counters.timedOutEvents++;
        failed.push(e);
        this.logger.error(
          { clientId, eventId, reason },
          'event failed: its handler blocked its thread past processTimeout (the thread was replaced); acknowledged as failed',
        );
      } else if (isolated) {
        failed.push(e);
        this.logger.error({ clientId, eventId, reason }, 'poison event: its thread died again when it ran alone; acknowledged as failed');
      } else {
        again.push({ ...e, redelivered: true });
      }
    }
    this.counters.failedEvents += failed.length;
    this.counters.isolatedEvents += again.length;
    if (again.length > 0) {
      this.logger.warn(
        { clientId, eventIds: again.map((e) => `${gatewayId}-${e.seq}`), reason },
        'a pool thread died while running these events; running them again one at a time',
      );
    }
    return { again, failed };
  }
}
