// Bad client input: size limits per transport, invalid JSON lines, broken
// framing, custom codecs, and plain HTTP on a websocket listener.
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import { CommandOp, EventKind, PayloadKind } from '../../src/protocol/constants.js';
import { TEST_ENGINE, TestGateway, listenerConfig, waitFor } from '../helpers/gateway-test-engine.js';

const closeReason = async (gw: TestGateway, w: Awaited<ReturnType<TestGateway['worker']>>) =>
  (await waitFor('a close event', () => w.events.find((e) => e.kind === EventKind.Close))).payload.toString();

test('text: a line over maxMessageSize closes the client with the limit in the reason', async (t) => {
  const gw = await TestGateway.start({ listeners: [listenerConfig('text', { maxMessageSize: 10 })] });
  t.after(() => gw.close());
  const w = await gw.worker({ autoAck: true });
  const client = await gw.tcpClient('text');
  client.write('0123456789\n'); // exactly the limit: fine
  client.write('x'.repeat(30));
  await client.waitClosed();
  assert.equal(await closeReason(gw, w), 'message too large (limit 10 bytes)');
  assert.equal(w.events.filter((e) => e.kind === EventKind.Message).length, 1);
  assert.equal(gw.stats().tooLarge, 1);
});

test('frame: a declared length over maxMessageSize closes the client', async (t) => {
  const gw = await TestGateway.start({ listeners: [listenerConfig('frame', { maxMessageSize: 10 })] });
  t.after(() => gw.close());
  const w = await gw.worker({ autoAck: true });
  const client = await gw.tcpClient('frame');
  client.write(Buffer.from([0, 0, 0, 100]));
  await client.waitClosed();
  assert.equal(await closeReason(gw, w), 'message too large (limit 10 bytes)');
  assert.equal(gw.stats().tooLarge, 1);
});

test('websocket: a message over maxMessageSize closes with 1009', async (t) => {
  const gw = await TestGateway.start({ listeners: [listenerConfig('websocket', { maxMessageSize: 10 })] });
  t.after(() => gw.close());
  const w = await gw.worker({ autoAck: true });
  const client = await gw.wsClient('websocket');
  client.ws.send('0123456789');
  client.ws.send('x'.repeat(11));
  assert.equal(await client.waitClosed(), 1009);
  assert.equal(await closeReason(gw, w), 'message too large (limit 10 bytes)');
  assert.equal(w.events.filter((e) => e.kind === EventKind.Message).length, 1);
  assert.equal(gw.stats().tooLarge, 1);
});

test('websocket: invalid UTF-8 in a text frame is a framing error with a reason', async (t) => {
  const gw = await TestGateway.start({ listeners: [listenerConfig('websocket')] });
  t.after(() => gw.close());
  const w = await gw.worker({ autoAck: true });
  const client = await gw.wsClient('websocket');
  // A masked text frame carrying 0xff (never valid UTF-8), written below ws's own checks.
  const frame = Buffer.from([0x81, 0x81, 0, 0, 0, 0, 0xff]);
  (client.ws as unknown as { _socket: { write(b: Buffer): void } })._socket.write(frame);
  assert.equal(await client.waitClosed(), 1007);
  assert.match(await closeReason(gw, w), /^invalid websocket frame: /);
  assert.equal(gw.stats().framingErrors, 1);
});

test('json: an invalid line is answered with an error line and the connection stays', async (t) => {
  const gw = await TestGateway.start({ listeners: [listenerConfig('json')] });
  t.after(() => gw.close());
  const w = await gw.worker({ autoAck: true });
  const client = await gw.tcpClient('json');
  client.write('{oops\n{"ok":true}\n');
  const [line] = await client.waitForLines(1);
  const answer = JSON.parse(line!) as { error: string; message: string };
  assert.equal(answer.error, 'invalid json');
  assert.match(answer.message, /^invalid JSON: /);
  const ev = await waitFor('the valid line', () => w.events.find((e) => e.kind === EventKind.Message));
  assert.equal(ev.payloadKind, PayloadKind.Json);
  assert.equal(ev.payload.toString(), '{"ok":true}');
  assert.equal(client.closed, false);
  assert.equal(gw.stats().invalidJson, 1);
});

test('custom codec: messages framed and encoded by the codec; a malformed frame closes the client', async (t) => {
  const codec = fileURLToPath(new URL('../fixtures/codecs/total-length.js', import.meta.url));
  if (TEST_ENGINE === 'native') {
    // A codec is JavaScript: the native engine refuses the listener, naming why (auto then picks the JS engine).
    await assert.rejects(TestGateway.start({ listeners: [listenerConfig('custom', { codec })] }), /its codec runs in JavaScript, so the JS engine must serve it/);
    return;
  }
  const gw = await TestGateway.start({ listeners: [listenerConfig('custom', { codec })] });
  t.after(() => gw.close());
  const w = await gw.worker({ autoAck: true });
  const client = await gw.tcpClient('custom');
  const id = (await w.nextEvent()).clientId;
  client.write(Buffer.from([0, 0, 0, 7, 0x61, 0x62, 0x63]));
  const msg = await w.nextEvent();
  assert.equal(msg.payloadKind, PayloadKind.Binary);
  assert.equal(msg.payload.toString(), 'abc');
  w.command(CommandOp.SendToClient, id, 'xy');
  await client.waitForBytes(6);
  assert.deepEqual([...client.received], [0, 0, 0, 6, 0x78, 0x79]);
  client.write(Buffer.from([0, 0, 0, 1])); // a total length below the header: input() returns -1
  await client.waitClosed();
  assert.match(await closeReason(gw, w), /malformed/);
  assert.equal(gw.stats().framingErrors, 1);
});

test('websocket listener: plain HTTP gets /healthz and the static routes', async (t) => {
  const page = fileURLToPath(new URL('../fixtures/codecs/line.js', import.meta.url));
  const gw = await TestGateway.start({ listeners: [listenerConfig('websocket', { static: { '/app.js': page } })] });
  t.after(() => gw.close());
  const base = `http://127.0.0.1:${gw.port('websocket')}`;
  const health = await fetch(`${base}/healthz`);
  assert.equal(health.status, 200);
  assert.deepEqual(await health.json(), { status: 'ok' });
  const js = await fetch(`${base}/app.js`);
  assert.equal(js.status, 200);
  assert.match(await js.text(), /input/);
  assert.equal((await fetch(`${base}/nope`)).status, 404);
});
