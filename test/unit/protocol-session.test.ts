import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  SessionPatchKind,
  applySessionPatch,
  decodeSessionPatch,
  deepMerge,
  diffSession,
  encodeSessionPatchData,
  snapshotSession,
} from '../../src/protocol/index.js';

test('a handler diff names only the top-level keys it changed', () => {
  const before = { nick: 'ann', rooms: ['a'], n: 1, gone: true };
  const snap = snapshotSession(before);
  const after = { nick: 'ann', rooms: ['a', 'b'], n: 1, added: { x: 1 } };
  const patch = diffSession(snap, after);
  assert.deepEqual(patch, { kind: SessionPatchKind.Diff, set: { rooms: ['a', 'b'], added: { x: 1 } }, del: ['gone'] });
  assert.equal(diffSession(snapshotSession(after), structuredClone(after)), null);
});

test('a diff applied over a concurrent change to other keys keeps both', () => {
  const base = { nick: 'ann' };
  const mine = diffSession(snapshotSession(base), { nick: 'ann', room: 'lobby' })!;
  const theirs = { kind: SessionPatchKind.Merge, value: { score: 10 } } as const;
  let gateway: Record<string, unknown> = { ...base };
  gateway = applySessionPatch(gateway, theirs);
  gateway = applySessionPatch(gateway, decodeSessionPatch(mine.kind, encodeSessionPatchData(mine)));
  assert.deepEqual(gateway, { nick: 'ann', score: 10, room: 'lobby' });
});

test('merge is deep, replace is whole, and __proto__ is never merged', () => {
  const s = { a: { b: 1, c: 2 }, list: [1, 2] };
  assert.deepEqual(deepMerge(structuredClone(s), { a: { c: 3 }, list: [9] }), { a: { b: 1, c: 3 }, list: [9] });
  assert.deepEqual(applySessionPatch({ x: 1 }, { kind: SessionPatchKind.Replace, value: { y: 2 } }), { y: 2 });
  const evil = JSON.parse('{"__proto__": {"polluted": true}}') as Record<string, unknown>;
  deepMerge({}, evil);
  assert.equal(({} as Record<string, unknown>).polluted, undefined);
});

test('malformed patch data is refused', () => {
  assert.throws(() => decodeSessionPatch(SessionPatchKind.Diff, Buffer.from('{"s": 1, "d": []}')), TypeError);
  assert.throws(() => decodeSessionPatch(SessionPatchKind.Replace, Buffer.from('[1]')), /JSON object/);
  assert.throws(() => decodeSessionPatch(7, Buffer.from('{}')), /unknown session patch kind/);
  assert.throws(() => decodeSessionPatch(SessionPatchKind.Merge, Buffer.from('{oops')), SyntaxError);
});
