/**
 * Third-party WebSocket clients against the real supervisor's websocket
 * listener (run for both engines by scripts/run-tests.js):
 *
 * - the `ws` package's client against an echo app (events module written into
 *   the app dir): text and binary messages of every length class, fragmented
 *   messages (a UTF-8 character split across fragments, a ping between
 *   fragments), ping/pong, the close handshake both ways with its codes, the
 *   protocol violations (1002, 1007, 1009) and the gateway's stop (1001);
 * - headless Chromium loading the chat demo's page from the listener's static
 *   route, logging in and chatting with a `ws` peer; what the page shows is
 *   asserted line by line.
 *
 * Echo app: on WebSocket connect `ready <clientId>`; a text message → text
 * `S:<length in characters>:<message>`; a binary message → binary `B:` ‖ bytes;
 * `observe` → joins "observers"; `close-with-bye` → closeClient(id, 'bye');
 * `destroy` → destroyClient(id); every close → `closed <clientId> <reason>` to
 * the observers.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { WebSocket } from 'ws';
import { Browser, haveChromium, CHROMIUM, type Page } from '../helpers/chromium.js';
import { closeAllClients, WsClient } from '../helpers/clients.js';
import { CHAT_EVENTS, CHAT_PAGE, REPO_ROOT, startCluster, type Cluster } from '../helpers/cluster.js';
import { ENGINE_UNDER_TEST } from '../helpers/engine-under-test.js';
import { requireTools } from '../helpers/native-build.js';

const LIMIT = 256 * 1024;
const INDEX_URL = pathToFileURL(join(REPO_ROOT, 'dist', 'src', 'index.js')).href;

const ECHO_EVENTS = `import { Gateway } from ${JSON.stringify(INDEX_URL)};
export default {
  onWebSocketConnect(clientId) { Gateway.sendToCurrentClient('ready ' + clientId); },
  onMessage(clientId, message) {
    if (typeof message !== 'string') return Gateway.sendToCurrentClient(Buffer.concat([Buffer.from('B:'), message]));
    if (message === 'observe') { Gateway.joinGroup(clientId, 'observers'); return Gateway.sendToCurrentClient('observing'); }
    if (message === 'close-with-bye') return Gateway.closeClient(clientId, 'bye');
    if (message === 'destroy') return Gateway.destroyClient(clientId);
    Gateway.sendToCurrentClient('S:' + message.length + ':' + message);
  },
  onClose(clientId, ctx) { Gateway.sendToGroup('observers', 'closed ' + clientId + ' ' + ctx.reason); },
};
`;

/** A `ws` client that records messages, pongs and the close frame it got. */
class Peer {
  readonly messages: { data: Buffer; isBinary: boolean }[] = [];
  readonly pongs: Buffer[] = [];
  close: { code: number; reason: string } | null = null;
  id = '';
  readonly #waiters: (() => void)[] = [];

  private constructor(readonly ws: WebSocket) {
    ws.on('message', (data: Buffer, isBinary: boolean) => this.#push(() => this.messages.push({ data, isBinary })));
    ws.on('pong', (data: Buffer) => this.#push(() => this.pongs.push(data)));
    ws.on('close', (code: number, reason: Buffer) => this.#push(() => (this.close = { code, reason: reason.toString('utf8') })));
    ws.on('error', () => {
      /* seen as the close code */
    });
  }

  static async connect(port: number): Promise<Peer> {
    const ws = new WebSocket(`ws://127.0.0.1:${port}/`, { perMessageDeflate: false, handshakeTimeout: 5000 });
    const peer = new Peer(ws);
    await new Promise<void>((resolve, reject) => {
      ws.once('open', resolve);
      ws.once('error', reject);
    });
    const ready = (await peer.next()).data.toString('utf8');
    assert.match(ready, /^ready [0-9a-f]{24}$/, 'the onWebSocketConnect greeting');
    peer.id = ready.slice('ready '.length);
    peers.add(peer);
    return peer;
  }

  #push(record: () => void): void {
    record();
    for (const w of this.#waiters.splice(0)) w();
  }

  async #until<T>(get: () => T | undefined, what: string, ms: number): Promise<T> {
    const deadline = Date.now() + ms;
    for (;;) {
      const v = get();
      if (v !== undefined) return v;
      const left = deadline - Date.now();
      if (left <= 0) {
        const got = this.messages.map((m) => (m.isBinary ? `<binary ${m.data.length}>` : JSON.stringify(m.data.toString('utf8').slice(0, 80))));
        throw new Error(`${what} not received within ${ms} ms; messages so far: ${got.join(', ') || 'none'}; close: ${JSON.stringify(this.close)}`);
      }
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.#waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
  }

  #read = 0;
  /** The next message not read yet. */
  next(ms = 5000): Promise<{ data: Buffer; isBinary: boolean }> {
    return this.#until(() => (this.messages.length > this.#read ? this.messages[this.#read++] : undefined), 'a message', ms);
  }

  async nextText(ms = 5000): Promise<string> {
    const m = await this.next(ms);
    assert.equal(m.isBinary, false, `expected a text message, got binary ${m.data.subarray(0, 40).toString('hex')}`);
    return m.data.toString('utf8');
  }

  async nextBinary(ms = 5000): Promise<Buffer> {
    const m = await this.next(ms);
    assert.equal(m.isBinary, true, `expected a binary message, got text ${JSON.stringify(m.data.toString('utf8').slice(0, 80))}`);
    return m.data;
  }

  pong(n: number, ms = 5000): Promise<Buffer> {
    return this.#until(() => this.pongs[n - 1], `pong #${n}`, ms);
  }

  closed(ms = 5000): Promise<{ code: number; reason: string }> {
    return this.#until(() => this.close ?? undefined, 'the close', ms);
  }

  /** Writes bytes under the ws client, for frames its API refuses to send. */
  writeRaw(bytes: Buffer): void {
    (this.ws as unknown as { _socket: { write(b: Buffer): void } })._socket.write(bytes);
  }
}

const peers = new Set<Peer>();

/** A client frame with the mask the protocol requires (RFC 6455 5.2). */
function maskedFrame(firstByte: number, payload: Buffer): Buffer {
  const mask = randomBytes(4);
  const len = payload.length;
  const head = len < 126 ? Buffer.from([firstByte, 0x80 | len]) : Buffer.from([firstByte, 0x80 | 126, len >> 8, len & 0xff]);
  const body = Buffer.from(payload.map((b, i) => b ^ mask[i % 4]!));
  return Buffer.concat([head, mask, body]);
}

describe('the ws package client', () => {
  let cluster: Cluster;
  let observer: Peer;

  before(async () => {
    cluster = await startCluster({
      app: {
        events: './events.mjs',
        listeners: [{ name: 'ws', protocol: 'websocket', maxMessageSize: LIMIT }],
        worker: { threads: 1 },
        files: { 'events.mjs': ECHO_EVENTS },
      },
    });
    observer = await Peer.connect(cluster.port('ws'));
    observer.ws.send('observe');
    assert.equal(await observer.nextText(), 'observing');
  });

  after(async () => {
    for (const p of peers) p.ws.terminate();
    await cluster?.stop();
  });

  /** The observers' `closed <id> <reason>` line about one client. */
  async function closeReason(id: string): Promise<string> {
    for (;;) {
      const line = await observer.nextText();
      const m = /^closed ([0-9a-f]{24}) (.*)$/s.exec(line);
      assert.ok(m, `observer got ${JSON.stringify(line)}`);
      if (m[1] === id) return m[2]!;
    }
  }

  test(`the gateway runs the engine under test (${ENGINE_UNDER_TEST})`, async () => {
    const ready = await cluster.waitForLog((l) => l.msg === 'gateway ready', 'gateway ready');
    assert.equal(ready.engine, ENGINE_UNDER_TEST);
  });

  test('text and binary messages both ways, from 0 bytes to 200 KB (7-, 16- and 64-bit lengths)', async () => {
    const p = await Peer.connect(cluster.port('ws'));
    for (const n of [0, 1, 125, 126, 127, 65535, 65536, 200_000]) {
      const text = 'abcdefghij'.repeat(Math.ceil(n / 10)).slice(0, n);
      p.ws.send(text);
      assert.equal(await p.nextText(), `S:${n}:${text}`, `a text message of ${n} bytes`);
      const bytes = randomBytes(n);
      p.ws.send(bytes);
      assert.deepEqual(await p.nextBinary(), Buffer.concat([Buffer.from('B:'), bytes]), `a binary message of ${n} bytes`);
    }
    const utf8 = 'ab✓€𝄞'.repeat(20_000); // 240 KB of 1- to 4-byte characters
    p.ws.send(utf8);
    assert.equal(await p.nextText(), `S:${utf8.length}:${utf8}`, 'a long text of 1- to 4-byte characters');
    p.ws.close(1000);
    await p.closed();
  });

  test('fragmented messages are reassembled: text with a UTF-8 character split across fragments, binary, a ping between fragments', async () => {
    const p = await Peer.connect(cluster.port('ws'));
    p.ws.send('frag-', { fin: false });
    p.ws.send('ment', { fin: false });
    p.ws.ping(Buffer.from('mid-message'));
    p.ws.send('ed ✓', { fin: true });
    assert.deepEqual(await p.pong(1), Buffer.from('mid-message'), 'the ping between fragments is answered');
    assert.equal(await p.nextText(), 'S:13:frag-mented ✓');

    const e = Buffer.from('é', 'utf8');
    p.ws.send(e.subarray(0, 1), { binary: false, fin: false });
    p.ws.send(e.subarray(1), { binary: false, fin: true });
    assert.equal(await p.nextText(), 'S:1:é', 'a character split across two fragments');

    p.ws.send(Buffer.from([1, 2]), { binary: true, fin: false });
    p.ws.send(Buffer.from([]), { binary: true, fin: false });
    p.ws.send(Buffer.from([3]), { binary: true, fin: true });
    assert.deepEqual(await p.nextBinary(), Buffer.from([0x42, 0x3a, 1, 2, 3]), 'binary fragments, one of them empty');

    const many = randomBytes(100);
    for (let i = 0; i < many.length; i++) p.ws.send(many.subarray(i, i + 1), { binary: true, fin: i === many.length - 1 });
    assert.deepEqual(await p.nextBinary(), Buffer.concat([Buffer.from('B:'), many]), '100 one-byte fragments');
    p.ws.close(1000);
    await p.closed();
  });

  test('ping is answered with a pong carrying its payload; an unsolicited pong changes nothing', async () => {
    const p = await Peer.connect(cluster.port('ws'));
    p.ws.ping();
    assert.equal((await p.pong(1)).length, 0, 'an empty ping');
    p.ws.ping(Buffer.from('are you there? ✓'));
    assert.equal((await p.pong(2)).toString('utf8'), 'are you there? ✓');
    const max = randomBytes(125);
    p.ws.ping(max);
    assert.deepEqual(await p.pong(3), max, 'a ping of 125 bytes, the most a control frame holds');
    p.ws.pong(Buffer.from('unsolicited'));
    p.ws.send('still here');
    assert.equal(await p.nextText(), 'S:10:still here');
    p.ws.close(1000);
    await p.closed();
  });

  test('the close handshake from the client: its code comes back, the app sees "client closed"', async () => {
    for (const [code, reason] of [
      [1000, 'done'],
      [1001, ''],
      [4001, 'custom ✓'],
    ] as const) {
      const p = await Peer.connect(cluster.port('ws'));
      p.ws.close(code, reason);
      assert.equal((await p.closed()).code, code, `close ${code} is echoed`);
      assert.equal(await closeReason(p.id), 'client closed');
    }
    const p = await Peer.connect(cluster.port('ws'));
    p.ws.close();
    assert.equal((await p.closed()).code, 1005, 'a close without a code is answered without one');
    assert.equal(await closeReason(p.id), 'client closed');
  });

  test('closing from the server: closeClient sends its data then close 1000; destroyClient drops the connection', async () => {
    const a = await Peer.connect(cluster.port('ws'));
    a.ws.send('close-with-bye');
    assert.equal(await a.nextText(), 'bye', 'the data of closeClient comes first');
    assert.equal((await a.closed()).code, 1000);
    assert.equal(await closeReason(a.id), 'closed by server');

    const b = await Peer.connect(cluster.port('ws'));
    b.ws.send('destroy');
    assert.equal((await b.closed()).code, 1006, 'no close frame: the socket is destroyed');
    assert.equal(await closeReason(b.id), 'destroyed by server');
  });

  test('protocol violations close with their codes: 1009 too large (also across fragments), 1007 invalid UTF-8, 1002 bad frames', async () => {
    const port = cluster.port('ws');
    const cases: { what: string; code: number; reason: RegExp; act: (p: Peer) => void }[] = [
      { what: 'a text message over maxMessageSize', code: 1009, reason: /^message too large \(limit 262144 bytes\)$/, act: (p) => p.ws.send('x'.repeat(LIMIT + 1)) },
      { what: 'a binary message over maxMessageSize', code: 1009, reason: /^message too large/, act: (p) => p.ws.send(Buffer.alloc(LIMIT + 1)) },
      {
        what: 'fragments under the limit adding up to more',
        code: 1009,
        reason: /^message too large/,
        act: (p) => {
          for (let i = 0; i < 3; i++) p.ws.send(Buffer.alloc(100 * 1024), { binary: true, fin: i === 2 });
        },
      },
      { what: 'invalid UTF-8 in a text message', code: 1007, reason: /^invalid websocket frame: /, act: (p) => p.ws.send(Buffer.from([0x68, 0xff, 0x69]), { binary: false }) },
      {
        what: 'invalid UTF-8 across fragments',
        code: 1007,
        reason: /^invalid websocket frame: /,
        act: (p) => {
          p.ws.send(Buffer.from([0xe2, 0x9c]), { binary: false, fin: false });
          p.ws.send(Buffer.from([0x41]), { binary: false, fin: true });
        },
      },
      { what: 'an unmasked frame', code: 1002, reason: /^invalid websocket frame: /, act: (p) => p.writeRaw(Buffer.from([0x81, 0x02, 0x68, 0x69])) },
      { what: 'a continuation with no message started', code: 1002, reason: /^invalid websocket frame: /, act: (p) => p.writeRaw(maskedFrame(0x80, Buffer.from('hi'))) },
      { what: 'a reserved opcode', code: 1002, reason: /^invalid websocket frame: /, act: (p) => p.writeRaw(maskedFrame(0x83, Buffer.from('hi'))) },
      { what: 'RSV1 without an extension', code: 1002, reason: /^invalid websocket frame: /, act: (p) => p.writeRaw(maskedFrame(0xc1, Buffer.from('hi'))) },
      { what: 'a ping of 126 bytes', code: 1002, reason: /^invalid websocket frame: /, act: (p) => p.writeRaw(maskedFrame(0x89, Buffer.alloc(126))) },
      { what: 'a fragmented ping', code: 1002, reason: /^invalid websocket frame: /, act: (p) => p.writeRaw(maskedFrame(0x09, Buffer.from('x'))) },
    ];
    for (const c of cases) {
      const p = await Peer.connect(port);
      c.act(p);
      assert.equal((await p.closed()).code, c.code, c.what);
      assert.match(await closeReason(p.id), c.reason, `${c.what}: the close event's reason`);
    }
  });

  // Last: it stops this cluster.
  test('the gateway stopping closes its clients with 1001', async () => {
    const p = await Peer.connect(cluster.port('ws'));
    p.ws.send('before the stop');
    assert.equal(await p.nextText(), 'S:15:before the stop');
    const stopping = cluster.stop();
    assert.equal((await p.closed(10_000)).code, 1001);
    await stopping;
  });
});

describe('headless Chromium on the chat page', () => {
  let cluster: Cluster;

  before(async () => {
    cluster = await startCluster({
      app: {
        events: CHAT_EVENTS,
        listeners: [{ name: 'ws', protocol: 'websocket', static: { '/': CHAT_PAGE } }],
        gateway: { count: 1 },
        worker: { count: 1, threads: 1 },
      },
    });
  });

  after(async () => {
    closeAllClients();
    await cluster?.stop();
  });

  test('the page, loaded from the static route, connects, logs in and chats with a ws peer', { timeout: 120_000 }, async (t) => {
    if (!requireTools(t, [{ name: CHROMIUM, present: haveChromium(), apt: 'chromium' }])) return;
    const browser = await Browser.launch();
    try {
      const page = await browser.open(`http://127.0.0.1:${cluster.port('ws')}/`);
      await chat(page);
    } finally {
      await browser.close();
    }
  });

  async function chat(page: Page): Promise<void> {
    const LOG = `[...document.querySelectorAll('#log div')].map((d) => d.textContent)`;
    const logHas = (line: string) => page.waitFor<string[]>(LOG, (l) => Array.isArray(l) && l.includes(line), `"${line}" in the page's log`);
    const say = (line: string) =>
      page.evaluate(`(() => { const i = document.getElementById('line'); i.value = ${JSON.stringify(line)}; document.getElementById('form').requestSubmit(); return i.value; })()`);

    await page.waitFor<string>('document.readyState === "complete" && document.title', (s) => s === 'gatehouse chat', 'the chat page (static route) loaded');
    await page.waitFor<string>(`document.getElementById('status').textContent`, (s) => s === 'connected', 'the page connected');
    await logHas('Welcome! Enter your nickname:');
    assert.equal(await say('chromium-user'), '', 'the form sent the line and cleared the input');
    await logHas('Hello chromium-user');

    const peer = await WsClient.connect(cluster.port('ws'), '/', { label: 'node peer' });
    assert.equal(await peer.nextText(), 'Welcome! Enter your nickname:');
    peer.send('node-peer');
    assert.equal(await peer.nextText(), 'Hello node-peer');
    await logHas('node-peer joined');

    peer.send('hello from node');
    assert.equal(await peer.nextText(), 'node-peer: hello from node');
    await logHas('node-peer: hello from node');
    await say('hi from chromium ✓');
    assert.equal(await peer.nextText(), 'chromium-user: hi from chromium ✓');
    await say('node-peer:psst');
    assert.equal(await peer.nextText(), 'chromium-user (private): psst');
    await logHas('(to node-peer): psst');
    await say('/who');
    await logHas('online: chromium-user, node-peer');

    assert.deepEqual(await page.evaluate(LOG), [
      'Welcome! Enter your nickname:',
      'Hello chromium-user',
      'node-peer joined',
      'node-peer: hello from node',
      'chromium-user: hi from chromium ✓',
      '(to node-peer): psst',
      'online: chromium-user, node-peer',
    ]);
    assert.equal(await page.evaluate(`document.getElementById('status').textContent`), 'connected', 'the page never lost its connection');

    // Closing the tab closes its WebSocket: the peer hears the user left.
    await page.close();
    assert.equal(await peer.nextText(10_000), 'chromium-user left');
    await peer.close();
  }
});
