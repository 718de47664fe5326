import { SessionPatchKind } from './constants.js';

/**
 * Sessions are plain JSON objects. Every change reaches the gateway as a patch,
 * applied in arrival order on top of whatever the session is by then, so two
 * handlers that change different keys of one client's session both win.
 */
export type Session = Record<string, unknown>;

export type SessionPatch =
  | { kind: typeof SessionPatchKind.Diff; set: Session; del: string[] }
  | { kind: typeof SessionPatchKind.Replace; value: Session }
  | { kind: typeof SessionPatchKind.Merge; value: Session };

export function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Uint8Array);
}

/** Deep merge: objects merge key by key, anything else (arrays included) replaces. */
export function deepMerge(target: Session, source: Session): Session {
  for (const key of Object.keys(source)) {
    if (key === '__proto__') continue;
    const s = source[key];
    const t = target[key];
    if (isPlainObject(s) && isPlainObject(t)) deepMerge(t, s);
    else target[key] = s;
  }
  return target;
}

/** Applies a patch to a session, changing it in place when possible; returns the result. */
export function applySessionPatch(session: Session, patch: SessionPatch): Session {
  switch (patch.kind) {
    case SessionPatchKind.Diff:
      for (const k of patch.del) delete session[k];
      for (const k of Object.keys(patch.set)) if (k !== '__proto__') session[k] = patch.set[k];
      return session;
    case SessionPatchKind.Replace:
      return structuredClone(patch.value);
    case SessionPatchKind.Merge:
      return deepMerge(session, structuredClone(patch.value));
  }
}

/** A snapshot of each top-level key's JSON, taken before a handler runs. */
export type SessionSnapshot = Map<string, string>;

export function snapshotSession(session: Session): SessionSnapshot {
  const snap = new Map<string, string>();
  for (const k of Object.keys(session)) snap.set(k, JSON.stringify(session[k]) ?? 'undefined');
  return snap;
}

/** What a handler changed at the top level, or null when nothing changed. */
export function diffSession(before: SessionSnapshot, after: Session): SessionPatch | null {
  const set: Session = {};
  const del: string[] = [];
  let changed = false;
  for (const k of Object.keys(after)) {
    const v = after[k];
    if (v === undefined) {
      if (before.has(k)) {
        del.push(k);
        changed = true;
      }
      continue;
    }
    const json = JSON.stringify(v);
    if (before.get(k) !== json) {
      set[k] = json === undefined ? null : JSON.parse(json);
      changed = true;
    }
  }
  for (const k of before.keys()) {
    if (!Object.prototype.hasOwnProperty.call(after, k)) {
      del.push(k);
      changed = true;
    }
  }
  return changed ? { kind: SessionPatchKind.Diff, set, del } : null;
}

/** Wire form of a patch's data (the Session command's data bytes). */
export function encodeSessionPatchData(patch: SessionPatch): Buffer {
  return Buffer.from(JSON.stringify(patch.kind === SessionPatchKind.Diff ? { s: patch.set, d: patch.del } : patch.value));
}

export function decodeSessionPatch(kind: number, data: Buffer): SessionPatch {
  const value: unknown = JSON.parse(data.toString('utf8'));
  if (kind === SessionPatchKind.Diff) {
    const v = value as { s?: unknown; d?: unknown };
    if (!isPlainObject(v) || !isPlainObject(v.s) || !Array.isArray(v.d) || !v.d.every((k) => typeof k === 'string')) {
      throw new TypeError('session diff must be {"s": object, "d": string[]}');
    }
    return { kind, set: v.s, del: v.d as string[] };
  }
  if (kind !== SessionPatchKind.Replace && kind !== SessionPatchKind.Merge) throw new TypeError(`unknown session patch kind ${kind}`);
  if (!isPlainObject(value)) throw new TypeError('a session must be a JSON object');
  return { kind, value };
}
