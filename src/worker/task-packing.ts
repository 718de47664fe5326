import type { EventKind, PayloadKind } from '../protocol/constants.js';
import type { Session } from '../protocol/session-patch.js';
import { TASK_EVENT_FIELDS, writeTaskEvent } from './thread-messages.js';

/** An event as the dispatcher queues it (decoded from its frame; the payload is a view of the received bytes). */
export interface QueuedEvent {
  seq: number;
  kind: EventKind;
  payloadKind: PayloadKind;
  redelivered: boolean;
  /** The session the gateway sent with the event, parsed, or null. */
  session: Session | null;
  sessionVersion: number;
  patchAck: number;
  payload: Uint8Array;
}

/**
 * Packs the events of one task: every payload back to back into one buffer and
 * one TASK_EVENT_FIELDS row per event into a Uint32Array, both to be
 * transferred (structured-cloning many small objects per task was the main
 * thread's largest cost). `firsts[k]` is the row of run k's first event.
 */
export function packEvents(
  runs: readonly (readonly QueuedEvent[])[],
  bytes: number,
  count: number,
): { payloads: ArrayBuffer; table: Uint32Array; firsts: number[] } {
  const payloads = new ArrayBuffer(bytes);
  const into = new Uint8Array(payloads);
  const table = new Uint32Array(count * TASK_EVENT_FIELDS);
  const firsts: number[] = [];
  let offset = 0;
  let index = 0;
  for (const events of runs) {
    firsts.push(index);
    for (const e of events) {
      const start = offset;
      into.set(e.payload, offset);
      offset += e.payload.length;
      writeTaskEvent(table, index++, { seq: e.seq, kind: e.kind, payloadKind: e.payloadKind, redelivered: e.redelivered, start, end: offset });
    }
  }
  return { payloads, table, firsts };
}
