/**
 * Every client transport against the "echo" fixture, and each listener's
 * maxMessageSize (64 bytes here): text (incl. CRLF and UTF-8 split across
 * writes), json (incl. an invalid line answered with an error while the
 * connection stays), frame in its 4 header variants, a custom codec (netstrings)
 * and websocket (text and binary frames, handshake data, static page, /healthz,
 * close code 1009 when over the limit).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { get } from 'node:http';
import {
  closeAllClients,
  delay,
  FrameClient,
  LineClient,
  NetstringClient,
  RawClient,
  WsClient,
  type FrameFormat,
} from '../helpers/clients.js';
import { fixtureApp, startCluster, type Cluster, type ListenerSpec } from '../helpers/cluster.js';
import { ENGINE_UNDER_TEST } from '../helpers/engine-under-test.js';
import { run, writeCliApp } from '../helpers/cli-commands.js';

const LIMIT = 64;
const PAGE = '<!doctype html>\n<html><head><title>gatehouse e2e</title></head><body>static page ✓</body></html>\n';

const FRAME_VARIANTS: { name: string; format: FrameFormat }[] = [
  { name: 'f4be', format: { headerSize: 4, endian: 'big', lengthIncludesHeader: false } }, // the default: no "frame" in the config
  { name: 'f4le', format: { headerSize: 4, endian: 'little', lengthIncludesHeader: true } },
  { name: 'f2be', format: { headerSize: 2, endian: 'big', lengthIncludesHeader: false } },
  { name: 'f2le', format: { headerSize: 2, endian: 'little', lengthIncludesHeader: true } },
];

let cluster: Cluster;

before(async () => {
  const listeners: ListenerSpec[] = [
    { name: 'txt', protocol: 'text', maxMessageSize: LIMIT },
    { name: 'json', protocol: 'json', maxMessageSize: LIMIT },
    ...FRAME_VARIANTS.map((v): ListenerSpec =>
      v.name === 'f4be' ? { name: v.name, protocol: 'frame', maxMessageSize: LIMIT } : { name: v.name, protocol: 'frame', maxMessageSize: LIMIT, frame: v.format },
    ),
    // A custom codec is JavaScript: engine 'native' refuses it (select-engine.ts), 'auto' gives such a gateway the JS engine.
    ...(ENGINE_UNDER_TEST === 'native' ? [] : [{ name: 'cus', protocol: 'custom', maxMessageSize: LIMIT, codec: fixtureApp('netstring-codec') } as const]),
    { name: 'ws', protocol: 'websocket', maxMessageSize: LIMIT, static: { '/': './index.html' } },
  ];
  cluster = await startCluster({
    app: { events: fixtureApp('echo'), listeners, worker: { threads: 1 }, files: { 'index.html': PAGE } },
  });
});

after(async () => {
  closeAllClients();
  await cluster?.stop();
});

function httpGet(port: number, path: string): Promise<{ status: number; type: string; body: string }> {
  return new Promise((resolve, reject) => {
    const req = get({ host: '127.0.0.1', port, path, agent: false, timeout: 5000 }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, type: String(res.headers['content-type'] ?? ''), body }));
    });
    req.on('timeout', () => req.destroy(new Error(`GET ${path}: no answer within 5 s`)));
    req.on('error', reject);
  });
}

describe('text', () => {
  test('lines, CRLF, several lines in one write, a line (and a UTF-8 character) split across writes', async () => {
    const c = await LineClient.connect(cluster.port('txt'), { label: 'text' });
    c.send('hello');
    assert.equal(await c.next(), 'S:hello');
    c.write('crlf\r\n');
    assert.equal(await c.next(), 'S:crlf', '\\r\\n is tolerated');
    c.write('one\ntwo\r\nthree\n');
    assert.deepEqual(await c.collect(3), ['S:one', 'S:two', 'S:three']);
    const text = Buffer.from('héllo wörld ✓');
    const cut = text.indexOf(Buffer.from('✓')) + 1; // inside the 3-byte character
    c.write(text.subarray(0, cut));
    await delay(30);
    c.write(Buffer.concat([text.subarray(cut), Buffer.from('\n')]));
    assert.equal(await c.next(), 'S:héllo wörld ✓');
    c.send('whoami');
    const who = JSON.parse(await c.next()) as Record<string, unknown>;
    assert.equal(who.listener, 'txt');
    assert.equal(who.protocol, 'text');
    await c.close();
  });

  test('a line over maxMessageSize closes the connection; so do too many bytes without a newline', async () => {
    const c = await LineClient.connect(cluster.port('txt'), { label: 'text over limit' });
    c.send('x'.repeat(LIMIT - 8));
    assert.equal(await c.next(), `S:${'x'.repeat(LIMIT - 8)}`, 'a line under the limit passes');
    c.send('y'.repeat(LIMIT * 3));
    await c.waitClosed(3000);
    const d = await LineClient.connect(cluster.port('txt'), { label: 'text unterminated' });
    d.write('z'.repeat(LIMIT * 3));
    await d.waitClosed(3000);
  });
});

describe('json', () => {
  test('values are parsed; an invalid line is answered with an error and the connection stays', async () => {
    const c = await LineClient.connect(cluster.port('json'), { label: 'json' });
    c.send('{"a":1,"b":[true,null,"x"]}');
    assert.deepEqual(await c.nextJson(), { json: { a: 1, b: [true, null, 'x'] }, listener: 'json', protocol: 'json' });
    c.write('"str"\r\n42\n');
    assert.deepEqual((await c.nextJson()).json, 'str');
    assert.deepEqual((await c.nextJson()).json, 42);
    c.send('{bad json');
    const err = await c.nextJson<{ error: string; message: unknown }>();
    assert.equal(err.error, 'invalid json');
    assert.equal(typeof err.message, 'string');
    c.send('{"after":"error"}');
    assert.deepEqual((await c.nextJson()).json, { after: 'error' }, 'the connection stays after an invalid line');
    assert.equal(c.isClosed, false);
    await c.close();
  });

  test('a line over maxMessageSize closes the connection', async () => {
    const c = await LineClient.connect(cluster.port('json'), { label: 'json over limit' });
    c.send(JSON.stringify({ big: 'x'.repeat(LIMIT * 3) }));
    await c.waitClosed(3000);
  });
});

describe('frame', () => {
  for (const v of FRAME_VARIANTS) {
    const what = `${v.format.headerSize}-byte ${v.format.endian}-endian header${v.format.lengthIncludesHeader ? ' counting itself' : ''}`;
    test(`${v.name} (${what}): binary messages both ways, several per write, split across writes`, async () => {
      const c = await FrameClient.connect(cluster.port(v.name), v.format);
      c.sendFrame('one');
      assert.deepEqual(await c.next(), Buffer.from('B:one'));
      c.write(Buffer.concat([c.encode('two'), c.encode('three')]));
      assert.deepEqual(await c.collect(2), [Buffer.from('B:two'), Buffer.from('B:three')]);
      const bytes = Buffer.from(Array.from({ length: 50 }, (_, i) => (i * 53) % 256));
      bytes[3] = 0x0a;
      bytes[4] = 0x00;
      const frame = c.encode(bytes);
      c.write(frame.subarray(0, 1));
      await delay(20);
      c.write(frame.subarray(1, v.format.headerSize + 10));
      await delay(20);
      c.write(frame.subarray(v.format.headerSize + 10));
      assert.deepEqual(await c.next(), Buffer.concat([Buffer.from('B:'), bytes]));
      await c.close();
    });

    test(`${v.name}: a message over maxMessageSize closes the connection`, async () => {
      const c = await FrameClient.connect(cluster.port(v.name), v.format);
      c.sendFrame(Buffer.alloc(LIMIT - 10, 7));
      assert.equal((await c.next()).length, LIMIT - 10 + 2, 'a message under the limit passes');
      c.sendFrame(Buffer.alloc(LIMIT * 3, 1));
      await c.waitClosed(3000);
    });
  }
});

if (ENGINE_UNDER_TEST === 'native') {
  // A codec is JavaScript: with engine 'native' the app does not start, and says why ('auto' would give it the JS engine).
  test('custom codec: engine native refuses the listener with the reason, exit 1', async () => {
    const app = writeCliApp({ extra: { listeners: [{ name: 'cus', protocol: 'custom', host: '127.0.0.1', port: 0, codec: fixtureApp('netstring-codec') }] } });
    try {
      const r = await run(['start', app.dir, '--engine', 'native']);
      assert.equal(r.code, 1, r.stdout + r.stderr);
      assert.match(r.stdout + r.stderr, /engine is 'native' but listener "cus" is protocol 'custom' \(its codec runs in JavaScript\)/);
    } finally {
      app.remove();
    }
  });
} else {
  describe('custom codec (JS engine)', () => {
    test('netstrings decoded by the codec module, several per write and split across writes, answers encoded by it', async () => {
      const c = await NetstringClient.connect(cluster.port('cus'), { label: 'netstring' });
      c.sendNetstring('hello');
      assert.equal(await c.next(), 'S:hello');
      c.write('3:one,5:two 2,');
      assert.deepEqual(await c.collect(2), ['S:one', 'S:two 2']);
      c.write('11:hello');
      await delay(20);
      c.write(' world,');
      assert.equal(await c.next(), 'S:hello world');
      await c.close();
    });

    test('malformed input (codec input() = -1) and a message over maxMessageSize close the connection', async () => {
      const bad = await RawClient.connect(cluster.port('cus'), { label: 'netstring malformed' });
      bad.write('xyz:abc,');
      await bad.waitClosed(3000);
      const big = await NetstringClient.connect(cluster.port('cus'), { label: 'netstring over limit' });
      big.sendNetstring('q'.repeat(LIMIT * 3));
      await big.waitClosed(3000);
    });
  });
}

describe('websocket', () => {
  test('handshake data (path, query, headers, cookies, remote address) reaches onWebSocketConnect', async () => {
    const ws = await WsClient.connect(cluster.port('ws'), '/chat/room?x=1&y=2&y=3', {
      headers: { cookie: 'sid=abc123; theme=dark', 'x-test': 'yes' },
    });
    const first = await ws.nextJson<{ handshake: Record<string, any>; listener: string; protocol: string; clientId: string }>();
    const h = first.handshake;
    assert.equal(first.listener, 'ws');
    assert.equal(first.protocol, 'websocket');
    assert.match(first.clientId, /^[0-9a-f]{24}$/);
    assert.equal(h.url, '/chat/room?x=1&y=2&y=3');
    assert.equal(h.path, '/chat/room');
    assert.deepEqual(h.query, { x: '1', y: ['2', '3'] });
    assert.deepEqual(h.cookies, { sid: 'abc123', theme: 'dark' });
    assert.equal(h.headers['x-test'], 'yes');
    assert.equal(h.headers.cookie, 'sid=abc123; theme=dark');
    assert.equal(h.remoteAddress, '127.0.0.1');
    assert.equal(h.remotePort, ws.localPort);
    await ws.close();
  });

  test('text frames arrive as strings and are answered with text frames; binary as Buffers, answered with binary frames', async () => {
    const ws = await WsClient.connect(cluster.port('ws'), '/');
    await ws.nextJson(); // handshake echo
    ws.send('hi ✓');
    assert.equal(await ws.nextText(), 'S:hi ✓');
    ws.send(Buffer.from([1, 2, 3, 0, 255]));
    assert.deepEqual(await ws.nextBinary(), Buffer.concat([Buffer.from('B:'), Buffer.from([1, 2, 3, 0, 255])]));
    ws.send('whoami');
    const who = JSON.parse(await ws.nextText()) as Record<string, unknown>;
    assert.equal(who.listener, 'ws');
    assert.equal(who.protocol, 'websocket');
    await ws.close();
  });

  test('a message over maxMessageSize closes with code 1009 (text and binary)', async () => {
    const t = await WsClient.connect(cluster.port('ws'), '/');
    await t.nextJson();
    t.send('x'.repeat(LIMIT - 10));
    assert.equal(await t.nextText(), `S:${'x'.repeat(LIMIT - 10)}`, 'a message under the limit passes');
    t.send('x'.repeat(LIMIT * 3));
    assert.equal((await t.waitClosed(3000)).code, 1009);
    const b = await WsClient.connect(cluster.port('ws'), '/');
    await b.nextJson();
    b.send(Buffer.alloc(LIMIT * 3, 9));
    assert.equal((await b.waitClosed(3000)).code, 1009);
  });

  test('plain HTTP GET serves the static page and /healthz', async () => {
    const port = cluster.port('ws');
    const page = await httpGet(port, '/');
    assert.equal(page.status, 200);
    assert.equal(page.body, PAGE);
    assert.match(page.type, /^text\/html/);
    const health = await httpGet(port, '/healthz');
    assert.equal(health.status, 200);
    assert.deepEqual(JSON.parse(health.body), { status: 'ok' });
  });
});
