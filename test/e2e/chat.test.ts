/**
 * The chat demo (dist/examples/chat/events.js), its whole protocol, over TCP
 * (text listener), over WebSocket and mixed, on 2 gateways × 2 workers:
 *
 *   connect → `Welcome! Enter your nickname:`
 *   first line = nickname [A-Za-z0-9_-]{1,32}; else `invalid nickname` + `Enter your nickname:`;
 *     taken → `nickname taken` + `Enter your nickname:`; ok → `Hello <nick>`, others `<nick> joined`
 *   `text` → everyone `<nick>: text`
 *   `<uid>:text` → uid `<nick> (private): text`, sender `(to <uid>): text`; offline → `<uid> is not online`
 *   `/join r` → `joined r`; `/leave r` → `left r`; `#r:text` → members `<nick>@r: text`
 *   `/who` → `online: a, b, c` (sorted); `/count` → `connections: N`
 *   close → others `<nick> left`
 *
 * Tests run one after another on one cluster; each uses its own nicknames and
 * drops `<nick> joined/left` lines about other tests' users.
 */
import { after, afterEach, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { get } from 'node:http';
import { closeAllClients, eventually, LineClient, WsClient, type CloseInfo } from '../helpers/clients.js';
import { CHAT_EVENTS, CHAT_PAGE, startCluster, type Cluster } from '../helpers/cluster.js';

const WELCOME = 'Welcome! Enter your nickname:';
const ASK_AGAIN = 'Enter your nickname:';

type Kind = 'tcp' | 'ws';

interface Peer {
  readonly label: string;
  say(line: string): void;
  hear(timeoutMs?: number): Promise<string>;
  close(): Promise<void>;
  readonly closed: Promise<CloseInfo>;
}

let cluster: Cluster;

/** Connects a chat user; lines matching ignore are dropped on arrival. */
async function connectPeer(kind: Kind, label: string, ignore: (line: string) => boolean = () => false): Promise<Peer> {
  if (kind === 'tcp') {
    const c = await LineClient.connect(cluster.port('tcp'), { label: `${label} (tcp)` });
    c.ignore = ignore;
    return {
      label: c.label,
      say: (line) => c.send(line),
      hear: (ms) => c.next(ms),
      close: () => c.close(),
      closed: c.closed,
    };
  }
  const w = await WsClient.connect(cluster.port('ws'), '/', { label: `${label} (ws)`, ignore: (m) => !m.isBinary && ignore(m.data as string) });
  return {
    label: w.label,
    say: (line) => w.send(line),
    hear: (ms) => w.nextText(ms),
    close: () => w.close(),
    closed: w.closed,
  };
}

/**
 * Drops "<x> joined" / "<x> left" about users other than ours, and "<x> joined"
 * about users who logged in before this connection was made (the broadcast of a
 * login may reach another gateway after a later connection: no order between them).
 */
function onlyAbout(nicks: readonly string[], earlier: readonly string[] = []): (line: string) => boolean {
  return (line) => {
    const m = /^(\S+) (joined|left)$/.exec(line);
    return m !== null && (!nicks.includes(m[1]!) || (m[2] === 'joined' && earlier.includes(m[1]!)));
  };
}

async function join(kind: Kind, nick: string, ours: readonly string[], earlier: readonly string[] = []): Promise<Peer> {
  const p = await connectPeer(kind, nick, onlyAbout(ours, earlier));
  assert.equal(await p.hear(), WELCOME, `${p.label}: greeting`);
  p.say(nick);
  assert.equal(await p.hear(), `Hello ${nick}`, `${p.label}: login`);
  return p;
}

async function hearAll(peers: readonly Peer[], line: string): Promise<void> {
  await Promise.all(peers.map(async (p) => assert.equal(await p.hear(), line, p.label)));
}

async function ask(p: Peer, command: string, expected: string, what: string): Promise<void> {
  await eventually(
    async () => {
      p.say(command);
      return p.hear();
    },
    (line) => line === expected,
    `${what}: ${command} should answer ${JSON.stringify(expected)}`,
  );
}

before(async () => {
  cluster = await startCluster({
    app: {
      events: CHAT_EVENTS,
      listeners: [
        { name: 'tcp', protocol: 'text' },
        { name: 'ws', protocol: 'websocket', static: { '/': CHAT_PAGE } },
      ],
      gateway: { count: 2 },
      worker: { count: 2, threads: 2 },
    },
  });
});

// A failed test must not leave its users online for the next one.
afterEach(() => closeAllClients());

after(async () => {
  closeAllClients();
  await cluster?.stop();
});

/** The whole protocol with three users of the given transports. */
async function scenario(kinds: [Kind, Kind, Kind], tag: string): Promise<void> {
  // Logged in as zed, amy, mia: /who must sort them.
  const [zed, amy, mia] = [`zed-${tag}`, `amy-${tag}`, `mia-${tag}`];
  const ours = [zed, amy, mia];
  const a = await join(kinds[0], zed, ours);
  const b = await join(kinds[1], amy, ours, [zed]);
  assert.equal(await a.hear(), `${amy} joined`);
  const c = await join(kinds[2], mia, ours, [zed, amy]);
  await hearAll([a, b], `${mia} joined`);

  // Public line, to everyone including the sender.
  a.say('hello everyone');
  await hearAll([a, b, c], `${zed}: hello everyone`);
  b.say('hi from amy, with punctuation!');
  await hearAll([a, b, c], `${amy}: hi from amy, with punctuation!`);

  // Private line: only the uid's connections, and a confirmation to the sender.
  a.say(`${amy}:psst`);
  assert.equal(await b.hear(), `${zed} (private): psst`);
  assert.equal(await a.hear(), `(to ${amy}): psst`);
  c.say('marker one');
  await hearAll([a, b, c], `${mia}: marker one`);
  c.say(`${zed}:back at you`);
  assert.equal(await a.hear(), `${mia} (private): back at you`);
  assert.equal(await c.hear(), `(to ${zed}): back at you`);
  a.say(`nobody-${tag}:hey`);
  assert.equal(await a.hear(), `nobody-${tag} is not online`);

  // Rooms.
  a.say('/join room1');
  assert.equal(await a.hear(), 'joined room1');
  b.say('/join room1');
  assert.equal(await b.hear(), 'joined room1');
  a.say('#room1:in the room');
  await hearAll([a, b], `${zed}@room1: in the room`);
  c.say('marker two');
  await hearAll([a, b, c], `${mia}: marker two`);
  b.say('/leave room1');
  assert.equal(await b.hear(), 'left room1');
  a.say('#room1:again');
  assert.equal(await a.hear(), `${zed}@room1: again`);
  c.say('marker three');
  await hearAll([a, b, c], `${mia}: marker three`);

  // Who and how many.
  await ask(b, '/who', `online: ${[amy, mia, zed].join(', ')}`, 'online list');
  await ask(c, '/count', 'connections: 3', 'connection count');

  // Leaving.
  await b.close();
  await hearAll([a, c], `${amy} left`);
  await ask(a, '/who', `online: ${[mia, zed].join(', ')}`, 'online list after a user left');
  await a.close();
  assert.equal(await c.hear(), `${zed} left`);
  await c.close();
}

describe('chat demo', () => {
  test('the events module and page exist (the demo is built)', () => {
    assert.ok(existsSync(CHAT_EVENTS), `${CHAT_EVENTS} is missing`);
    assert.ok(existsSync(CHAT_PAGE), `${CHAT_PAGE} is missing`);
  });

  test('nickname: invalid ones are refused and asked again; a taken one too', async () => {
    const [good, other] = ['Good_Nick-1', 'y'.repeat(32)];
    const p = await connectPeer('tcp', 'login', onlyAbout([good, other]));
    assert.equal(await p.hear(), WELCOME);
    for (const bad of ['bad nick', 'bad!', 'é', 'x'.repeat(33)]) {
      p.say(bad);
      assert.equal(await p.hear(), 'invalid nickname', `nickname ${JSON.stringify(bad)}`);
      assert.equal(await p.hear(), ASK_AGAIN, `asked again after ${JSON.stringify(bad)}`);
    }
    p.say(good);
    assert.equal(await p.hear(), `Hello ${good}`);

    const q = await connectPeer('ws', 'login-2', onlyAbout([good, other], [good]));
    assert.equal(await q.hear(), WELCOME);
    q.say(good);
    assert.equal(await q.hear(), 'nickname taken');
    assert.equal(await q.hear(), ASK_AGAIN);
    q.say('y'.repeat(32));
    assert.equal(await q.hear(), `Hello ${'y'.repeat(32)}`, 'a 32-character nickname is valid');
    assert.equal(await p.hear(), `${'y'.repeat(32)} joined`);
    await q.close();
    assert.equal(await p.hear(), `${'y'.repeat(32)} left`);
    await p.close();
  });

  test('the whole protocol over TCP', () => scenario(['tcp', 'tcp', 'tcp'], 't'));
  test('the whole protocol over WebSocket', () => scenario(['ws', 'ws', 'ws'], 'w'));
  test('mixed: TCP and WebSocket users talk to each other', async () => {
    await scenario(['tcp', 'ws', 'tcp'], 'm1');
    await scenario(['ws', 'tcp', 'ws'], 'm2');
  });

  test('pipelining: a nickname and 20 lines in one TCP write give 20 lines from that nickname', async () => {
    const [obs, pip] = ['observer-p', 'piper'];
    const o = await join('ws', obs, [obs, pip]);
    const p = await LineClient.connect(cluster.port('tcp'), { label: 'piper (tcp)' });
    p.ignore = onlyAbout([obs, pip], [obs]);
    const lines = Array.from({ length: 20 }, (_, i) => `pipelined line ${i + 1}`);
    p.write([pip, ...lines].map((l) => `${l}\n`).join(''));
    assert.deepEqual(await p.collect(22), [WELCOME, `Hello ${pip}`, ...lines.map((l) => `${pip}: ${l}`)]);
    assert.equal(await o.hear(), `${pip} joined`);
    for (const l of lines) assert.equal(await o.hear(), `${pip}: ${l}`);
    await p.close();
    assert.equal(await o.hear(), `${pip} left`);
    await o.close();
  });

  test('pipelining over WebSocket: a nickname and 20 messages sent at once', async () => {
    const pip = 'ws-piper';
    const w = await WsClient.connect(cluster.port('ws'), '/', { label: 'ws piper', ignore: (m) => !m.isBinary && onlyAbout([pip])(m.data as string) });
    const lines = Array.from({ length: 20 }, (_, i) => `ws line ${i + 1}`);
    for (const l of [pip, ...lines]) w.send(l);
    const got: string[] = [];
    for (let i = 0; i < 22; i++) got.push(await w.nextText());
    assert.deepEqual(got, [WELCOME, `Hello ${pip}`, ...lines.map((l) => `${pip}: ${l}`)]);
    await w.close();
  });

  test('the chat page is served over plain HTTP on the WebSocket port', async () => {
    const body = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      get({ host: '127.0.0.1', port: cluster.port('ws'), path: '/', agent: false, timeout: 5000 }, (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => (text += d));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
      }).on('error', reject);
    });
    assert.equal(body.status, 200);
    assert.equal(body.body, readFileSync(CHAT_PAGE, 'utf8'));
  });
});
