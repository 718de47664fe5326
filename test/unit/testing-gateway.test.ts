/**
 * `gatehousejs/testing`: an events module's handlers run against an in-memory
 * gateway, with no processes or sockets — here the chat demo's, unchanged —
 * and the test asserts what was sent, to whom, and the sessions after. Also:
 * the Gateway backend's slot on globalThis, shared by two copies of the
 * package of the same backend version, refused with both paths otherwise.
 */
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, test } from 'node:test';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Gateway } from 'gatehousejs';
import { createTestGateway, type TestGateway } from 'gatehousejs/testing';
import chat from '../../examples/chat/events.js';

let gw: TestGateway | null = null;
afterEach(() => {
  gw?.close();
  gw = null;
});

test('the chat demo: welcome, nickname into the session and the uid, a public line to everyone', async () => {
  gw = createTestGateway(chat);
  const ann = await gw.connect();
  assert.deepEqual(ann.take(), ['Welcome! Enter your nickname:']);
  await ann.send('ann');
  assert.deepEqual(ann.take(), ['Hello ann']);
  assert.deepEqual(ann.session, { nick: 'ann' }, 'ctx.session changes are applied after the handler');
  assert.equal(ann.uid, 'ann');

  const bob = await gw.connect();
  await bob.send('bob');
  assert.deepEqual(ann.take(), ['bob joined'], 'sendToAll with exclude: the others only');
  assert.deepEqual(bob.take(), ['Welcome! Enter your nickname:', 'Hello bob']);

  await bob.send('hi all');
  assert.deepEqual(ann.take(), ['bob: hi all']);
  assert.deepEqual(bob.take(), ['bob: hi all']);
  assert.deepEqual(gw.sent.slice(-2).map((d) => d.to), [ann.id, bob.id], 'deliveries in order, with their recipient');
});

test('the chat demo: queries (taken nickname, /who, /count), private lines, rooms, and onClose', async () => {
  gw = createTestGateway(chat);
  const ann = await gw.connect();
  await ann.send('ann');
  const bob = await gw.connect();
  await bob.send('ann');
  assert.deepEqual(bob.take().slice(1), ['nickname taken', 'Enter your nickname:'], 'isUidOnline answered from the uid index');
  assert.deepEqual(bob.session, {});
  await bob.send('bob');
  ann.take();
  bob.take();

  await ann.send('/who');
  assert.deepEqual(ann.take(), ['online: ann, bob']);
  await ann.send('/count');
  assert.deepEqual(ann.take(), ['connections: 2']);

  await ann.send('bob:psst');
  assert.deepEqual(bob.take(), ['ann (private): psst'], 'sendToUid reaches the uid\'s client only');
  assert.deepEqual(ann.take(), ['(to bob): psst']);
  await ann.send('carl:hello?');
  assert.deepEqual(ann.take(), ['carl is not online']);

  await bob.send('/join den');
  assert.deepEqual(bob.groups, ['den']);
  assert.deepEqual(gw.groups, { den: [bob.id] });
  await ann.send('#den:anyone?');
  assert.deepEqual(bob.take(), ['joined den', 'ann@den: anyone?'], 'a group send reaches the members, not the sender outside it');
  assert.deepEqual(ann.take(), []);

  await bob.close();
  assert.equal(bob.online, false);
  assert.equal(bob.closeReason, 'client closed');
  assert.deepEqual(ann.take(), ['bob left'], 'onClose ran with the session it had');
  await assert.rejects(bob.send('still there?'), /test client .* is closed \(client closed\); it cannot send/);
  assert.deepEqual(gw.clientIds, [ann.id]);
});

test('session API, closeCurrentClient (its onClose runs), bytes and handler errors', async () => {
  let closes = 0;
  gw = createTestGateway({
    async onMessage(clientId: string, message: unknown, ctx: { session: Record<string, unknown> }) {
      if (message === 'set') Gateway.setSession(clientId, { a: 1 });
      else if (message === 'merge') {
        Gateway.updateSession(clientId, { b: { c: 2 } });
        ctx.session.d = 3;
      } else if (message === 'read') Gateway.sendToCurrentClient(JSON.stringify(await Gateway.getSession(clientId)));
      else if (message === 'bytes') Gateway.sendToCurrentClient(Buffer.from([1, 2, 3]));
      else if (message === 'json') Gateway.sendToCurrentClient({ ok: true });
      else if (message === 'bye') Gateway.closeCurrentClient('bye!');
      else if (message === 'boom') throw new Error('boom');
    },
    onClose() {
      closes++;
    },
  });
  const c = await gw.connect({ session: { start: true } });
  await c.send('set');
  assert.deepEqual(c.session, { a: 1 }, 'setSession on the current client replaces the session its handler sees');
  await c.send('merge');
  assert.deepEqual(c.session, { a: 1, b: { c: 2 }, d: 3 });
  await c.send('read');
  await c.send('bytes');
  await c.send('json');
  assert.deepEqual(c.take(), ['{"a":1,"b":{"c":2},"d":3}', Buffer.from([1, 2, 3]), '{"ok":true}'], 'text as strings, bytes as Buffers, JSON as its text');
  await assert.rejects(c.send('boom'), /^Error: boom$/, 'a handler error rejects the call that ran it');
  await c.send('bye');
  await gw.idle();
  assert.deepEqual(c.take(), ['bye!']);
  assert.equal(c.closeReason, 'closed by server');
  assert.equal(closes, 1);
});

test('one test gateway at a time; after close() the Gateway API fails again outside a worker', () => {
  gw = createTestGateway(chat);
  assert.throws(() => createTestGateway(chat), /a Gateway API backend is already installed in this thread/);
  gw.close();
  assert.throws(() => Gateway.sendToAll('x'), /the Gateway API works only in a business worker's pool threads/);
  assert.throws(() => createTestGateway({ onMessage: 5 } as never), /onMessage must be a function, got number/);
});

test('two copies of the package share the Gateway backend after a version check, or refuse naming both paths', async () => {
  const dist = fileURLToPath(new URL('../../src/', import.meta.url));
  const dir = mkdtempSync(join(tmpdir(), 'gh-copy-'));
  try {
    // A second copy of the built package, as an app's own node_modules would hold it.
    cpSync(dist, join(dir, 'same', 'src'), { recursive: true });
    cpSync(dist, join(dir, 'other', 'src'), { recursive: true });
    const otherApi = join(dir, 'other', 'src', 'worker', 'gateway-api.js');
    const source = readFileSync(otherApi, 'utf8');
    assert.match(source, /const BACKEND_VERSION = 1;/);
    writeFileSync(otherApi, source.replace('const BACKEND_VERSION = 1;', 'const BACKEND_VERSION = 99;'));

    gw = createTestGateway(chat);
    const same = (await import(pathToFileURL(join(dir, 'same', 'src', 'index.js')).href)) as { Gateway: typeof Gateway };
    assert.notEqual(same.Gateway, Gateway, 'a separate copy');
    const c = await gw.connect({ session: { nick: 'ann' } });
    // The copy's Gateway reaches the test gateway installed through this one.
    same.Gateway.sendToClient(c.id, 'through the other copy');
    assert.deepEqual(c.take().at(-1), 'through the other copy');

    await assert.rejects(
      import(pathToFileURL(join(dir, 'other', 'src', 'index.js')).href),
      (err: Error) => {
        assert.match(err.message, /two copies of gatehousejs are loaded whose Gateway API cannot be shared/);
        assert.ok(err.message.includes(pathToFileURL(otherApi).href), err.message);
        assert.ok(err.message.includes(new URL('../../src/worker/gateway-api.js', import.meta.url).href), `names the first copy too: ${err.message}`);
        assert.ok(err.message.includes('(backend version 1)') && err.message.includes('(backend version 99)'), err.message);
        return true;
      },
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
