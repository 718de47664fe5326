/**
 * The worker derives onWebSocketConnect's handshake from the raw head a
 * version-3 gateway forwards, and takes a version-2 gateway's derived payload
 * as it is (docs/protocol.md "The websocket-connect payload").
 */
import assert from 'node:assert/strict';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, test } from 'node:test';
import { EventKind } from '../../src/protocol/index.js';
import { deriveHandshake, type RawHandshake } from '../../src/protocol/websocket-handshake.js';
import { startHarness, type Harness } from '../fixtures/worker-config.js';
import type { FakeGateway, FakeLink } from '../helpers/fake-gateway.js';

const ECHO_APP = join(dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'apps', 'echo.js');

let h: Harness;
let gw: FakeGateway;
let link: FakeLink;

before(async () => {
  h = await startHarness({ threads: 2, events: ECHO_APP });
  gw = h.gateways[0]!;
  link = await gw.link();
});
after(async () => {
  await h.close();
});

const raw: RawHandshake = {
  url: '/room%20a?u=1&u=2&__proto__=x#frag',
  rawHeaders: ['Host', 'h', 'X-A', '1', 'x-a', '2', 'Cookie', 'sid=s%3A42; theme="dark"', 'cookie', 'b=2', 'Set-Cookie', 's1',
    'User-Agent', 'u1', 'User-Agent', 'u2', 'X-Latin', 'caf\u00e9'],
  remoteAddress: '10.0.0.7',
  remotePort: 50123,
};

async function handshakeSeenByApp(payload: unknown): Promise<unknown> {
  const id = gw.newClientId();
  link.send(id, EventKind.Connect);
  link.send(id, EventKind.WebSocketConnect, JSON.stringify(payload));
  await link.waitFor(() => link.textsTo(id).length >= 1, 5000, 'the echo of the handshake');
  return (JSON.parse(link.textsTo(id)[0]!) as { handshake: unknown }).handshake;
}

test('a raw head (version 3) is derived before onWebSocketConnect sees it', async () => {
  const seen = await handshakeSeenByApp(raw);
  const expected = deriveHandshake(raw);
  assert.deepEqual(seen, expected);
  assert.deepEqual(expected.query, { u: ['1', '2'], ['__proto__']: 'x' });
  assert.deepEqual(expected.cookies, { sid: 's:42', theme: 'dark', b: '2' });
  assert.deepEqual(expected.headers, {
    host: 'h', 'x-a': '1, 2', cookie: 'sid=s%3A42; theme="dark"; b=2', 'set-cookie': ['s1'], 'user-agent': 'u1', 'x-latin': 'caf\u00e9',
  });
  assert.equal(expected.path, '/room a');
});

test('a derived payload (version 2) reaches onWebSocketConnect as it is', async () => {
  const derived = deriveHandshake(raw);
  assert.deepEqual(await handshakeSeenByApp(derived), derived);
});
