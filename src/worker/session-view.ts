import { applySessionPatch, type Session, type SessionPatch } from '../protocol/session-patch.js';

export interface PendingPatch {
  id: number;
  patch: SessionPatch;
}

/**
 * The worker's side of a client's session (docs/protocol.md, *Sessions*): the
 * last session the gateway sent (snapshot, snapshotVersion) and the patches this
 * worker sent on the client's link that the gateway had not applied when it sent
 * the latest event (pending, in patch id order). The session a handler sees is
 * the snapshot with the pending patches applied, so a change made by one event
 * is visible to the very next one even when the gateway forwarded that event
 * before the change arrived.
 *
 * Patch ids increase per link and a client's pending patches all belong to its
 * one link, so the pending list is sorted and acknowledged patches leave it from
 * the front.
 */
export class SessionView {
  snapshot: Session = {};
  snapshotVersion = 0;
  readonly pending: PendingPatch[] = [];

  /**
   * The receipt rule for one event. With session bytes: they are the snapshot,
   * and patches the gateway had applied (id ≤ patchAck) are in them. Without:
   * the gateway applied patches up to patchAck to the state this worker knows,
   * so fold those into the snapshot.
   */
  receive(session: Session | null, sessionVersion: number, patchAck: number): void {
    if (session !== null) {
      this.snapshot = session;
      let n = 0;
      while (n < this.pending.length && this.pending[n]!.id <= patchAck) n++;
      if (n > 0) this.pending.splice(0, n);
    } else {
      let n = 0;
      while (n < this.pending.length && this.pending[n]!.id <= patchAck) {
        this.snapshot = applySessionPatch(this.snapshot, this.pending[n]!.patch);
        n++;
      }
      if (n > 0) this.pending.splice(0, n);
    }
    this.snapshotVersion = sessionVersion;
  }

  /** A patch this worker just sent for the client, with the id it carried. */
  add(id: number, patch: SessionPatch): void {
    this.pending.push({ id, patch });
  }

  /** The pending patches, in order, for a task (the list is copied; patches are never changed once made). */
  pendingPatches(): SessionPatch[] {
    return this.pending.map((p) => p.patch);
  }

  /** The session a handler would see now (a copy). */
  current(): Session {
    let s = structuredClone(this.snapshot);
    for (const p of this.pending) s = applySessionPatch(s, structuredClone(p.patch));
    return s;
  }
}
