// Gateway events: connect / websocket-connect / message / close, their flags,
// the session and info sections and patchAck (docs/protocol.md "Events", "Sessions").
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CommandOp, EventKind, PayloadKind, SessionPatchKind } from '../../src/protocol/constants.js';
import type { LinkEvent } from '../../src/protocol/event-codec.js';
import { deriveHandshake, type RawHandshake } from '../../src/protocol/websocket-handshake.js';
import { TestGateway, listenerConfig, waitFor } from '../helpers/gateway-test-engine.js';

const json = (b: Buffer | null): unknown => (b === null ? null : JSON.parse(b.toString('utf8')));

function patch(clientId: string, patchId: number, kind: number, value: unknown) {
  return [CommandOp.Session, { c: clientId, p: patchId, k: kind }, Buffer.from(JSON.stringify(value))] as const;
}

test('connect, message and close events carry kind, ids, info and the session', async (t) => {
  const gw = await TestGateway.start({ listeners: [listenerConfig('text')] });
  t.after(() => gw.close());
  const w = await gw.worker();
  const client = await gw.tcpClient('text');

  const connect = await w.nextEvent();
  assert.equal(connect.kind, EventKind.Connect);
  assert.match(connect.clientId, /^[0-9a-f]{24}$/);
  assert.equal(connect.clientId.slice(0, 12), gw.engine.gatewayId);
  assert.equal(connect.sessionVersion, 1);
  assert.equal(connect.patchAck, 0);
  assert.equal(connect.redelivery, false);
  assert.deepEqual(json(connect.session), {});
  const info = json(connect.info) as Record<string, unknown>;
  assert.deepEqual(info, {
    remoteAddress: '127.0.0.1',
    remotePort: client.socket.localPort,
    gatewayId: gw.engine.gatewayId,
    gatewayAddress: '127.0.0.1',
    gatewayPort: gw.port('text'),
    listener: 'text',
    protocol: 'text',
  });
  assert.equal(connect.payload.length, 0);

  client.write('hello\nworld\n');
  const m1 = await w.nextEvent();
  const m2 = await w.nextEvent();
  assert.equal(m1.kind, EventKind.Message);
  assert.equal(m1.payloadKind, PayloadKind.Text);
  assert.equal(m1.payload.toString(), 'hello');
  assert.equal(m2.payload.toString(), 'world');
  // The link already has the session and info: neither is sent again.
  assert.equal(m1.session, null);
  assert.equal(m1.info, null);
  assert.ok(m1.seq > connect.seq && m2.seq > m1.seq, 'seqs increase on the link');

  client.destroy();
  const close = await w.nextEvent();
  assert.equal(close.kind, EventKind.Close);
  assert.equal(close.payload.toString(), 'client closed');
  assert.equal(close.clientId, connect.clientId);
});

test('session flag and patchAck follow docs/protocol.md across patches from two links', async (t) => {
  const gw = await TestGateway.start({ listeners: [listenerConfig('text')] });
  t.after(() => gw.close());
  const w1 = await gw.worker({ autoAck: true });
  const client = await gw.tcpClient('text');
  const connect = await w1.nextEvent();
  const id = connect.clientId;

  // Patch 1 from the pinned link, applied on the state it knows: it stays known, no session resent.
  w1.command(...patch(id, 1, SessionPatchKind.Diff, { s: { a: 1 }, d: [] }));
  client.write('m1\n');
  const m1 = await w1.nextEvent();
  assert.equal(m1.session, null);
  assert.equal(m1.sessionVersion, 2);
  assert.equal(m1.patchAck, 1);

  // A patch from another link: the pinned link's copy is stale, so the session is sent.
  const w2 = await gw.worker();
  w2.command(...patch(id, 7, SessionPatchKind.Merge, { b: { c: 2 } }));
  client.write('m2\n');
  const m2 = await w1.nextEvent();
  assert.deepEqual(json(m2.session), { a: 1, b: { c: 2 } });
  assert.equal(m2.sessionVersion, 3);
  assert.equal(m2.patchAck, 1, 'patchAck is per link: w1 last had patch 1 applied');
  assert.equal(m2.info, null);

  // Replace from the pinned link, then a message: no session, patchAck 2.
  w1.command(...patch(id, 2, SessionPatchKind.Replace, { only: true }));
  client.write('m3\n');
  const m3 = await w1.nextEvent();
  assert.equal(m3.session, null);
  assert.equal(m3.sessionVersion, 4);
  assert.equal(m3.patchAck, 2);
  const reply = await w1.query('session', [id]);
  assert.deepEqual(reply.result, { only: true });

  // Diff deleting a key.
  w1.command(...patch(id, 3, SessionPatchKind.Diff, { s: { x: 'y' }, d: ['only'] }));
  assert.deepEqual((await w1.query('session', [id])).result, { x: 'y' });
});

test('an event forwarded before the patch arrived: the next one acks the patch without resending', async (t) => {
  const gw = await TestGateway.start({ listeners: [listenerConfig('text')] });
  t.after(() => gw.close());
  const w = await gw.worker();
  const client = await gw.tcpClient('text');
  const { clientId: id, seq } = await w.nextEvent();
  client.write('a\nb\n');
  const a = await w.nextEvent();
  const b = await w.nextEvent();
  assert.equal(a.sessionVersion, 1);
  assert.equal(b.sessionVersion, 1);
  // The worker handles "a", changes the session; "b" was already on its way.
  w.command(...patch(id, 1, SessionPatchKind.Diff, { s: { nick: 'ann' }, d: [] }));
  w.ack(seq, a.seq, b.seq);
  client.write('c\n');
  const c = await w.nextEvent();
  assert.equal(c.session, null);
  assert.equal(c.sessionVersion, 2);
  assert.equal(c.patchAck, 1);
});

test('session patches still apply between close and the close event, and the close event carries them', async (t) => {
  const gw = await TestGateway.start({ listeners: [listenerConfig('text')] });
  t.after(() => gw.close());
  const w = await gw.worker({ credits: 1 });
  const client = await gw.tcpClient('text');
  const connect = await w.nextEvent();
  client.destroy();
  await waitFor('the client to leave the table', () => (gw.stats().connections === 0 ? true : undefined));
  assert.equal((await w.query('isOnline', [connect.clientId])).result, false);
  // Another worker changes the session while the close event waits for credit.
  const other = await gw.worker({ credits: 0 });
  other.command(...patch(connect.clientId, 1, SessionPatchKind.Diff, { s: { k: 1 }, d: [] }));
  await waitFor('the patch', () => (gw.stats().commands === 1 ? true : undefined));
  w.ack(connect.seq);
  const close = await w.nextEvent();
  assert.equal(close.kind, EventKind.Close);
  assert.deepEqual(json(close.session), { k: 1 });
  assert.equal(close.sessionVersion, 2);
  assert.equal(gw.stats().commandsForGoneClients, 0);
  w.ack(close.seq);
  // Acked: the client is forgotten; a later command for it counts as for a gone client.
  await waitFor('the close ack', () => (gw.stats().eventsUnacked === 0 ? true : undefined));
  other.command(...patch(connect.clientId, 2, SessionPatchKind.Diff, { s: { k: 2 }, d: [] }));
  await waitFor('the gone-client count', () => (gw.stats().commandsForGoneClients === 1 ? true : undefined));
});

test('websocket: connect, then websocket-connect with the handshake, text and binary messages', async (t) => {
  const gw = await TestGateway.start({ listeners: [listenerConfig('websocket')] });
  t.after(() => gw.close());
  const w = await gw.worker({ autoAck: true });
  const client = await gw.wsClient('websocket', '/chat?room=a&room=b&x=1');
  const connect = await w.nextEvent();
  assert.equal(connect.kind, EventKind.Connect);
  assert.equal((json(connect.info) as { protocol: string }).protocol, 'websocket');
  const hs = await w.nextEvent();
  assert.equal(hs.kind, EventKind.WebSocketConnect);
  assert.equal(hs.session, null);
  // Version 3: the head as read (the worker derives the rest, src/protocol/websocket-handshake.ts).
  const raw = json(hs.payload) as RawHandshake;
  assert.deepEqual(Object.keys(raw), ['url', 'rawHeaders', 'remoteAddress', 'remotePort']);
  assert.equal(raw.url, '/chat?room=a&room=b&x=1');
  assert.equal(raw.remoteAddress, '127.0.0.1');
  assert.ok(Number.isInteger(raw.remotePort) && raw.remotePort > 0);
  assert.ok(raw.rawHeaders.includes('Upgrade'), 'header names as sent');
  const handshake = deriveHandshake(raw);
  assert.equal(handshake.path, '/chat');
  assert.deepEqual(handshake.query, { room: ['a', 'b'], x: '1' });
  assert.equal(handshake.headers.upgrade, 'websocket');

  client.ws.send('text message');
  client.ws.send(Buffer.from([1, 2, 3]));
  const text = await w.nextEvent();
  const bin = await w.nextEvent();
  assert.equal(text.payloadKind, PayloadKind.Text);
  assert.equal(text.payload.toString(), 'text message');
  assert.equal(bin.payloadKind, PayloadKind.Binary);
  assert.deepEqual([...bin.payload], [1, 2, 3]);

  client.ws.close();
  const close = await w.nextEvent();
  assert.equal(close.kind, EventKind.Close);
  assert.equal(close.payload.toString(), 'client closed');
});

// A rolling upgrade: a version-2 worker gets the handshake derived, a version-3
// one the raw head; a redelivery to the other kind of link is converted again.
for (const [first, second] of [[2, 3], [3, 2]] as const) {
  test(`websocket-connect to a version-${first} worker, redelivered to a version-${second} one`, async (t) => {
    const gw = await TestGateway.start({ listeners: [listenerConfig('websocket')] });
    t.after(() => gw.close());
    const w1 = await gw.worker({ version: first });
    const headers = { Cookie: 'sid=s%3A42; theme="dark"', 'X-Custom': 'one', 'x-custom-2': 'caf\u00e9' };
    await gw.wsClient('websocket', '/room%20a?u=1&u=2', headers);
    const connect = await w1.nextEvent();
    w1.ack(connect.seq);
    const hs1 = await w1.nextEvent();
    assert.equal(hs1.kind, EventKind.WebSocketConnect);
    const w2 = await gw.worker({ version: second, autoAck: true });
    w1.close();
    const hs2 = await w2.nextEvent();
    assert.equal(hs2.kind, EventKind.WebSocketConnect);
    assert.equal(hs2.redelivery, true);
    const payloads = new Map([[first, json(hs1.payload)], [second, json(hs2.payload)]]);
    const raw = payloads.get(3) as RawHandshake;
    const derived = payloads.get(2) as Record<string, unknown>;
    assert.ok(Array.isArray(raw.rawHeaders));
    assert.equal('rawHeaders' in derived, false);
    // The version-2 payload is what a version-3 worker derives, key order included.
    assert.equal(JSON.stringify(derived), JSON.stringify(deriveHandshake(raw)));
    assert.deepEqual(derived.cookies, { sid: 's:42', theme: 'dark' });
    assert.equal(derived.path, '/room a');
    assert.deepEqual(derived.query, { u: ['1', '2'] });
    // Node's client writes the header as latin1 (one byte E9); both engines read it back as latin1.
    assert.equal((derived.headers as Record<string, string>)['x-custom-2'], 'caf\u00e9');
  });
}

test('json and frame listeners mark their payload kinds', async (t) => {
  const gw = await TestGateway.start({ listeners: [listenerConfig('json'), listenerConfig('frame')] });
  t.after(() => gw.close());
  const w = await gw.worker({ autoAck: true });
  const j = await gw.tcpClient('json');
  await w.nextEvent();
  j.write('{"a":1}\n');
  const jm = await w.nextEvent();
  assert.equal(jm.payloadKind, PayloadKind.Json);
  assert.equal(jm.payload.toString(), '{"a":1}');

  const f = await gw.tcpClient('frame');
  await w.nextEvent();
  const body = Buffer.from([9, 8, 7]);
  const header = Buffer.alloc(4);
  header.writeUInt32BE(body.length, 0);
  f.write(Buffer.concat([header, body]));
  const fm = await w.nextEvent();
  assert.equal(fm.payloadKind, PayloadKind.Binary);
  assert.deepEqual([...fm.payload], [9, 8, 7]);
});

test('close reason of a connection reset by the client: connection error with the code', async (t) => {
  const gw = await TestGateway.start({ listeners: [listenerConfig('text')] });
  t.after(() => gw.close());
  const w = await gw.worker({ autoAck: true });
  const client = await gw.tcpClient('text');
  await w.nextEvent();
  client.socket.resetAndDestroy();
  const close = await w.nextEvent();
  assert.equal(close.kind, EventKind.Close);
  assert.equal(close.payload.toString(), 'connection error: ECONNRESET');
});

test('close reasons: closed by server, destroyed by server', async (t) => {
  const gw = await TestGateway.start({ listeners: [listenerConfig('text')] });
  t.after(() => gw.close());
  const w = await gw.worker({ autoAck: true });
  const a = await gw.tcpClient('text');
  const b = await gw.tcpClient('text');
  const ca = await w.nextEvent();
  const cb = await w.nextEvent();
  const byClient = new Map<string, LinkEvent>();
  w.command(CommandOp.CloseClient, ca.clientId);
  w.command(CommandOp.DestroyClient, cb.clientId);
  await a.waitClosed();
  await b.waitClosed();
  const e1 = await w.nextEvent();
  const e2 = await w.nextEvent();
  byClient.set(e1.clientId, e1).set(e2.clientId, e2);
  assert.equal(byClient.get(ca.clientId)!.payload.toString(), 'closed by server');
  assert.equal(byClient.get(cb.clientId)!.payload.toString(), 'destroyed by server');
});
