// Client output: corking (one write per socket per turn) and the slow-consumer policy.
import assert from 'node:assert/strict';
import { Socket } from 'node:net';
import { test } from 'node:test';
import { CommandOp, EventKind } from '../../src/protocol/constants.js';
import { TEST_ENGINE, TestGateway, listenerConfig, waitFor } from '../helpers/gateway-test-engine.js';

/**
 * Counts the writes Node hands down to the kernel for sockets matching `pick`
 * (net.Socket#_write for one chunk, #_writev for several): without corking,
 * 100 writes in a turn make ~100 of these; with it, one.
 */
function countSocketWrites(pick: (s: Socket) => boolean): { count: number; restore(): void } {
  const proto = Socket.prototype as unknown as Record<'_write' | '_writev', (...args: unknown[]) => unknown>;
  const write = proto._write;
  const writev = proto._writev;
  const counter = {
    count: 0,
    restore() {
      proto._write = write;
      proto._writev = writev;
    },
  };
  proto._write = function (this: Socket, ...args: unknown[]) {
    if (pick(this)) counter.count++;
    return write.apply(this, args);
  };
  proto._writev = function (this: Socket, ...args: unknown[]) {
    if (pick(this)) counter.count++;
    return writev.apply(this, args);
  };
  return counter;
}

test('corking: 100 sends to one client in one command batch leave in one socket write', async (t) => {
  const gw = await TestGateway.start({ listeners: [listenerConfig('text'), listenerConfig('websocket')] });
  t.after(() => gw.close());
  const w = await gw.worker({ autoAck: true });
  const text = await gw.tcpClient('text');
  const ws = await gw.wsClient('websocket');
  await w.eventCount(3);
  const textId = w.events[0]!.clientId;
  const wsId = w.events[1]!.clientId;
  const textPort = text.socket.localPort;
  const wsPort = (ws.ws as unknown as { _socket: Socket })._socket.localPort;
  const writes = countSocketWrites((s) => s.remotePort === textPort || s.remotePort === wsPort);
  t.after(() => writes.restore());
  const before = gw.stats().writes;

  const batch: Buffer[] = [];
  for (let i = 0; i < 100; i++) {
    batch.push(w.commandFrame(CommandOp.SendToClient, textId, `line ${i}`));
    batch.push(w.commandFrame(CommandOp.SendToClient, wsId, `frame ${i}`));
  }
  w.send(Buffer.concat(batch));
  await text.waitForLines(100);
  await ws.waitForMessages(100);
  writes.restore();

  assert.deepEqual(text.lines, Array.from({ length: 100 }, (_, i) => `line ${i}`));
  assert.deepEqual(ws.messages.map((m) => m.data.toString()), Array.from({ length: 100 }, (_, i) => `frame ${i}`));
  // The native engine writes its sockets itself (no Node socket to watch): its writes counter says it.
  if (TEST_ENGINE === 'js') assert.equal(writes.count, 2, 'one write per client socket');
  assert.equal(gw.stats().writes - before, 2, 'the writes counter counts socket flushes');
  assert.equal(gw.stats().messagesOut, 200);
});

test('slow consumer, policy drop: output over sendBufferSize is dropped and counted, per connection too', async (t) => {
  const gw = await TestGateway.start({ gateway: { sendBufferSize: 16 * 1024, slowConsumerPolicy: 'drop' } });
  t.after(() => gw.close());
  const w = await gw.worker({ autoAck: true });
  const client = await gw.tcpClient('text');
  const id = (await w.nextEvent()).clientId;
  const neighbour = await gw.tcpClient('text');
  const neighbourId = (await w.nextEvent()).clientId;
  const line = 'z'.repeat(5 * 1024 - 1);
  // Ten 5 KiB messages in one link read (one callback: what it writes is corked until its end):
  // the first three fit under 16 KiB of pending output. The neighbour's small messages are all
  // written. (Bigger frames would span several reads, and what an earlier read wrote may already
  // be in the kernel's buffer when the next one comes.)
  const frames = Array.from({ length: 10 }, (_, i) => [w.commandFrame(CommandOp.SendToClient, id, line), w.commandFrame(CommandOp.SendToClient, neighbourId, `n${i}`)]);
  w.send(Buffer.concat(frames.flat()));
  await client.waitForLines(3);
  await neighbour.waitForLines(10);
  await waitFor('drops counted', () => (gw.stats().slowConsumerDrops === 7 ? true : undefined));
  const drops = (): Record<string, number> => Object.fromEntries(gw.engine.listConnections().map((r) => [r.clientId, r.slowConsumerDrops]));
  assert.deepEqual(drops(), { [id]: 7, [neighbourId]: 0 });
  // Once its buffer has drained the client gets messages again; its count stays.
  w.command(CommandOp.SendToClient, id, 'small');
  await client.waitForLines(4);
  assert.equal(client.lines[3], 'small');
  assert.equal(gw.stats().connections, 2);
  assert.deepEqual(drops(), { [id]: 7, [neighbourId]: 0 });
});

test('slow consumer, policy close: the client is closed with reason "slow consumer"', async (t) => {
  const gw = await TestGateway.start({ gateway: { sendBufferSize: 64 * 1024, slowConsumerPolicy: 'close' } });
  t.after(() => gw.close());
  const w = await gw.worker({ autoAck: true });
  const client = await gw.tcpClient('text');
  const id = (await w.nextEvent()).clientId;
  const line = 'z'.repeat(20 * 1024 - 1);
  w.send(Buffer.concat(Array.from({ length: 10 }, () => w.commandFrame(CommandOp.SendToClient, id, line))));
  await client.waitClosed();
  const close = await w.nextEvent();
  assert.equal(close.kind, EventKind.Close);
  assert.equal(close.payload.toString(), 'slow consumer');
  assert.equal(gw.stats().slowConsumerCloses, 1);
});

test('a client that stops reading: drops are counted and gateway memory for it stays bounded', async (t) => {
  const limit = 256 * 1024;
  const gw = await TestGateway.start({ gateway: { sendBufferSize: limit, slowConsumerPolicy: 'drop' } });
  t.after(() => gw.close());
  const w = await gw.worker({ autoAck: true });
  const client = await gw.tcpClient('text');
  const id = (await w.nextEvent()).clientId;
  client.socket.pause();
  const line = 'q'.repeat(64 * 1024);
  for (let round = 0; round < 200 && gw.stats().slowConsumerDrops === 0; round++) {
    w.send(Buffer.concat(Array.from({ length: 8 }, () => w.commandFrame(CommandOp.SendToClient, id, line))));
    await w.query('clientCount', []);
  }
  assert.ok(gw.stats().slowConsumerDrops > 0);
  const [row] = gw.engine.listConnections();
  assert.ok(row!.sendQueueBytes <= limit + line.length + 1, `queued ${row!.sendQueueBytes}`);
});
