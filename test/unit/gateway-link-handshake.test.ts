// The worker-link handshake and link-level protocol errors (docs/protocol.md
// "Frames", "Handshake"): a bad link is closed with a logged reason, never the process.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { test } from 'node:test';
import { CommandOp, FrameType, PROTOCOL_VERSION } from '../../src/protocol/constants.js';
import { gatewayLinkPath } from '../../src/protocol/link-address.js';
import { FakeWorker } from '../helpers/fake-worker.js';
import { TestGateway, listenerConfig, waitFor } from '../helpers/gateway-test-engine.js';

test('handshake: Hello describes the gateway, Welcome proves the secret and names the link', async (t) => {
  const gw = await TestGateway.start({ secretKey: 's3cret', listeners: [listenerConfig('text', { name: 'chat' })] });
  t.after(() => gw.close());
  assert.equal(gw.addresses.linkPath, gatewayLinkPath(gw.runDir, 0));
  assert.equal(gw.addresses.linkPort, null);
  const w = await gw.worker({ secret: 's3cret' });
  assert.equal(w.hello!.gatewayId, gw.engine.gatewayId);
  assert.equal(w.hello!.pid, process.pid);
  assert.deepEqual(w.hello!.listeners, [{ name: 'chat', protocol: 'text', host: '127.0.0.1', port: gw.port('chat') }]);
  assert.equal(typeof w.welcome!.linkId, 'number');
  assert.equal(w.welcome!.maxFrameSize, 16 * 1024 * 1024);
  await waitFor('the link to count', () => (gw.stats().links === 1 ? true : undefined));
  // The link works: a query is answered.
  assert.equal((await w.query('clientCount', [])).result, 0);
});

test('a wrong secret is refused: Reject "authentication failed", the link closed, the failure logged', async (t) => {
  const gw = await TestGateway.start({ secretKey: 'right' });
  t.after(() => gw.close());
  const w = gw.openWorker({ secret: 'wrong' });
  await w.waitClosed();
  assert.equal(w.rejected, 'authentication failed');
  assert.equal(w.welcome, null);
  assert.ok(gw.logs.some((l) => l.reason === 'authentication failed'), 'the refusal is logged');
  assert.equal(gw.stats().links, 0);
  assert.equal(gw.stats().linkErrors, 1);
  // The gateway still accepts a worker that knows the secret.
  await gw.worker({ secret: 'right' });
});

test('without secretKey the HMAC key is the empty string', async (t) => {
  const gw = await TestGateway.start();
  t.after(() => gw.close());
  await gw.worker({ secret: '' });
  const bad = gw.openWorker({ secret: 'x' });
  await bad.waitClosed();
  assert.equal(bad.rejected, 'authentication failed');
});

test('versions 1, 0 and 4 are refused, naming the version and the ones the gateway speaks', async (t) => {
  const gw = await TestGateway.start();
  t.after(() => gw.close());
  for (const version of [1, 0, PROTOCOL_VERSION + 1]) {
    const w = gw.openWorker({ version });
    await w.waitClosed();
    assert.equal(w.rejected, `auth: protocol version ${version} is not supported (this side speaks 2 and 3)`);
    assert.equal(w.welcome, null);
    assert.ok(gw.logs.some((l) => l.reason === w.rejected), 'the refusal is logged');
  }
  assert.equal(gw.stats().links, 0);
});

test('Hello says 2 (the oldest accepted) and announces 3', async (t) => {
  const gw = await TestGateway.start();
  t.after(() => gw.close());
  const socket = connect({ path: gw.addresses.linkPath });
  t.after(() => socket.destroy());
  let received = Buffer.alloc(0);
  socket.on('data', (c: Buffer) => (received = Buffer.concat([received, c])));
  await waitFor('Hello', () => (received.length >= 4 && received.length >= 4 + received.readUInt32BE(0) ? true : undefined));
  assert.equal(received[4], FrameType.Hello);
  assert.equal(received.readUInt16BE(5), 2);
  const description = JSON.parse(received.toString('utf8', 7 + 32, 4 + received.readUInt32BE(0))) as { protocolVersion: number };
  assert.equal(description.protocolVersion, 3);
});

test('workers of versions 2 and 3 each get a link, logged with its version, and their sends reach clients', async (t) => {
  const gw = await TestGateway.start({ listeners: [listenerConfig('text')] });
  t.after(() => gw.close());
  const v2 = await gw.worker({ version: 2, autoAck: true });
  const v3 = await gw.worker({ version: 3, autoAck: true });
  await waitFor('two links', () => (gw.stats().links === 2 ? true : undefined));
  // Each link's version is logged: which workers still speak 2 during a rolling upgrade.
  const opened = gw.logs.filter((l) => l.msg === 'worker link open').map((l) => l.protocolVersion);
  assert.deepEqual(opened.sort(), [2, 3]);
  const client = await gw.tcpClient('text');
  await waitFor('the connect event', () => (v2.events.length + v3.events.length === 1 ? true : undefined));
  const id = (v2.events[0] ?? v3.events[0])!.clientId;
  v2.command(CommandOp.SendToClient, id, 'from 2');
  await client.waitForLines(1);
  v3.command(CommandOp.SendToClient, id, 'from 3');
  await client.waitForLines(2);
  assert.deepEqual(client.lines, ['from 2', 'from 3']);
});

test('a garbage frame closes only that link, with Reject and a logged reason', async (t) => {
  const gw = await TestGateway.start();
  t.after(() => gw.close());
  const good = await gw.worker();
  const bad = await gw.worker();
  bad.send(Buffer.from([0, 0, 0, 2, 0x7f, 0x00])); // unknown frame type 0x7f
  await bad.waitClosed();
  assert.match(bad.rejected!, /frame type 0x7f/);
  assert.ok(gw.logs.some((l) => typeof l.reason === 'string' && /0x7f/.test(l.reason)));
  assert.equal(good.closed, false);
  assert.equal((await good.query('clientCount', [])).result, 0);
  await waitFor('one link left', () => (gw.stats().links === 1 ? true : undefined));
});

test("a worker's Reject reason is decoded as Buffer#toString does: E2 82 41 is one U+FFFD, then A", async (t) => {
  const gw = await TestGateway.start();
  t.after(() => gw.close());
  const w = await gw.worker();
  w.frame(FrameType.Reject, Buffer.from([0x62, 0x79, 0x65, 0x20, 0xe2, 0x82, 0x41, 0x20, 0xc0, 0x80, 0x20, 0xf0, 0x9f, 0x98]));
  await w.waitClosed();
  const logged = await waitFor('the rejection logged', () => gw.logs.find((l) => l.msg === 'a worker rejected its link'));
  assert.equal(logged.reason, 'bye \uFFFDA \uFFFD\uFFFD \uFFFD');
});

test('other broken frames: zero length, over the size bound, malformed bodies', async (t) => {
  const gw = await TestGateway.start({ tuning: { maxLinkFrameSize: 1024 } });
  t.after(() => gw.close());
  const cases: [string, Buffer, RegExp][] = [
    ['zero length', Buffer.from([0, 0, 0, 0]), /length 0/],
    ['too large', Buffer.from([0, 0, 0x10, 0, FrameType.Command]), /exceeds the limit of 1024/],
    ['short credit', Buffer.from([0, 0, 0, 2, FrameType.Credit, 1]), /credit/],
    ['ack count mismatch', Buffer.from([0, 0, 0, 5, FrameType.Ack, 0, 0, 0, 3]), /ack/],
    ['command with unknown op', Buffer.from([0, 0, 0, 5, FrameType.Command, 99, 0, 0, 0]), /unknown op 99/],
    ['event from a worker', Buffer.from([0, 0, 0, 1, FrameType.Event]), /not allowed/],
  ];
  for (const [name, bytes, reason] of cases) {
    const w = await gw.worker();
    w.send(bytes);
    await w.waitClosed();
    assert.match(w.rejected ?? '', reason, name);
  }
  assert.equal(gw.stats().linkErrors, cases.length);
});

test('before Welcome only handshake frames are accepted', async (t) => {
  const gw = await TestGateway.start();
  t.after(() => gw.close());
  const socket = connect({ path: gw.addresses.linkPath });
  t.after(() => socket.destroy());
  let received = Buffer.alloc(0);
  socket.on('data', (c: Buffer) => (received = Buffer.concat([received, c])));
  await waitFor('Hello', () => (received.length > 0 ? true : undefined));
  socket.write(Buffer.from([0, 0, 0, 5, FrameType.Credit, 0, 0, 0, 9]));
  await new Promise((r) => socket.on('close', r));
  assert.match(received.toString('latin1'), /before the handshake finished/);
});

test('a link that does not finish its handshake in time is closed', async (t) => {
  const gw = await TestGateway.start({ tuning: { handshakeTimeoutMs: 100 } });
  t.after(() => gw.close());
  const socket = connect({ path: gw.addresses.linkPath });
  t.after(() => socket.destroy());
  let received = '';
  socket.on('data', (c: Buffer) => (received += c.toString('latin1')));
  const started = Date.now();
  await new Promise((r) => socket.on('close', r));
  assert.ok(Date.now() - started >= 90);
  assert.match(received, /handshake not finished within 100 ms/);
});

test('Ping is answered with Pong carrying the same bytes', async (t) => {
  const gw = await TestGateway.start();
  t.after(() => gw.close());
  const w = await gw.worker();
  w.frame(FrameType.Ping, Buffer.from('12345678'));
  await waitFor('Pong', () => (w.frameTypes.includes(FrameType.Pong) ? true : undefined));
});

test('TCP links: linkHost needs a secretKey; with one, workers link over TCP', async (t) => {
  const refused = new TestGateway({ gateway: { linkHost: '127.0.0.1', linkPort: 0 } });
  await assert.rejects(refused.engine.start(), /secretKey/);
  await refused.close();

  const gw = await TestGateway.start({ secretKey: 'k', gateway: { linkHost: '127.0.0.1', linkPort: 0 } });
  t.after(() => gw.close());
  assert.equal(typeof gw.addresses.linkPort, 'number');
  const w = await FakeWorker.connect({ host: '127.0.0.1', port: gw.addresses.linkPort! }, { secret: 'k' });
  t.after(() => w.close());
  assert.equal((await w.query('clientIds', [])).ok, true);
});

test('a live link socket of another gateway is not taken over; a stale one is replaced', async (t) => {
  const gw = await TestGateway.start();
  t.after(() => gw.close());
  const second = new TestGateway();
  // Same run directory and index: the first gateway still accepts there.
  (second.config as { runDir: string }).runDir = gw.runDir;
  await assert.rejects(second.engine.start(), /already accepting worker links/);
  await second.close();

  const third = new TestGateway();
  t.after(() => third.close());
  writeFileSync(gatewayLinkPath(third.runDir, 0), 'left over');
  third.addresses = await third.engine.start();
  await third.worker();
});
