/**
 * Merges the answers of several gateways to one query (docs/protocol.md,
 * *Queries*): counts are summed, client-id lists concatenated (a client lives on
 * one gateway), uid and group lists unioned (a uid or group spans gateways),
 * records merged key by key. With no answer at all the result is the empty one
 * (no gateway holds anything).
 */

type Lists = Record<string, string[]>;

function asRecord(v: unknown): Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
}
function asList(v: unknown): string[] {
  return Array.isArray(v) ? (v as string[]) : [];
}

function concat(answers: unknown[]): string[] {
  const out: string[] = [];
  for (const a of answers) for (const x of asList(a)) out.push(x);
  return out;
}

function union(answers: unknown[]): string[] {
  const seen = new Set<string>();
  for (const a of answers) for (const x of asList(a)) seen.add(x);
  return [...seen];
}

function listsBy(answers: unknown[], merge: (lists: unknown[]) => string[]): Lists {
  const byKey = new Map<string, unknown[]>();
  for (const a of answers) {
    for (const [k, v] of Object.entries(asRecord(a))) {
      const l = byKey.get(k);
      if (l === undefined) byKey.set(k, [v]);
      else l.push(v);
    }
  }
  const out: Lists = {};
  for (const [k, lists] of byKey) out[k] = merge(lists);
  return out;
}

function sumBy(answers: unknown[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const a of answers) {
    for (const [k, v] of Object.entries(asRecord(a))) out[k] = (out[k] ?? 0) + (typeof v === 'number' ? v : 0);
  }
  return out;
}

function sum(answers: unknown[]): number {
  let n = 0;
  for (const a of answers) if (typeof a === 'number') n += a;
  return n;
}

function firstNonNull(answers: unknown[]): unknown {
  for (const a of answers) if (a !== null && a !== undefined) return a;
  return null;
}

function assignAll(answers: unknown[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const a of answers) Object.assign(out, asRecord(a));
  return out;
}

/** Sums the numeric counters of gateway stats; keeps each gateway's own answer too. */
function stats(answers: unknown[]): Record<string, unknown> {
  const totals: Record<string, number> = {};
  for (const a of answers) {
    for (const [k, v] of Object.entries(asRecord(a))) if (typeof v === 'number') totals[k] = (totals[k] ?? 0) + v;
  }
  return { ...totals, gateways: answers };
}

const MERGERS: Record<string, (answers: unknown[]) => unknown> = {
  isOnline: (a) => a.some((x) => x === true),
  clientIdsByUid: (a) => listsBy(a, concat),
  uidByClientId: firstNonNull,
  clientCount: sum,
  clientIds: concat,
  clientSessions: assignAll,
  uids: union,
  groups: union,
  groupUids: (a) => listsBy(a, union),
  groupClientIds: (a) => listsBy(a, concat),
  groupClientCounts: sumBy,
  session: firstNonNull,
  stats,
};

export function isKnownQuery(op: string): boolean {
  return Object.prototype.hasOwnProperty.call(MERGERS, op);
}

export function mergeQueryAnswers(op: string, answers: unknown[]): unknown {
  const merge = MERGERS[op];
  if (merge === undefined) throw new TypeError(`unknown query op "${op}"`);
  return merge(answers);
}
