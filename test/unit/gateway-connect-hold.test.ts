// A broadcast (sendToAll) that reaches the gateway while a client's opening
// events are unacknowledged is held for that client and written right after
// the commands its onConnect produced (docs/worker.md "Connect storms"): no
// client hears a broadcast before the app has seen it, and none misses one.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CommandOp, EventKind } from '../../src/protocol/constants.js';
import type { FakeWorker } from '../helpers/fake-worker.js';
import { TestGateway, listenerConfig, waitFor } from '../helpers/gateway-test-engine.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The worker's commands so far are executed (a query after them is answered), and output had time to arrive. */
async function settle(w: FakeWorker): Promise<void> {
  await w.query('clientCount', []);
  await sleep(20);
}

test('a broadcast to a client whose Connect is unacked waits for its onConnect commands, then arrives', async (t) => {
  const gw = await TestGateway.start({ listeners: [listenerConfig('text')] });
  t.after(() => gw.close());
  const w = await gw.worker();
  const early = await gw.tcpClient('text');
  const earlyConnect = await w.nextEvent();
  w.ack(earlyConnect.seq);
  const late = await gw.tcpClient('text');
  const lateConnect = await w.nextEvent();
  assert.equal(lateConnect.kind, EventKind.Connect);

  w.command(CommandOp.SendToAll, {}, 'news 1');
  assert.deepEqual(await early.waitForLines(1), ['news 1']);
  await settle(w);
  assert.equal(late.received.length, 0, 'held while its Connect is unacked');
  assert.equal(gw.stats().heldForConnect, 1);

  // What its onConnect does, then the ack (the worker acks after the handler's commands).
  w.command(CommandOp.SendToClient, lateConnect.clientId, 'welcome');
  w.command(CommandOp.SendToAll, {}, 'news 2');
  w.ack(lateConnect.seq);
  assert.deepEqual(await late.waitForLines(3), ['welcome', 'news 1', 'news 2']);
  w.command(CommandOp.SendToAll, {}, 'news 3');
  assert.deepEqual(await late.waitForLines(4), ['welcome', 'news 1', 'news 2', 'news 3']);
  assert.deepEqual(await early.waitForLines(3), ['news 1', 'news 2', 'news 3']);
  assert.equal(gw.stats().heldForConnect, 2);
  assert.equal(gw.stats().heldForConnectDrops, 0);
});

test('websocket: held until WebSocketConnect is acked too', async (t) => {
  const gw = await TestGateway.start({ listeners: [listenerConfig('websocket')] });
  t.after(() => gw.close());
  const w = await gw.worker();
  const client = await gw.wsClient('websocket');
  const connect = await w.nextEvent();
  const wsConnect = await w.nextEvent();
  assert.equal(wsConnect.kind, EventKind.WebSocketConnect);
  w.command(CommandOp.SendToAll, {}, 'news');
  w.ack(connect.seq);
  await settle(w);
  assert.equal(client.messages.length, 0, 'still opening: its onWebSocketConnect has not run');
  w.command(CommandOp.SendToClient, wsConnect.clientId, 'welcome');
  w.ack(wsConnect.seq);
  await waitFor('two messages', () => (client.messages.length >= 2 ? true : undefined));
  assert.deepEqual(client.messages.map((m) => m.data.toString()), ['welcome', 'news']);
});

test('held broadcasts are bounded by sendBufferSize per client: the rest is dropped and counted', async (t) => {
  const gw = await TestGateway.start({ listeners: [listenerConfig('text')], gateway: { sendBufferSize: 1024 } });
  t.after(() => gw.close());
  const w = await gw.worker();
  const client = await gw.tcpClient('text');
  const connect = await w.nextEvent();
  const line = (c: string) => c.repeat(400);
  for (const c of ['a', 'b', 'c', 'd']) w.command(CommandOp.SendToAll, {}, line(c));
  await settle(w);
  assert.equal(gw.stats().heldForConnect, 2);
  assert.equal(gw.stats().heldForConnectDrops, 2);
  w.ack(connect.seq);
  assert.deepEqual(await client.waitForLines(2), [line('a'), line('b')]);
  await settle(w);
  assert.equal(client.lines.length, 2);
});

test('a client that leaves while opening takes nothing held with it, and other sends are not held', async (t) => {
  const gw = await TestGateway.start({ listeners: [listenerConfig('text')] });
  t.after(() => gw.close());
  const w = await gw.worker();
  const leaving = await gw.tcpClient('text');
  const leavingConnect = await w.nextEvent();
  const staying = await gw.tcpClient('text');
  const stayingConnect = await w.nextEvent();
  w.command(CommandOp.SendToAll, {}, 'news');
  // Addressed sends name the client: its app knows it, nothing waits.
  w.command(CommandOp.SendToClient, stayingConnect.clientId, 'direct');
  w.command(CommandOp.SendToAll, { c: [stayingConnect.clientId] }, 'only');
  assert.deepEqual(await staying.waitForLines(2), ['direct', 'only']);
  leaving.destroy();
  await waitFor('the close event', () => w.events.find((e) => e.kind === EventKind.Close));
  w.ackAll();
  assert.deepEqual(await staying.waitForLines(3), ['direct', 'only', 'news']);
  await settle(w);
  assert.equal(leaving.received.length, 0);
  assert.equal(gw.stats().heldForConnect, 2);
  void leavingConnect;
});
