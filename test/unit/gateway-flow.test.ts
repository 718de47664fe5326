// Flow control between the gateway and its worker links: credits, acks,
// pinning, drain, redelivery when a link dies, output bounds and read pausing.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { EventKind, FrameType } from '../../src/protocol/constants.js';
import type { FakeWorker } from '../helpers/fake-worker.js';
import { TestGateway, listenerConfig, waitFor } from '../helpers/gateway-test-engine.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const payloads = (w: FakeWorker, from = 0) => w.events.slice(from).map((e) => (e.kind === EventKind.Message ? e.payload.toString() : `#${e.kind}`));

test('credits: never more unacked events than granted; acks and Credit frames let the rest through in order', async (t) => {
  const gw = await TestGateway.start();
  t.after(() => gw.close());
  const w = await gw.worker({ credits: 3 });
  const client = await gw.tcpClient('text');
  client.write(Array.from({ length: 9 }, (_, i) => `m${i}\n`).join(''));
  await w.eventCount(3);
  await sleep(50);
  assert.equal(w.events.length, 3, 'no more than the credit');
  assert.equal(gw.stats().eventsUnacked, 3);
  assert.equal(gw.stats().eventsWaiting, 7);
  w.ack(w.events[0]!.seq, w.events[1]!.seq);
  await w.eventCount(5);
  await sleep(30);
  assert.equal(w.events.length, 5);
  w.credit(10);
  await w.eventCount(10);
  assert.deepEqual(payloads(w), ['#1', ...Array.from({ length: 9 }, (_, i) => `m${i}`)]);
  const seqs = w.events.map((e) => e.seq);
  assert.deepEqual(seqs, [...seqs].sort((a, b) => a - b), 'seqs increase on the link');
  w.ackAll();
  await waitFor('all acked', () => (gw.stats().eventsUnacked === 0 ? true : undefined));
  assert.equal(gw.stats().eventsAcked, 10);
});

test('a connect storm takes at most half the window: an open client\'s message goes at once, and every connect follows', async (t) => {
  const gw = await TestGateway.start();
  t.after(() => gw.close());
  const w = await gw.worker({ credits: 8 });
  const open = await gw.tcpClient('text');
  await w.eventCount(1);
  w.ackAll();
  const storm = [];
  for (let i = 0; i < 10; i++) storm.push(await gw.tcpClient('text'));
  await w.eventCount(5);
  await sleep(50);
  assert.deepEqual(payloads(w, 1), ['#1', '#1', '#1', '#1'], 'four connects of ten in flight: half the window of 8');
  assert.equal(gw.stats().eventsWaiting, 6);
  open.write('hi\n');
  const [hi] = await w.eventCount(6);
  assert.deepEqual(payloads(w, 5), ['hi'], 'the open client\'s message did not wait behind the six connects');
  assert.ok(hi);
  // Acks let the waiting connects through, never more than four at a time.
  const acked = new Set<number>([w.events[0]!.seq]);
  const seen = new Set(w.events.filter((e) => e.kind === EventKind.Connect).map((e) => e.clientId));
  while (seen.size < 11) {
    const inFlight = w.events.filter((e) => e.kind === EventKind.Connect && !acked.has(e.seq));
    assert.ok(inFlight.length <= 4, `${inFlight.length} connects in flight`);
    for (const e of inFlight) acked.add(e.seq);
    w.ack(...inFlight.map((e) => e.seq));
    await waitFor('more connects', () => (w.events.filter((e) => e.kind === EventKind.Connect).length > seen.size || seen.size === 11 ? true : undefined));
    for (const e of w.events) if (e.kind === EventKind.Connect) seen.add(e.clientId);
  }
  assert.equal(seen.size, 11, 'every connect reached the worker');
});

test('open clients that fill the window leave a quarter of it to waiting connects', async (t) => {
  const gw = await TestGateway.start();
  t.after(() => gw.close());
  const w = await gw.worker({ credits: 8 });
  const busy = await gw.tcpClient('text');
  await w.eventCount(1);
  w.ackAll();
  busy.write(Array.from({ length: 20 }, (_, i) => `m${i}\n`).join(''));
  await w.eventCount(9);
  await sleep(30);
  assert.equal(w.events.length, 9, 'the window of 8 is full of the busy client\'s lines');
  const late = await gw.tcpClient('text');
  await waitFor('the late connect waiting', () => (gw.stats().eventsWaiting === 13 ? true : undefined));
  // Four acks: the busy client may have six of eight in flight while a connect waits, the connect gets its place.
  w.ack(...w.events.slice(1, 5).map((e) => e.seq));
  await waitFor('the late connect sent', () => (w.events.some((e) => e.kind === EventKind.Connect && e.seq > w.events[8]!.seq) ? true : undefined));
  await sleep(30);
  const after = w.events.slice(9);
  assert.deepEqual(after.map((e) => (e.kind === EventKind.Connect ? 'connect' : e.payload.toString())), ['m8', 'm9', 'connect', 'm10'],
    'two more lines (six in flight), the connect, then the last credit to the busy client again');
  assert.ok(late);
});

test('events wait while no link is open, and go to the first credited link', async (t) => {
  const gw = await TestGateway.start();
  t.after(() => gw.close());
  const client = await gw.tcpClient('text');
  client.write('early\n');
  await waitFor('2 waiting', () => (gw.stats().eventsWaiting === 2 ? true : undefined));
  const uncredited = await gw.worker({ credits: 0 });
  await sleep(30);
  assert.equal(uncredited.events.length, 0, 'a link without credit gets no clients');
  const w = await gw.worker();
  await w.eventCount(2);
  assert.deepEqual(payloads(w), ['#1', 'early']);
});

test('redelivery: a closed link\'s unacked events go to another link, flagged, in order, before the waiting ones', async (t) => {
  const gw = await TestGateway.start();
  t.after(() => gw.close());
  const w1 = await gw.worker({ credits: 3 });
  const client = await gw.tcpClient('text');
  client.write('a\nb\nc\n');
  await w1.eventCount(3); // connect, a, b; c waits for credit
  const [connect, a, b] = w1.events;
  w1.ack(connect!.seq);
  await w1.eventCount(4); // c
  const w2 = await gw.worker({ credits: 100, autoAck: true });
  await sleep(20);
  assert.equal(w2.events.length, 0, 'the client stays pinned to its link');
  w1.close();
  await w2.eventCount(3);
  const [ra, rb, rc] = w2.events;
  assert.deepEqual([ra!.payload.toString(), rb!.payload.toString(), rc!.payload.toString()], ['a', 'b', 'c']);
  assert.deepEqual([ra!.seq, rb!.seq], [a!.seq, b!.seq], 'a redelivered event keeps its seq');
  assert.ok(ra!.redelivery && rb!.redelivery && rc!.redelivery);
  // The new link has never seen the client: session and info come with its first event.
  assert.notEqual(ra!.session, null);
  assert.notEqual(ra!.info, null);
  assert.equal(rb!.info, null);
  client.write('d\n');
  await w2.eventCount(4);
  assert.equal(w2.events[3]!.redelivery, false);
  assert.equal(gw.stats().eventsRedelivered, 3);
});

test('redelivery keeps each client\'s order when a link holding several clients dies', async (t) => {
  const gw = await TestGateway.start();
  t.after(() => gw.close());
  const w1 = await gw.worker({ credits: 100 });
  const c1 = await gw.tcpClient('text');
  const c2 = await gw.tcpClient('text');
  await w1.eventCount(2);
  c1.write('1a\n');
  c2.write('2a\n');
  await w1.eventCount(4);
  c1.write('1b\n');
  c2.write('2b\n');
  await w1.eventCount(6);
  // Waiting with no link, then redelivered to w2.
  w1.close();
  await waitFor('link gone', () => (gw.stats().links === 0 ? true : undefined));
  c1.write('1c\n');
  const w2 = await gw.worker({ credits: 100, autoAck: true });
  await w2.eventCount(7);
  const byClient = new Map<string, string[]>();
  for (const e of w2.events) {
    const list = byClient.get(e.clientId) ?? [];
    list.push(e.kind === EventKind.Message ? e.payload.toString() : `#${e.kind}`);
    byClient.set(e.clientId, list);
  }
  assert.deepEqual([...byClient.values()].sort(), [
    ['#1', '1a', '1b', '1c'],
    ['#1', '2a', '2b'],
  ]);
});

test('an event redelivered once whose second link also dies is given up, counted and logged', async (t) => {
  const gw = await TestGateway.start();
  t.after(() => gw.close());
  const w1 = await gw.worker();
  await gw.tcpClient('text');
  await w1.eventCount(1);
  w1.close();
  const w2 = await gw.worker();
  await w2.eventCount(1);
  assert.equal(w2.events[0]!.redelivery, true);
  w2.close();
  await waitFor('given up', () => (gw.stats().eventsFailed === 1 ? true : undefined));
  assert.ok(gw.logs.some((l) => /giving up an event/.test(l.msg)));
  assert.equal(gw.stats().eventsWaiting, 0);
  const w3 = await gw.worker();
  await sleep(30);
  assert.equal(w3.events.length, 0);
});

test('drain: idle clients move at once, busy ones wait in the gateway until their events are acked, then move; Drained follows', async (t) => {
  const gw = await TestGateway.start();
  t.after(() => gw.close());
  const w1 = await gw.worker();
  const idle = await gw.tcpClient('text');
  const busy = await gw.tcpClient('text');
  await w1.eventCount(2);
  const [idleConnect, busyConnect] = w1.events;
  w1.ack(idleConnect!.seq);
  const w2 = await gw.worker();
  await waitFor('w1 acked', () => (gw.stats().eventsUnacked === 1 ? true : undefined));
  w1.drain();
  idle.write('x\n');
  busy.write('y\n');
  await w2.eventCount(1);
  assert.equal(w2.events[0]!.payload.toString(), 'x');
  assert.notEqual(w2.events[0]!.session, null, 'a moved client brings its session');
  await sleep(30);
  assert.equal(w1.events.length, 2, 'a draining link gets no more events of a client with events in flight');
  assert.equal(w2.events.length, 1, '...and they do not overtake the ones in flight');
  assert.equal(gw.stats().eventsWaiting, 1);
  assert.ok(!w1.frameTypes.includes(FrameType.Drained), 'not drained while a client is pinned with events in flight');
  w1.ack(busyConnect!.seq);
  await w2.eventCount(2);
  assert.equal(w2.events[1]!.payload.toString(), 'y');
  assert.notEqual(w2.events[1]!.session, null);
  assert.notEqual(w2.events[1]!.info, null, 'the new link gets the client info with its first event');
  await waitFor('Drained', () => (w1.frameTypes.includes(FrameType.Drained) ? true : undefined));
  // Each client the draining link gave up was named in a Forget, before the Drained.
  assert.deepEqual(w1.forgotten, [idleConnect!.clientId, busyConnect!.clientId], 'the old link is told to forget each moved client');
  assert.ok(w1.frameTypes.lastIndexOf(FrameType.Forget) < w1.frameTypes.indexOf(FrameType.Drained));
  assert.deepEqual(w2.forgotten, []);
  busy.write('z\n');
  await gw.tcpClient('text');
  await w2.eventCount(4);
  assert.deepEqual(payloads(w2), ['x', 'y', 'z', '#1']);
  assert.equal(w1.events.length, 2);
  assert.equal(w1.frameTypes.filter((f) => f === FrameType.Drained).length, 1, 'Drained is sent once');
});

test('drain with a version-2 worker (rolling upgrade): its moved clients are named in a Forget too', async (t) => {
  const gw = await TestGateway.start();
  t.after(() => gw.close());
  const w1 = await gw.worker({ version: 2 });
  await gw.tcpClient('text');
  await w1.eventCount(1);
  w1.ack(w1.events[0]!.seq);
  const w2 = await gw.worker();
  await waitFor('w1 acked', () => (gw.stats().eventsUnacked === 0 ? true : undefined));
  w1.drain();
  await waitFor('Drained', () => (w1.frameTypes.includes(FrameType.Drained) ? true : undefined));
  assert.deepEqual(w1.forgotten, [w1.events[0]!.clientId]);
  assert.ok(w1.frameTypes.lastIndexOf(FrameType.Forget) < w1.frameTypes.indexOf(FrameType.Drained));
  assert.deepEqual(w2.forgotten, []);
});

test('a client moved away and back to the same link brings its session and info again', async (t) => {
  const gw = await TestGateway.start();
  t.after(() => gw.close());
  const w1 = await gw.worker();
  const c = await gw.tcpClient('text');
  await w1.eventCount(1);
  await gw.tcpClient('text'); // its connect stays unacked: the link cannot say Drained
  await w1.eventCount(2);
  w1.ack(w1.events[0]!.seq);
  c.write('one\n');
  await w1.eventCount(3);
  assert.equal(w1.events[2]!.session, null, 'a pinned link that knows the session gets none');
  w1.ack(w1.events[2]!.seq);
  await waitFor('acked', () => (gw.stats().eventsUnacked === 1 ? true : undefined));
  // The only link drains: the idle client leaves it (Forget), and comes back to it, the one link still working.
  w1.drain();
  c.write('two\n');
  await w1.eventCount(4);
  const again = w1.events[3]!;
  assert.equal(again.payload.toString(), 'two');
  assert.deepEqual(w1.forgotten, [again.clientId]);
  assert.notEqual(again.session, null, 'after a Forget the link gets the session again');
  assert.notEqual(again.info, null, 'and the client info');
});

test('drain under a constant stream: every client converges to the new link, nothing lost, duplicated or reordered', async (t) => {
  const gw = await TestGateway.start();
  t.after(() => gw.close());
  const w1 = await gw.worker({ autoAck: false });
  const clients = await Promise.all(Array.from({ length: 5 }, () => gw.tcpClient('text')));
  let n = 0;
  let streaming = true;
  const stream = (async () => {
    while (streaming) {
      for (const [i, c] of clients.entries()) c.write(`c${i}-${n}\n`);
      n++;
      await sleep(2);
    }
  })();
  // w1 acks in batches, late, as a busy worker does.
  const acker = setInterval(() => w1.ackAll(), 15);
  t.after(() => clearInterval(acker));
  await sleep(60);
  const w2 = await gw.worker({ autoAck: true });
  w1.drain();
  await waitFor('Drained', () => (w1.frameTypes.includes(FrameType.Drained) ? true : undefined), 5000);
  const w1Count = w1.events.length;
  await sleep(50);
  assert.equal(w1.events.length, w1Count, 'nothing reaches a drained link');
  streaming = false;
  await stream;
  const sent = n;
  await waitFor('all delivered', () => (gw.stats().eventsUnacked + gw.stats().eventsWaiting === 0 ? true : undefined), 5000);
  const seen = new Map<string, string[]>();
  for (const e of [...w1.events, ...w2.events]) {
    if (e.kind !== EventKind.Message) continue;
    const text = e.payload.toString();
    const key = text.split('-')[0]!;
    seen.set(key, [...(seen.get(key) ?? []), text]);
  }
  for (let i = 0; i < clients.length; i++) {
    assert.deepEqual(seen.get(`c${i}`), Array.from({ length: sent }, (_, k) => `c${i}-${k}`), `client ${i}: every message once, in order`);
  }
  assert.ok(w2.events.length > 0 && w1Count > 0);
  assert.equal(gw.stats().eventsRedelivered, 0);
});

test('redelivery runs one event at a time; a poison event whose second link dies is given up, its neighbours go on', async (t) => {
  const gw = await TestGateway.start();
  t.after(() => gw.close());
  const w1 = await gw.worker();
  const c1 = await gw.tcpClient('text');
  const c2 = await gw.tcpClient('text');
  c1.write('1a\n1b\n');
  c2.write('2a\n');
  await w1.eventCount(5);
  w1.close();
  const w2 = await gw.worker();
  await w2.eventCount(1);
  await sleep(40);
  assert.equal(w2.events.length, 1, 'a single redelivered event in flight');
  assert.equal(w2.events[0]!.redelivery, true);
  w2.ack(w2.events[0]!.seq);
  await w2.eventCount(2);
  await sleep(20);
  assert.equal(w2.events.length, 2, 'the next one only after the ack');
  // The second redelivered event is the poison: its second worker dies too.
  const poison = w2.events[1]!;
  const w3 = await gw.worker({ autoAck: true });
  w2.close();
  await waitFor('given up', () => (gw.stats().eventsFailed === 1 ? true : undefined));
  const failedLog = gw.logs.find((l) => /giving up an event/.test(l.msg));
  assert.equal(failedLog?.clientId, poison.clientId);
  assert.equal(failedLog?.seq, poison.seq);
  await w3.eventCount(3);
  await waitFor('settled', () => (gw.stats().eventsUnacked + gw.stats().eventsWaiting === 0 ? true : undefined));
  const delivered = [...w2.events.slice(0, 1), ...w3.events].map((e) => `${e.clientId}/${e.seq}`);
  assert.equal(new Set(delivered).size, 4, 'the four others were each redelivered once');
  assert.ok(!delivered.includes(`${poison.clientId}/${poison.seq}`));
  assert.equal(gw.stats().eventsRedelivered, 5);
  // Later events of both clients flow normally again.
  c1.write('1c\n');
  c2.write('2b\n');
  await w3.eventCount(5);
  assert.deepEqual(w3.events.slice(3).map((e) => [e.redelivery, e.payload.toString()]).sort(), [[false, '1c'], [false, '2b']]);
});

test('a link whose output backs up gets no more events until it drains', async (t) => {
  const gw = await TestGateway.start({ tuning: { linkOutputLimit: 1 } });
  t.after(() => gw.close());
  const w = await gw.worker({ credits: 100000, autoAck: true });
  w.pauseReading();
  const client = await gw.tcpClient('text');
  const line = 'x'.repeat(500);
  const count = 3000;
  client.write(`${line}\n`.repeat(count));
  await waitFor('a stall', () => (gw.stats().linkOutputStalls > 0 ? true : undefined));
  await sleep(50);
  assert.ok(gw.stats().eventsWaiting > 0, 'events wait in the gateway, not in the link buffer');
  w.resumeReading();
  await w.eventCount(count + 1, 5000);
  assert.ok(w.events.slice(1).every((e) => e.payload.toString() === line));
});

test('backpressure: reading from clients pauses at maxUnackedEvents and resumes under half', async (t) => {
  const gw = await TestGateway.start({ gateway: { maxUnackedEvents: 10 } });
  t.after(() => gw.close());
  const events: string[] = [];
  gw.engine.onEvent((e) => {
    if (e.type.startsWith('reads-')) events.push(e.type);
  });
  const w = await gw.worker({ credits: 4 });
  const client = await gw.tcpClient('text');
  client.write(Array.from({ length: 12 }, (_, i) => `a${i}\n`).join('')); // 13 held
  await waitFor('paused', () => (gw.stats().readsPaused ? true : undefined));
  assert.equal(gw.stats().readPauses, 1);
  const other = await gw.tcpClient('text'); // accepted while paused, and paused too
  other.write('later\n');
  client.write('b\n');
  await sleep(50);
  assert.equal(gw.stats().messagesIn, 12, 'nothing more is read while paused');
  w.autoAck = true;
  w.ackAll();
  w.credit(100);
  await waitFor('resumed', () => (!gw.stats().readsPaused ? true : undefined));
  await waitFor('all read', () => (gw.stats().messagesIn === 14 ? true : undefined));
  assert.deepEqual(events, ['reads-paused', 'reads-resumed']);
  // Pausing only delayed reading: every message reached the worker, each client's in order.
  await w.eventCount(16);
  const texts = (id: string) => w.events.filter((e) => e.clientId === id && e.kind === EventKind.Message).map((e) => e.payload.toString());
  assert.deepEqual(texts(w.events[0]!.clientId), [...Array.from({ length: 12 }, (_, i) => `a${i}`), 'b']);
  assert.deepEqual(texts(w.events.find((e) => e.clientId !== w.events[0]!.clientId)!.clientId), ['later']);
  assert.equal(gw.stats().slowConsumerDrops + gw.stats().eventsFailed, 0);
});

test('overload: at twice maxUnackedEvents held, new clients are refused and counted, per listener too', async (t) => {
  const gw = await TestGateway.start({
    listeners: [listenerConfig('text'), listenerConfig('websocket'), listenerConfig('json')],
    gateway: { maxUnackedEvents: 2 },
  });
  t.after(() => gw.close());
  const first = await gw.tcpClient('text');
  first.write('a\nb\n');
  await waitFor('paused', () => (gw.stats().readsPaused ? true : undefined));
  await gw.tcpClient('text'); // held: 3 + 1 = 4 = 2 × 2
  await waitFor('4 held', () => (gw.stats().eventsWaiting === 4 ? true : undefined));
  const refused = await gw.tcpClient('text');
  await refused.waitClosed();
  const refusedAgain = await gw.tcpClient('text');
  await refusedAgain.waitClosed();
  const upgrade = await gw.tcpClient('websocket');
  upgrade.write(
    'GET / HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n' +
      'Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n',
  );
  await upgrade.waitClosed();
  assert.match(upgrade.text, /^HTTP\/1.1 503 /);
  assert.equal(gw.stats().connectionsRefused, 3);
  // Which listener turned them away; a listener nobody tried reports its zero.
  assert.deepEqual(gw.stats().listeners, {
    text: { connectionsRefused: 2 },
    websocket: { connectionsRefused: 1 },
    json: { connectionsRefused: 0 },
  });
  assert.equal(gw.stats().connections, 2);
  // A worker takes the events: clients are welcome again.
  const w = await gw.worker({ autoAck: true });
  await waitFor('resumed', () => (!gw.stats().readsPaused ? true : undefined));
  // The stats query reports the same per-listener counts (the native engine writes that JSON itself).
  const answer = await w.query('stats', []);
  assert.equal(answer.ok, true);
  assert.deepEqual((answer.result as { listeners: unknown }).listeners, gw.stats().listeners);
  const later = await gw.tcpClient('text');
  await new Promise((r) => setTimeout(r, 30));
  assert.equal(later.closed, false);
});
