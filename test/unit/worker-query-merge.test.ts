import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isKnownQuery, mergeQueryAnswers } from '../../src/worker/query-merge.js';

test('counts sum, client-id lists concatenate, uid and group lists union', () => {
  assert.equal(mergeQueryAnswers('clientCount', [3, 4]), 7);
  assert.deepEqual(mergeQueryAnswers('clientIds', [['a'], ['b', 'c']]), ['a', 'b', 'c']);
  assert.deepEqual(mergeQueryAnswers('uids', [['u1', 'u2'], ['u2', 'u3']]), ['u1', 'u2', 'u3']);
  assert.deepEqual(mergeQueryAnswers('groups', [['g'], ['g', 'h']]), ['g', 'h']);
});

test('records merge key by key', () => {
  assert.deepEqual(mergeQueryAnswers('clientIdsByUid', [{ u: ['a'] }, { u: ['b'], v: ['c'] }]), { u: ['a', 'b'], v: ['c'] });
  assert.deepEqual(mergeQueryAnswers('groupUids', [{ g: ['u1'] }, { g: ['u1', 'u2'] }]), { g: ['u1', 'u2'] });
  assert.deepEqual(mergeQueryAnswers('groupClientIds', [{ g: ['a'] }, { g: ['b'] }]), { g: ['a', 'b'] });
  assert.deepEqual(mergeQueryAnswers('groupClientCounts', [{ g: 1 }, { g: 2, h: 1 }]), { g: 3, h: 1 });
  assert.deepEqual(mergeQueryAnswers('clientSessions', [{ a: { n: 1 } }, { b: {} }]), { a: { n: 1 }, b: {} });
});

test('client-addressed answers take the one that knows', () => {
  assert.equal(mergeQueryAnswers('isOnline', [false, true]), true);
  assert.equal(mergeQueryAnswers('uidByClientId', [null, 'u']), 'u');
  assert.deepEqual(mergeQueryAnswers('session', [null, { a: 1 }]), { a: 1 });
});

test('no answer at all is the empty answer', () => {
  assert.equal(mergeQueryAnswers('clientCount', []), 0);
  assert.equal(mergeQueryAnswers('isOnline', []), false);
  assert.equal(mergeQueryAnswers('session', []), null);
  assert.deepEqual(mergeQueryAnswers('groupUids', []), {});
});

test('stats sum numeric counters and keep each gateway', () => {
  const merged = mergeQueryAnswers('stats', [{ gatewayId: 'x', connections: 2 }, { gatewayId: 'y', connections: 3 }]) as Record<string, unknown>;
  assert.equal(merged.connections, 5);
  assert.equal((merged.gateways as unknown[]).length, 2);
});

test('unknown ops are refused', () => {
  assert.equal(isKnownQuery('dropTables'), false);
  assert.throws(() => mergeQueryAnswers('dropTables', []), /unknown query op "dropTables"/);
});
