/**
 * Reload and graceful stop on the worker side: drain() sends Drain on every
 * link, keeps handling what was received or still arrives, and resolves once
 * every link answered Drained (or at its deadline); stop({graceful}) finishes
 * what was received before stopping.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { EventKind } from '../../src/protocol/index.js';
import { startHarness } from '../fixtures/worker-config.js';

test('drain: Drain on every link; events received before and during the drain are handled once, in order; resolves after every Drained', { timeout: 30000 }, async () => {
  const h = await startHarness({ gateways: 2, threads: 2 });
  try {
    const [g0, g1] = h.gateways as [typeof h.gateways[0], typeof h.gateways[0]];
    const l0 = await g0.link();
    const l1 = await g1.link();
    const a = g0.newClientId();
    const b = g1.newClientId();
    l0.send(a, EventKind.Message, 'amy');
    l0.send(a, EventKind.Message, '!sleep 150');
    l1.send(b, EventKind.Message, 'bob');
    let resolved = false;
    const draining = h.worker.drain(10000).then(() => (resolved = true));
    await l0.waitFor(() => l0.received.some((r) => r.type === 'drain'), 3000, 'Drain on link 0');
    await l1.waitFor(() => l1.received.some((r) => r.type === 'drain'), 3000, 'Drain on link 1');
    // The gateway still sends events of clients that have events in flight here.
    const late = l0.send(a, EventKind.Message, 'late');
    await l0.waitFor(() => l0.ackedSeqs().includes(late), 3000, 'a late event handled');
    await l1.waitFor(() => l1.textsTo(b).length === 1, 3000, 'bob');
    l0.drained();
    await sleep(50);
    assert.equal(resolved, false, 'not drained while one link has not answered');
    l1.drained();
    await draining;
    assert.deepEqual(l0.textsTo(a), ['welcome amy', 'slept 150', 'amy: late']);
    assert.deepEqual(l1.textsTo(b), ['welcome bob']);
    const acked = l0.ackedSeqs();
    assert.equal(new Set(acked).size, acked.length, 'nothing handled twice');
    assert.equal(h.worker.stats().inFlight, 0);
  } finally {
    await h.close();
  }
});

test('drain ends at its deadline when a gateway never answers Drained', { timeout: 30000 }, async () => {
  const h = await startHarness({ gateways: 1 });
  try {
    const l0 = await h.gateways[0]!.link();
    const t0 = Date.now();
    await h.worker.drain(300);
    const ms = Date.now() - t0;
    assert.ok(ms >= 280 && ms < 2000, `ended after ${ms} ms`);
    assert.ok(l0.received.some((r) => r.type === 'drain'));
  } finally {
    await h.close();
  }
});

test('graceful stop finishes queued events (immediate stop leaves them for redelivery); onWorkerStop runs', { timeout: 30000 }, async () => {
  const h = await startHarness({ threads: 1 });
  try {
    const gw = h.gateways[0]!;
    const link = await gw.link();
    const id = gw.newClientId();
    const running = link.send(id, EventKind.Message, '!sleep 200');
    await sleep(30);
    const queued = link.send(id, EventKind.Message, 'after');
    const stopping = h.worker.stop({ graceful: true, deadlineMs: 5000 });
    await link.waitFor(() => link.received.some((r) => r.type === 'drain'), 3000, 'Drain');
    await link.waitFor(() => link.ackedSeqs().includes(queued), 3000, 'the queued event handled');
    link.drained();
    const t0 = Date.now();
    await stopping;
    assert.ok(Date.now() - t0 < 2500, 'stops soon after Drained');
    assert.ok(link.ackedSeqs().includes(running));
    assert.deepEqual(link.textsTo(id), ['slept 200', 'welcome after']);
  } finally {
    await h.close();
  }
});
