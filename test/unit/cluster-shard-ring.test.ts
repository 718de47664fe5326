import assert from 'node:assert/strict';
import { test } from 'node:test';
import { hashTag, ShardRing } from '../../src/cluster/shard-ring.js';

const ring = (ids: string[]): ShardRing<string> => new ShardRing(ids.map((id) => ({ id, value: id })));
const keys = Array.from({ length: 20000 }, (_, i) => `gatehouse:chat:{uid:${i}}:gateways`);

test('a hash tag is the text of the first non-empty {…}, as Redis Cluster reads it', () => {
  assert.equal(hashTag('a:{gateways}:ids'), 'gateways');
  assert.equal(hashTag('a:{gateways}:gateway:{x}'), 'gateways');
  assert.equal(hashTag('a:{}:b'), 'a:{}:b');
  assert.equal(hashTag('a:{open'), 'a:{open');
  assert.equal(hashTag('plain'), 'plain');
});

test('keys spread evenly, the same in any order of the URL list, and keys with one tag stay together', () => {
  const urls = ['redis://a:6379', 'redis://b:6379', 'redis://c:6379', 'redis://d:6379'];
  const r = ring(urls);
  const shuffled = ring([urls[2]!, urls[0]!, urls[3]!, urls[1]!]);
  const counts = new Map<string, number>();
  for (const k of keys) {
    const s = r.shardOf(k);
    assert.equal(shuffled.shardOf(k), s);
    counts.set(s, (counts.get(s) ?? 0) + 1);
  }
  for (const url of urls) {
    const share = (counts.get(url) ?? 0) / keys.length;
    assert.ok(share > 0.22 && share < 0.28, `${url} holds ${(share * 100).toFixed(1)}% of the keys`);
  }
  assert.equal(r.shardOf('p:{gateways}:ids'), r.shardOf('p:{gateways}:gateway:0123456789ab'));
});

test('adding a shard moves only the keys that go to it (about 1/N), removing one only its own', () => {
  const three = ring(['redis://a:1', 'redis://b:1', 'redis://c:1']);
  const four = ring(['redis://a:1', 'redis://b:1', 'redis://c:1', 'redis://d:1']);
  let moved = 0;
  for (const k of keys) {
    const before = three.shardOf(k);
    const after = four.shardOf(k);
    if (before !== after) {
      moved++;
      assert.equal(after, 'redis://d:1', 'a moved key moves to the new shard only');
    }
  }
  const share = moved / keys.length;
  assert.ok(share > 0.22 && share < 0.28, `${(share * 100).toFixed(1)}% moved`);
  assert.throws(() => ring([]), /at least one shard/);
});
