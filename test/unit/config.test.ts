import assert from 'node:assert/strict';
import { mkdtempSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { ConfigError, loadConfig, resolveConfig } from '../../src/config/index.js';
import { prepareRunDir } from '../../src/supervisor/run-dir.js';

const base = { events: './events.js', listeners: [{ protocol: 'text', port: 9000 }] };

test('defaults are filled in and paths resolved against the app directory', () => {
  const c = resolveConfig(base, '/srv/app');
  assert.equal(c.name, 'app');
  assert.equal(c.events, '/srv/app/events.js');
  assert.equal(c.listeners[0]!.name, 'text-9000');
  assert.equal(c.listeners[0]!.host, '0.0.0.0');
  assert.equal(c.listeners[0]!.maxMessageSize, 1024 * 1024);
  assert.deepEqual(c.listeners[0]!.frame, { headerSize: 4, endian: 'big', lengthIncludesHeader: false });
  assert.equal(c.gateway.count, 1);
  assert.equal(c.worker.count, 1);
  assert.ok(c.worker.threads >= 1);
  assert.equal(c.secretKey, null);
  assert.match(c.runDir, /gatehouse-\d+\/app-[0-9a-f]{10}$/);
});

test('each wrong setting is named with what it must be', () => {
  const cases: [unknown, RegExp][] = [
    [{ ...base, listeners: [{ protocol: 'text', port: 70000 }] }, /^listeners\[0\]\.port must be an integer between 0 and 65535 \(got 70000\)$/],
    [{ ...base, listeners: [{ protocol: 'udp', port: 1 }] }, /^listeners\[0\]\.protocol must be one of 'text', 'json', 'frame', 'websocket', 'custom'/],
    [{ ...base, listeners: [{ protocol: 'frame', port: 1, frame: { headerSize: 3 } }] }, /^listeners\[0\]\.frame\.headerSize must be 2 or 4 \(got 3\)$/],
    [{ ...base, listeners: [{ protocol: 'custom', port: 1 }] }, /^listeners\[0\]\.codec must name the codec module/],
    [{ ...base, listeners: [{ protocol: 'text', port: 1, prot: 2 }] }, /^listeners\[0\]\.prot is not a setting/],
    [{ ...base, gateway: { count: 0 } }, /^gateway\.count must be an integer between 1 and 256 \(got 0\)$/],
    [{ ...base, worker: { threads: 1.5 } }, /^worker\.threads must be an integer/],
    [{ ...base, gateway: { linkHost: '0.0.0.0' } }, /requires a secretKey/],
    [{ ...base, gatway: {} }, /^gatway is not a setting/],
    [{ listeners: [] }, /^events must name/],
    [{ ...base, listeners: [{ protocol: 'text', port: 1 }, { protocol: 'json', port: 1 }] }, /both use 0\.0\.0\.0:1/],
    [{ ...base, listeners: [{ protocol: 'text', port: 1, name: 'a' }, { protocol: 'json', port: 2, name: 'a' }] }, /name "a" is used twice/],
  ];
  for (const [raw, message] of cases) {
    assert.throws(() => resolveConfig(raw, '/srv/app'), (err: unknown) => err instanceof ConfigError && message.test(err.message), String(message));
  }
});

test('flags override the environment, which overrides the file', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'gh-config-'));
  writeFileSync(join(dir, 'gatehouse.config.json'), JSON.stringify({ ...base, gateway: { count: 2 }, worker: { count: 3, threads: 4 } }));
  const fileOnly = await loadConfig(dir, {}, {});
  assert.equal(fileOnly.gateway.count, 2);
  assert.equal(fileOnly.worker.threads, 4);
  const env = { GATEHOUSE_GATEWAYS: '5', GATEHOUSE_THREADS: '6' };
  const withEnv = await loadConfig(dir, {}, env);
  assert.equal(withEnv.gateway.count, 5);
  assert.equal(withEnv.worker.threads, 6);
  assert.equal(withEnv.worker.count, 3);
  const withFlags = await loadConfig(dir, { gateways: 7 }, env);
  assert.equal(withFlags.gateway.count, 7);
  assert.equal(withFlags.worker.threads, 6);
  await assert.rejects(loadConfig(dir, {}, { GATEHOUSE_WORKERS: 'many' }), /GATEHOUSE_WORKERS must be a non-negative integer/);
  await assert.rejects(loadConfig(join(dir, 'missing'), {}, {}), /does not exist/);
});

test('the run directory is private to its owner', () => {
  const dir = join(mkdtempSync(join(tmpdir(), 'gh-run-')), 'nested', 'run');
  prepareRunDir(dir);
  assert.equal(statSync(dir).mode & 0o777, 0o700);
});
