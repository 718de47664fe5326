import type { EventKind, PayloadKind } from '../../protocol/constants.js';
import type { Connection } from './connection.js';

/**
 * One client event the gateway holds until a worker acknowledges it: first in
 * its client's queue (waiting for a link or credit), then in its link's unacked
 * map. The Event frame is built when the event is sent, because the session and
 * info sections depend on the link it goes to; the payload is kept to build it
 * again for a redelivery.
 */
export class PendingEvent {
  /** Gateway-wide sequence number, drawn when the event is first sent (so seqs increase on each link); 0 before. */
  seq = 0;
  /** Set when the link holding the event closed before acknowledging it. */
  redelivery = false;
  payload: Buffer;

  constructor(
    readonly conn: Connection,
    readonly kind: EventKind,
    readonly payloadKind: PayloadKind,
    payload: Buffer,
  ) {
    this.payload = payload;
  }
}
