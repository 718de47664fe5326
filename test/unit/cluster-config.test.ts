/**
 * The cluster's settings: `redis` (one URL or shard URLs; GATEHOUSE_REDIS),
 * `cluster.*`, `instance` (GATEHOUSE_INSTANCE) and what they change in the
 * defaults (the embedded register, the run directory).
 */
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { ConfigError, loadConfig, resolveConfig } from '../../src/config/index.js';

const base = { events: './events.js', listeners: [{ protocol: 'text', port: 9000 }] };

test('without redis: no Redis, the embedded register runs, the prefix names the app', () => {
  const c = resolveConfig(base, '/srv/app');
  assert.deepEqual(c.cluster, { redis: [], prefix: 'gatehouse:app:', presenceTtl: 10000 });
  assert.equal(c.register.embedded, true);
  assert.equal(c.instance, '');
});

test('one URL or a list of shards; with Redis the embedded register runs only when asked for', () => {
  const one = resolveConfig({ ...base, redis: 'redis://127.0.0.1:6390' }, '/srv/app');
  assert.deepEqual(one.cluster.redis, ['redis://127.0.0.1:6390']);
  assert.equal(one.register.embedded, false);
  const shards = resolveConfig({ ...base, redis: ['redis://a:6379', 'rediss://:pw@b:6380/2'], cluster: { prefix: 'x:', presenceTtl: 3000 }, register: { embedded: true } }, '/srv/app');
  assert.deepEqual(shards.cluster, { redis: ['redis://a:6379', 'rediss://:pw@b:6380/2'], prefix: 'x:', presenceTtl: 3000 });
  assert.equal(shards.register.embedded, true);
});

test('bad cluster settings are refused by name', () => {
  const cases: [object, RegExp][] = [
    [{ ...base, redis: 'localhost:6379' }, /^redis must start with redis:\/\/ or rediss:\/\/ \(got "localhost:6379"\)$/],
    [{ ...base, redis: 'not a url' }, /^redis must be a Redis URL such as "redis:\/\/127\.0\.0\.1:6379" \(got "not a url"\)$/],
    [{ ...base, redis: ['redis://a:1', 'http://b'] }, /^redis\[1\] must start with redis:\/\/ or rediss:\/\//],
    [{ ...base, redis: ['redis://a:1', 'redis://a:1'] }, /^redis lists redis:\/\/a:1 twice/],
    [{ ...base, redis: 'redis://a:1/x' }, /^redis: the path of a Redis URL is a database number/],
    [{ ...base, redis: 6379 }, /^redis must be a Redis URL or a list of them/],
    [{ ...base, cluster: { presenceTtl: 10 } }, /^cluster\.presenceTtl must be an integer between 1000 and 3600000 \(got 10\)$/],
    [{ ...base, cluster: { ttl: 10 } }, /^cluster\.ttl is not a setting/],
    [{ ...base, instance: 'a/b' }, /^instance must be at most 32 letters/],
  ];
  for (const [raw, message] of cases) assert.throws(() => resolveConfig(raw, '/srv/app'), (err: unknown) => err instanceof ConfigError && message.test(err.message), JSON.stringify(raw));
});

test('an instance gets its own run directory; the same app without one keeps its old one', () => {
  const plain = resolveConfig(base, '/srv/chat');
  const a = resolveConfig({ ...base, instance: 'a' }, '/srv/chat');
  const b = resolveConfig({ ...base, instance: 'b' }, '/srv/chat');
  assert.match(a.runDir, /\/chat-a-[0-9a-f]{10}$/);
  assert.match(b.runDir, /\/chat-b-[0-9a-f]{10}$/);
  assert.equal(new Set([plain.runDir, a.runDir, b.runDir]).size, 3);
  assert.equal(a.cluster.prefix, b.cluster.prefix, 'instances of one app share one cluster');
  assert.equal(resolveConfig({ ...base, instance: 'b', runDir: '/run/x' }, '/srv/chat').runDir, '/run/x');
});

test('GATEHOUSE_REDIS takes a URL or a comma-separated list, GATEHOUSE_INSTANCE a name', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'gh-cluster-config-'));
  writeFileSync(join(dir, 'gatehouse.config.json'), JSON.stringify(base));
  const c = await loadConfig(dir, {}, { GATEHOUSE_REDIS: 'redis://127.0.0.1:6390,redis://127.0.0.1:6391', GATEHOUSE_INSTANCE: 'b', GATEHOUSE_CLUSTER_PRESENCE_TTL: '2000' });
  assert.deepEqual(c.cluster.redis, ['redis://127.0.0.1:6390', 'redis://127.0.0.1:6391']);
  assert.equal(c.instance, 'b');
  assert.equal(c.cluster.presenceTtl, 2000);
  await assert.rejects(loadConfig(dir, {}, { GATEHOUSE_REDIS: 'localhost' }), /environment variable GATEHOUSE_REDIS/);
});
