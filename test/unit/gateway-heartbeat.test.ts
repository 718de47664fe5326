// Heartbeat: GatewayWorker's pingInterval / pingNotResponseLimit / pingData.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { EventKind } from '../../src/protocol/constants.js';
import { TestGateway, listenerConfig, waitFor } from '../helpers/gateway-test-engine.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

test('a client silent for pingInterval × pingNotResponseLimit is closed; a talking one stays', async (t) => {
  const gw = await TestGateway.start({ gateway: { pingInterval: 0.1, pingNotResponseLimit: 2 } });
  t.after(() => gw.close());
  const w = await gw.worker({ autoAck: true });
  const silent = await gw.tcpClient('text');
  const talker = await gw.tcpClient('text');
  const started = Date.now();
  const chatter = setInterval(() => talker.write('hi\n'), 40);
  t.after(() => clearInterval(chatter));
  await silent.waitClosed(2000);
  const elapsed = Date.now() - started;
  assert.ok(elapsed >= 190 && elapsed < 600, `closed after ${elapsed} ms`);
  const close = await waitFor('the close event', () => w.events.find((e) => e.kind === EventKind.Close));
  assert.equal(close.payload.toString(), 'heartbeat timeout');
  await sleep(150);
  assert.equal(talker.closed, false);
  assert.equal(gw.stats().heartbeatCloses, 1);
  assert.equal(silent.received.length, 0, 'no pingData configured: nothing sent');
});

test('pingData goes to clients silent for an interval, encoded per listener; limit 0 never closes', async (t) => {
  const gw = await TestGateway.start({
    listeners: [listenerConfig('text'), listenerConfig('websocket')],
    gateway: { pingInterval: 0.08, pingNotResponseLimit: 0, pingData: '{"type":"ping"}' },
  });
  t.after(() => gw.close());
  const w = await gw.worker({ autoAck: true });
  const silent = await gw.tcpClient('text');
  const talker = await gw.tcpClient('text');
  const ws = await gw.wsClient('websocket');
  const chatter = setInterval(() => talker.write('hi\n'), 20);
  t.after(() => clearInterval(chatter));
  await silent.waitForLines(3, 2000);
  assert.ok(silent.lines.every((l) => l === '{"type":"ping"}'));
  const msgs = await ws.waitForMessages(2, 2000);
  assert.ok(msgs.every((m) => !m.binary && m.data.toString() === '{"type":"ping"}'));
  assert.equal(talker.received.length, 0, 'a client that talks is not pinged');
  assert.equal(silent.closed, false);
  assert.equal(w.closed, false);
});

test('a ping every interval, not every tick', async (t) => {
  const gw = await TestGateway.start({ gateway: { pingInterval: 0.1, pingNotResponseLimit: 0, pingData: 'p' } });
  t.after(() => gw.close());
  const client = await gw.tcpClient('text');
  await sleep(560);
  // Pings at ~100, 200, 300, 400, 500 ms (each up to a tick late).
  assert.ok(client.lines.length >= 4 && client.lines.length <= 5, `${client.lines.length} pings`);
});
