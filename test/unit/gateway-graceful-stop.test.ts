// Graceful stop of the gateway engine: stop accepting and reading, let the
// live workers handle what was read, deliver their output, then close the
// clients in batches (WebSocket 1001), all within the deadline.
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { test } from 'node:test';
import { CommandOp, EventKind, GATEWAY_STOPPING } from '../../src/protocol/constants.js';
import type { FakeWorker } from '../helpers/fake-worker.js';
import { TestGateway, TcpClient, listenerConfig, waitFor } from '../helpers/gateway-test-engine.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A slow worker: answers each message "re:<text>" to its client and acks it, `delayMs` after it arrived. */
function slowEcho(w: FakeWorker, delayMs: number): () => void {
  let next = 0;
  const timer = setInterval(() => {
    while (next < w.events.length) {
      const e = w.events[next++]!;
      setTimeout(() => {
        if (e.kind === EventKind.Message) w.command(CommandOp.SendToClient, e.clientId, `re:${e.payload.toString()}`);
        w.ack(e.seq);
      }, delayMs);
    }
  }, 5);
  return () => clearInterval(timer);
}

test('graceful stop: in-flight and waiting events are handled and their output delivered before the clients close', { timeout: 30000 }, async (t) => {
  const gw = await TestGateway.start({ listeners: [listenerConfig('text'), listenerConfig('websocket')] });
  t.after(() => gw.close());
  const w = await gw.worker({ credits: 4 });
  const stopEcho = slowEcho(w, 150);
  t.after(stopEcho);
  const tcp = await gw.tcpClient('text');
  const ws = await gw.wsClient();
  tcp.write(Array.from({ length: 10 }, (_, i) => `m${i}\n`).join(''));
  await waitFor('events read', () => (gw.stats().messagesIn === 10 ? true : undefined));
  assert.ok(gw.stats().eventsWaiting > 0, 'some wait for credit');
  const t0 = Date.now();
  await gw.engine.stop({ graceMs: 5000, timeoutMs: 8000 });
  const ms = Date.now() - t0;
  assert.ok(ms < 8000, `within the deadline (${ms} ms)`);
  await tcp.waitClosed();
  assert.deepEqual(tcp.lines, Array.from({ length: 10 }, (_, i) => `re:m${i}`), 'every reply delivered before the close');
  assert.equal(await ws.waitClosed(), 1001);
  const closes = w.events.filter((e) => e.kind === EventKind.Close).map((e) => e.payload.toString());
  assert.deepEqual(closes, ['gateway stopping', 'gateway stopping'], 'close events reached the worker');
  assert.equal(gw.stats().eventsUnacked + gw.stats().eventsWaiting, 0);
  // The link closed saying why, so the worker can tell a stop from a crash (it logs the stop as info).
  await w.waitClosed();
  assert.equal(w.rejected, GATEWAY_STOPPING, 'the link closed with a Reject naming the stop');
  // Nothing accepted any more.
  await assert.rejects(TcpClient.connect(gw.port('text')));
});

test('graceful stop closes many clients in batches, WebSocket code 1001, within the deadline', { timeout: 30000 }, async (t) => {
  const gw = await TestGateway.start({ listeners: [listenerConfig('text'), listenerConfig('websocket')] });
  t.after(() => gw.close());
  const w = await gw.worker({ autoAck: true, credits: 100000 });
  const tcp = await Promise.all(Array.from({ length: 700 }, () => gw.tcpClient('text')));
  const ws = await Promise.all(Array.from({ length: 20 }, () => gw.wsClient()));
  // 720 connect events and 20 websocket-connect events.
  await waitFor('connects', () => (w.events.length >= 740 && gw.stats().connections === 720 ? true : undefined), 10000);
  const t0 = Date.now();
  await gw.engine.stop({ graceMs: 1000, timeoutMs: 5000 });
  assert.ok(Date.now() - t0 < 5000);
  for (const c of tcp) await c.waitClosed();
  for (const c of ws) assert.equal(await c.waitClosed(), 1001);
  await waitFor('close events', () => (w.events.filter((e) => e.kind === EventKind.Close).length === 720 ? true : undefined));
  assert.equal(gw.stats().connections, 0);
});

test('stop with no worker ends at the deadline, destroys what is left and logs the events nobody handled', { timeout: 30000 }, async (t) => {
  const gw = await TestGateway.start();
  t.after(() => gw.close());
  const client = await gw.tcpClient('text');
  // A peer that never closes its end: only the deadline ends it.
  const stubborn = connect({ host: '127.0.0.1', port: gw.port('text'), allowHalfOpen: true });
  stubborn.on('error', () => {});
  await waitFor('2 connected', () => (gw.stats().connections === 2 ? true : undefined));
  client.write('lost\n');
  await sleep(20);
  const t0 = Date.now();
  await gw.engine.stop({ graceMs: 200, timeoutMs: 1000 });
  const ms = Date.now() - t0;
  assert.ok(ms >= 700 && ms < 2000, `${ms} ms`);
  await client.waitClosed();
  assert.equal(gw.stats().connections, 0);
  const warn = gw.logs.find((l) => /stopping with events no worker acknowledged/.test(l.msg));
  assert.ok(warn, 'logged');
  assert.ok((warn.events as number) >= 3);
  stubborn.destroy();
});
