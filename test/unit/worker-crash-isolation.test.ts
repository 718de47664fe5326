/**
 * Crash isolation inside a business worker, with the real worker core (links,
 * dispatcher, piscina pool) and a fake gateway: threads that die (process.exit,
 * out of memory) with neighbours in their task, handlers whose promise never
 * settles, and the counters that report them.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { test } from 'node:test';
import { pino } from 'pino';
import { EventKind } from '../../src/protocol/index.js';
import { gatewayLinkPath } from '../../src/protocol/link-address.js';
import { WorkerProcess } from '../../src/worker/worker-process.js';
import { FakeGateway } from '../helpers/fake-gateway.js';
import { testConfig } from '../fixtures/worker-config.js';

type LogLine = Record<string, unknown> & { msg?: string };

/** A worker core with one fake gateway; logs captured at warn and above. */
async function start(o: { threads?: number; processTimeout?: number; threadMemoryMb?: number } = {}) {
  const runDir = mkdtempSync(join(tmpdir(), 'gh-crash-'));
  process.env.GATEHOUSE_TEST_LOG = join(runDir, 'app.log');
  const config = testConfig(runDir, { threads: o.threads ?? 1, worker: o.processTimeout ? { processTimeout: o.processTimeout } : {} });
  const gw = await FakeGateway.start({ path: gatewayLinkPath(runDir, 0) });
  const lines: LogLine[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const l of chunk.toString().split('\n')) if (l) lines.push(JSON.parse(l) as LogLine);
      done();
    },
  });
  const worker = new WorkerProcess({ index: 0, config, logger: pino({ level: 'warn' }, sink), threadLogLevel: 'warn', threadMemoryMb: o.threadMemoryMb });
  await worker.ready;
  const link = await gw.link();
  return {
    gw,
    link,
    worker,
    lines,
    async close() {
      await worker.stop();
      await gw.close();
      rmSync(runDir, { recursive: true, force: true });
    },
  };
}

test('a handler that exits its thread: its neighbours in the task are re-run one at a time and served; the poison is acked as failed, logged, counted', { timeout: 30000 }, async () => {
  const h = await start({ threads: 1 });
  try {
    const { gw, link } = h;
    const poisoned = gw.newClientId();
    const b = gw.newClientId();
    const c = gw.newClientId();
    // One write each, in one turn: the three go into one task on the single thread.
    const poison = link.send(poisoned, EventKind.Message, '!exit');
    const bSeq = link.send(b, EventKind.Message, 'bob');
    const cSeq = link.send(c, EventKind.Message, 'cat');
    await link.waitFor(() => [poison, bSeq, cSeq].every((s) => link.ackedSeqs().includes(s)), 10000, 'all three acked');
    assert.deepEqual(link.textsTo(b), ['welcome bob']);
    assert.deepEqual(link.textsTo(c), ['welcome cat']);
    const log = h.lines.find((l) => typeof l.msg === 'string' && l.msg.startsWith('poison event'));
    assert.ok(log, JSON.stringify(h.lines));
    assert.equal(log.clientId, poisoned);
    assert.equal(log.eventId, `${gw.gatewayId}-${poison}`);
    const s = h.worker.stats();
    assert.equal(s.eventsFailed, 1);
    assert.equal(s.threadsReplaced, 2, 'the first crash, then the poison alone');
    assert.equal(s.eventsHandled, 2);
    assert.equal(s.inFlight, 0);
    // The poisoned client's next events go on.
    link.send(poisoned, EventKind.Message, 'amy');
    await link.waitFor(() => link.textsTo(poisoned).includes('welcome amy'), 5000, 'the client goes on');
  } finally {
    await h.close();
  }
});

test('a handler that runs its thread out of memory (threadMemoryMb) ends only that thread; the client goes on', { timeout: 30000 }, async () => {
  const h = await start({ threads: 1, threadMemoryMb: 24 });
  try {
    const { gw, link } = h;
    const id = gw.newClientId();
    const seq = link.send(id, EventKind.Message, '!oom');
    await link.waitFor(() => link.ackedSeqs().includes(seq), 30000, 'the OOM event acked as failed');
    assert.equal(h.worker.stats().eventsFailed, 1);
    assert.ok(h.worker.stats().threadsReplaced >= 2);
    link.send(id, EventKind.Message, 'amy');
    await link.waitFor(() => link.textsTo(id).includes('welcome amy'), 10000, 'served after the OOM');
  } finally {
    await h.close();
  }
});

test('a handler whose promise never settles is given up after processTimeout: acked as failed, its session changes dropped, the next events go on', { timeout: 30000 }, async () => {
  const h = await start({ threads: 1, processTimeout: 200 });
  try {
    const { gw, link } = h;
    const id = gw.newClientId();
    link.send(id, EventKind.Message, 'amy');
    const hang = link.send(id, EventKind.Message, '!hang');
    const after = link.send(id, EventKind.Message, '!session');
    const t0 = Date.now();
    await link.waitFor(() => link.ackedSeqs().includes(hang), 5000, 'the hung event acked');
    assert.ok(Date.now() - t0 >= 150, 'not before processTimeout');
    await link.waitFor(() => link.ackedSeqs().includes(after), 5000, 'the next event acked');
    assert.deepEqual(link.textsTo(id), ['welcome amy', JSON.stringify({ nick: 'amy' })]);
    const log = h.lines.find((l) => typeof l.msg === 'string' && l.msg.includes('did not settle within processTimeout'));
    assert.equal(log?.clientId, id);
    assert.equal(log?.eventId, `${gw.gatewayId}-${hang}`);
    const s = h.worker.stats();
    assert.equal(s.eventsTimedOut, 1);
    assert.equal(s.eventsFailed, 1);
    assert.equal(s.threadsReplaced, 0, 'an awaiting handler does not block its thread');
  } finally {
    await h.close();
  }
});

test('redelivered events are counted as duplicates in stats()', { timeout: 30000 }, async () => {
  const h = await start();
  try {
    const { gw, link } = h;
    const id = gw.newClientId();
    const seq = link.send(id, EventKind.Message, 'amy', { redelivery: true });
    await link.waitFor(() => link.ackedSeqs().includes(seq), 5000, 'acked');
    assert.equal(h.worker.stats().eventsRedelivered, 1);
    assert.equal(h.worker.stats().eventsHandled, 1);
  } finally {
    await h.close();
  }
});
