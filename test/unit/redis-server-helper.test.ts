/**
 * test/helpers/redis-server.ts: a real redis-server on a free port, its data
 * kept across restart() with append-only persistence, nothing left behind by
 * stop() or by a test process that exits without stopping it.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { redisSkipReason, startRedis } from '../helpers/redis-server.js';

const skip = redisSkipReason();

/** Whether pid is a live process; a zombie (exited, its parent not yet reaping) counts as gone. */
function running(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    return !/^\d+ \(.*\) Z /.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

test('a real server on a free port; append-only data survives restart(); stop() leaves no process and no dir', { skip }, async () => {
  const redis = await startRedis({ appendOnly: true });
  try {
    assert.equal(redis.url, `redis://127.0.0.1:${redis.port}`);
    assert.ok(existsSync(redis.dir));
    assert.equal(await redis.cli('SET', 'k', 'v1'), 'OK');
    assert.equal(await redis.cli('GET', 'k'), 'v1');
    assert.equal(await redis.cli('GET', 'missing'), '');
    assert.equal(await redis.cli('RPUSH', 'l', 'a', 'b c', ''), '3');
    assert.equal(await redis.cli('LRANGE', 'l', '0', '-1'), 'a\nb c\n');
    assert.equal(await redis.cli('DBSIZE'), '2');
    assert.deepEqual((await redis.cli('KEYS', '*')).split('\n').sort(), ['k', 'l']);
    assert.match(await redis.cli('INFO', 'persistence'), /^aof_enabled:1\r?$/m);
    assert.equal(await redis.cli('CONFIG', 'GET', 'save'), 'save\n', 'no RDB snapshots');
    await assert.rejects(redis.cli('NOSUCHCOMMAND'), /NOSUCHCOMMAND: ERR unknown command/);

    const { port, pid } = redis;
    await redis.restart({ downMs: 100 });
    assert.notEqual(redis.pid, pid);
    assert.equal(redis.port, port);
    assert.equal(running(pid), false, 'the first process is gone');
    assert.equal(await redis.cli('GET', 'k'), 'v1', 'append-only data survives the restart');
    assert.equal(await redis.cli('LRANGE', 'l', '0', '-1'), 'a\nb c\n');
  } finally {
    const pid = redis.pid;
    await redis.stop();
    assert.throws(() => process.kill(pid, 0), { code: 'ESRCH' }, 'the server process is gone');
    assert.equal(existsSync(redis.dir), false, 'its dir is removed');
    await redis.stop(); // idempotent
  }
  await assert.rejects(redis.restart(), /restart\(\) after stop\(\)/);
});

test('without persistence a restart starts empty', { skip }, async () => {
  const redis = await startRedis();
  try {
    assert.match(await redis.cli('INFO', 'persistence'), /^aof_enabled:0\r?$/m);
    await redis.cli('SET', 'k', 'v');
    await redis.restart();
    assert.equal(await redis.cli('DBSIZE'), '0');
  } finally {
    await redis.stop();
  }
});

test('servers started at once get their own ports', { skip }, async () => {
  const servers = await Promise.all([startRedis(), startRedis(), startRedis()]);
  try {
    assert.equal(new Set(servers.map((s) => s.port)).size, 3);
    await Promise.all(servers.map((s, i) => s.cli('SET', 'who', String(i))));
    assert.deepEqual(await Promise.all(servers.map((s) => s.cli('GET', 'who'))), ['0', '1', '2']);
  } finally {
    await Promise.all(servers.map((s) => s.stop()));
  }
});

test('a test process that exits without stop() leaves no server and no dir behind', { skip }, async () => {
  const helper = new URL('../helpers/redis-server.js', import.meta.url).href;
  const script = `
    const { startRedis } = await import(${JSON.stringify(helper)});
    const redis = await startRedis({ appendOnly: true });
    console.log(JSON.stringify({ pid: redis.pid, dir: redis.dir }));
    throw new Error('a failing test');
  `;
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', timeout: 20_000 });
  assert.notEqual(r.status, 0, 'the child failed as scripted');
  assert.match(r.stderr, /a failing test/);
  const { pid, dir } = JSON.parse(r.stdout.trim()) as { pid: number; dir: string };
  assert.ok(pid > 0);
  // SIGKILLed at the child's exit, then reaped by whoever inherits it.
  for (let i = 0; i < 100 && running(pid); i++) await sleep(20);
  assert.equal(running(pid), false, `redis-server ${pid} is gone`);
  assert.equal(existsSync(dir), false, `${dir} is removed`);
});
