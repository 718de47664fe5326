/**
 * Threads that die, handlers that run too long, and a graceful stop, with the
 * real worker core and a fake gateway.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { Writable } from 'node:stream';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { pino } from 'pino';
import { EventKind } from '../../src/protocol/index.js';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger } from '../../src/log/logger.js';
import { WorkerProcess } from '../../src/worker/worker-process.js';
import { startHarness, testConfig, WORKER_APP } from '../fixtures/worker-config.js';

function capturingLogger() {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const l of chunk.toString().split('\n')) if (l) lines.push(JSON.parse(l) as Record<string, unknown>);
      done();
    },
  });
  return { logger: pino({ level: 'warn' }, stream), lines };
}

const startLines = (file: string): string[] => readFileSync(file, 'utf8').split('\n').filter((l) => l.startsWith('start'));

test('a thread that dies is replaced (same index, onWorkerStart again); its batch runs once more, then counts as failed', async () => {
  const h = await startHarness({ threads: 1 });
  try {
    const gw = h.gateways[0]!;
    const link = await gw.link();
    const id = gw.newClientId();
    const seq = link.send(id, EventKind.Message, '!exit');
    await link.waitFor(() => link.ackedSeqs().includes(seq), 5000, 'the poison event acked as failed');
    assert.equal(h.worker.stats().eventsFailed, 1);
    assert.equal(h.worker.stats().threadsReplaced, 2);
    // The pool is whole again and serves the same client.
    link.send(id, EventKind.Message, 'amy');
    await link.waitFor(() => link.textsTo(id).includes('welcome amy'), 5000, 'served after the crash');
    assert.deepEqual(startLines(h.logFile), ['start 0 0', 'start 0 0', 'start 0 0']);
  } finally {
    await h.close();
  }
});

test('a handler that blocks its thread past processTimeout is reported, its thread replaced, the event acked as failed; the client goes on', async () => {
  const { logger, lines } = capturingLogger();
  const h = await startHarness({ threads: 1, worker: { processTimeout: 150 }, logger });
  try {
    const gw = h.gateways[0]!;
    const link = await gw.link();
    const id = gw.newClientId();
    const other = gw.newClientId();
    link.send(id, EventKind.Message, 'amy');
    await link.waitFor(() => link.textsTo(id).includes('welcome amy'), 3000, 'nick');
    const seq = link.send(id, EventKind.Message, '!block 60000');
    const next = link.send(id, EventKind.Message, 'after');
    const neighbour = link.send(other, EventKind.Message, 'bob');
    await link.waitFor(() => link.ackedSeqs().includes(seq), 5000, 'the stuck event acked as failed');
    const report = lines.find((l) => typeof l.msg === 'string' && l.msg.startsWith('a handler has blocked its thread longer than processTimeout'));
    assert.ok(report, JSON.stringify(lines));
    assert.equal(report.clientId, id);
    assert.equal(report.eventId, `${gw.gatewayId}-${seq}`);
    await link.waitFor(() => link.ackedSeqs().includes(next) && link.ackedSeqs().includes(neighbour), 5000, 'the next events handled');
    assert.ok(link.textsTo(id).includes('amy: after'), 'the client\'s next event ran with its session');
    assert.ok(link.textsTo(other).includes('welcome bob'));
    assert.ok(!link.textsTo(id).includes('blocked 60000'));
    const s = h.worker.stats();
    assert.equal(s.eventsTimedOut, 1);
    assert.equal(s.eventsFailed, 1);
    assert.equal(s.threadsReplaced, 1);
  } finally {
    await h.close();
  }
});

test('stop: drain, running handlers finish and are acked, queued events stay unacked, onWorkerStop runs in every thread', async () => {
  const h = await startHarness({ threads: 2 });
  const gw = h.gateways[0]!;
  const link = await gw.link();
  const id = gw.newClientId();
  const running = link.send(id, EventKind.Message, '!sleep 300');
  await sleep(50);
  const queued = link.send(id, EventKind.Message, 'after');
  await sleep(20);
  const t0 = performance.now();
  await h.worker.stop();
  const ms = performance.now() - t0;
  assert.ok(ms < 2500, `stopped in ${ms.toFixed(0)} ms`);
  assert.ok(link.received.some((r) => r.type === 'drain'), 'Drain sent');
  assert.ok(link.ackedSeqs().includes(running), 'the running event finished and was acked');
  assert.ok(!link.ackedSeqs().includes(queued), 'the queued event is left for redelivery');
  assert.deepEqual(link.textsTo(id), ['slept 300']);
  const stops = readFileSync(h.logFile, 'utf8').split('\n').filter((l) => l.startsWith('stop')).sort();
  assert.deepEqual(stops, ['stop 0 0', 'stop 0 1']);
  await h.close();
});

test('an events module that cannot start fails the worker with a clear error', async () => {
  const runDir = mkdtempSync(join(tmpdir(), 'gh-bad-'));
  const config = testConfig(runDir, { gateways: 0, threads: 1, events: WORKER_APP.replace('worker-app.js', 'worker-bad-app.js') });
  const worker = new WorkerProcess({ index: 0, config, logger: createLogger('test', {}, 'silent') });
  const keepAlive = setInterval(() => {}, 1000); // no links here, and pool threads do not hold the process
  await assert.rejects(worker.ready, /a pool thread could not start the app .*worker-bad-app\.js.*onMessage must be a function, got number/s);
  await worker.stop();
  clearInterval(keepAlive);
  rmSync(runDir, { recursive: true, force: true });
});
