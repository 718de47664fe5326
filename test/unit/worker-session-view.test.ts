import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SessionPatchKind, type SessionPatch } from '../../src/protocol/index.js';
import { SessionView } from '../../src/worker/session-view.js';

const diff = (set: Record<string, unknown>, del: string[] = []): SessionPatch => ({ kind: SessionPatchKind.Diff, set, del });

test('session bytes become the snapshot and drop the patches the gateway had applied', () => {
  const v = new SessionView();
  v.receive({}, 1, 0);
  v.add(1, diff({ nick: 'ann' }));
  v.add(2, diff({ room: 'a' }));
  // Another worker changed the session after patch 1 was applied: bytes include patch 1, not 2.
  v.receive({ nick: 'ann', score: 5 }, 3, 1);
  assert.deepEqual(v.snapshot, { nick: 'ann', score: 5 });
  assert.equal(v.snapshotVersion, 3);
  assert.deepEqual(v.pending.map((p) => p.id), [2]);
  assert.deepEqual(v.current(), { nick: 'ann', score: 5, room: 'a' });
});

test('without bytes, acknowledged patches fold into the snapshot in order; the rest stay pending', () => {
  const v = new SessionView();
  v.receive({ n: 0 }, 1, 0);
  v.add(4, diff({ n: 1 }));
  v.add(5, { kind: SessionPatchKind.Merge, value: { deep: { a: 1 } } });
  v.add(6, diff({}, ['n']));
  // An event forwarded before any patch arrived: nothing folds, every change is still visible.
  v.receive(null, 1, 0);
  assert.deepEqual(v.snapshot, { n: 0 });
  assert.deepEqual(v.current(), { deep: { a: 1 } });
  v.receive(null, 3, 5);
  assert.deepEqual(v.snapshot, { n: 1, deep: { a: 1 } });
  assert.equal(v.snapshotVersion, 3);
  assert.deepEqual(v.pending.map((p) => p.id), [6]);
  v.receive(null, 4, 6);
  assert.deepEqual(v.snapshot, { deep: { a: 1 } });
  assert.deepEqual(v.pending, []);
});

test('a replace patch pending over a snapshot shows as the whole session', () => {
  const v = new SessionView();
  v.receive({ a: 1, b: 2 }, 1, 0);
  v.add(1, { kind: SessionPatchKind.Replace, value: { only: true } });
  assert.deepEqual(v.current(), { only: true });
  assert.deepEqual(v.pendingPatches(), [{ kind: SessionPatchKind.Replace, value: { only: true } }]);
  v.receive(null, 2, 1);
  assert.deepEqual(v.snapshot, { only: true });
});

test('current() is a copy: changing it changes neither the snapshot nor a pending patch', () => {
  const v = new SessionView();
  v.receive({ list: [1] }, 1, 0);
  v.add(1, diff({ obj: { x: 1 } }));
  const s = v.current();
  (s.list as number[]).push(2);
  (s.obj as { x: number }).x = 9;
  assert.deepEqual(v.current(), { list: [1], obj: { x: 1 } });
});
