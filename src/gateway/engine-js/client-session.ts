import { applySessionPatch, type SessionPatch } from '../../protocol/session-patch.js';
import type { Connection } from './connection.js';

/**
 * The gateway half of docs/protocol.md "Sessions": the authoritative session of
 * a client, its version, which link can reconstruct which version (`known`),
 * and the last patch applied from each link (`patchAcks`).
 */

export interface EventSessionFields {
  /** Session JSON to include in the event, or null when the link's copy is current. */
  session: Buffer | null;
  sessionVersion: number;
  patchAck: number;
}

/**
 * What an event sent now to link `linkId` carries about the session, and the
 * bookkeeping of having sent it: session bytes when known ≠ {link, version},
 * after which known = {link, version}; patchAck = acks[link] ?? 0.
 */
export function sessionForEvent(conn: Connection, linkId: number): EventSessionFields {
  let session: Buffer | null = null;
  if (conn.knownLinkId !== linkId || conn.knownVersion !== conn.sessionVersion) {
    session = conn.sessionJson ??= Buffer.from(JSON.stringify(conn.session));
    conn.knownLinkId = linkId;
    conn.knownVersion = conn.sessionVersion;
  }
  return { session, sessionVersion: conn.sessionVersion, patchAck: conn.patchAcks?.get(linkId) ?? 0 };
}

/**
 * Applies a Session command from link `linkId`: prev = version; apply;
 * version++; acks[link] = patchId; and if known = {link, prev}, known.version =
 * version (that link applied the same patch to the same state).
 */
export function applyPatchFromLink(conn: Connection, linkId: number, patchId: number, patch: SessionPatch): void {
  const prev = conn.sessionVersion;
  conn.session = applySessionPatch(conn.session, patch);
  conn.sessionJson = null;
  // u32 on the wire; 0 is never a version, so a wrapped counter restarts at 1.
  conn.sessionVersion = prev === 0xffffffff ? 1 : prev + 1;
  (conn.patchAcks ??= new Map()).set(linkId, patchId);
  if (conn.knownLinkId === linkId && conn.knownVersion === prev) conn.knownVersion = conn.sessionVersion;
}

/** The link that knew the session is gone: the next link gets the whole session. */
export function forgetLink(conn: Connection, linkId: number): void {
  if (conn.knownLinkId === linkId) {
    conn.knownLinkId = 0;
    conn.knownVersion = 0;
  }
  conn.patchAcks?.delete(linkId);
}
