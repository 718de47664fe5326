import type { PendingEvent } from './pending-event.js';

/**
 * A client's events waiting to be sent, in order. A head index instead of
 * Array#shift keeps taking from the front O(1) for a client that pipelines many
 * messages; the array is compacted once the consumed part dominates.
 */
export class EventQueue {
  #items: PendingEvent[] = [];
  #head = 0;

  get length(): number {
    return this.#items.length - this.#head;
  }

  push(event: PendingEvent): void {
    this.#items.push(event);
  }

  peek(): PendingEvent | undefined {
    return this.#items[this.#head];
  }

  shift(): PendingEvent | undefined {
    if (this.#head >= this.#items.length) return undefined;
    const event = this.#items[this.#head]!;
    this.#items[this.#head++] = undefined as unknown as PendingEvent;
    if (this.#head === this.#items.length) {
      this.#items = [];
      this.#head = 0;
    } else if (this.#head >= 1024 && this.#head * 2 >= this.#items.length) {
      this.#items = this.#items.slice(this.#head);
      this.#head = 0;
    }
    return event;
  }

  /** Puts events back in front, in the order given (redelivery after a link closed). */
  unshiftAll(events: readonly PendingEvent[]): void {
    if (events.length === 0) return;
    this.#items = [...events, ...this.#items.slice(this.#head)];
    this.#head = 0;
  }
}
