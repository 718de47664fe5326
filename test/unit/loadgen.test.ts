/**
 * The bench's load generator (bench/loadgen/loadgen.c, driven through
 * bench/lib/loadgen.js) against small servers in this process, one per
 * protocol: text lines and `frame` (node:net), WebSocket (ws) and Socket.IO
 * (the socket.io package). Each server sends every connection K messages and
 * a heartbeat, echoes requests, and closes one connection on demand; the
 * report must count exactly that. The same servers keep groups (`J <name>`
 * joins and is answered `J ok`, `G <name> …` goes to the members): a loader
 * with --groups must join exactly its layout, and a groupcast loader's
 * messages must reach exactly the members, counted and timed. Also: connects
 * to a closed port fail, a server that never answers the upgrade times out,
 * and out-of-range group options are refused.
 */
import assert from 'node:assert/strict';
import { createServer as createHttpServer } from 'node:http';
import { createServer, type Server as NetServer, type Socket } from 'node:net';
import { join } from 'node:path';
import { before, test } from 'node:test';
import { pathToFileURL } from 'node:url';
import { Server as SocketIoServer } from 'socket.io';
import { WebSocketServer, type WebSocket } from 'ws';
import type * as LoadgenLib from '../../bench/lib/loadgen.js';
import type { LoaderStats } from '../../bench/lib/loadgen.js';
import { REPO_ROOT } from '../helpers/cluster.js';

const lib = (await import(pathToFileURL(join(REPO_ROOT, 'bench', 'lib', 'loadgen.js')).href)) as typeof LoadgenLib;

const CONNS = 20;
/** Messages each server sends a connection as it opens. */
const K = 5;
/** Their text: JSON escapes on the Socket.IO wire, nothing special elsewhere. */
const INITIAL = (i: number) => `b ${i} "quoted" back\\slash`;
/** The heartbeat the text, frame and WebSocket servers send (the gateway's pingData), and the answer asked for. */
const PING = 'hb';
const PONG = 'hbok';
const STEP_MS = 10_000;

before(() => lib.buildLoadgen());

interface TestServer {
  port: number;
  /** Messages sent to clients: the initial ones and the echoes (heartbeats not included). */
  sent: number;
  /** Requests echoed. */
  echoed: number;
  /** Heartbeat answers received: PONG messages, and WebSocket pong frames. */
  pongs: number;
  open: number;
  /** Members of each group joined ("J <name>"), in join order, by their connection's source address. */
  groups: Map<string, Member[]>;
  /** "G <name> …" messages received, per group. */
  groupcasts: Map<string, number>;
  /** Copies of them sent to members. */
  forwarded: number;
  closeOne(): void;
  close(): Promise<void>;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A connection as a group member: where it comes from (the loader binds connection i to --src-first + i here). */
interface Member {
  address: string;
  send: (text: string) => void;
}

const newGroupState = () => ({ groups: new Map<string, Member[]>(), groupcasts: new Map<string, number>(), forwarded: 0 });

/** What every server does with a client's message; `member.send` writes one message back. */
function onClientMessage(s: TestServer, text: string, member: Member): void {
  if (text === PONG) s.pongs++;
  else if (text.startsWith('p ')) {
    s.echoed++;
    s.sent++;
    member.send(text);
  } else if (text.startsWith('J ')) {
    const name = text.split(' ')[1]!;
    s.groups.set(name, [...(s.groups.get(name) ?? []), member]);
    member.send('J ok');
  } else if (text.startsWith('G ')) {
    const name = text.split(' ')[1]!;
    s.groupcasts.set(name, (s.groupcasts.get(name) ?? 0) + 1);
    for (const m of s.groups.get(name) ?? []) {
      s.forwarded++;
      m.send(text);
    }
  }
}

/** An IPv4 peer address as the loader bound it (Node may report it IPv4-mapped). */
const plainAddress = (a: string | undefined) => (a ?? '').replace(/^::ffff:/, '');

function greet(s: TestServer, send: (text: string) => void, heartbeat: boolean): void {
  for (let i = 0; i < K; i++) {
    s.sent++;
    send(INITIAL(i));
  }
  if (heartbeat) send(PING);
}

function listenNet(server: NetServer): Promise<number> {
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as { port: number }).port)));
}

/** The `frame` codec's options (src/config/types.ts FrameOptions); the default is the listener's. */
interface Framing {
  headerSize: 2 | 4;
  endian: 'big' | 'little';
  lengthIncludesHeader: boolean;
}
const DEFAULT_FRAMING: Framing = { headerSize: 4, endian: 'big', lengthIncludesHeader: false };

/** text (newline-delimited) or frame (a length header, then the payload). */
async function startStreamServer(proto: 'text' | 'frame', framing: Framing = DEFAULT_FRAMING): Promise<TestServer> {
  const sockets = new Set<Socket>();
  const h = framing.headerSize;
  const bias = framing.lengthIncludesHeader ? h : 0;
  const readLength = (b: Buffer) => (framing.endian === 'big' ? b.readUIntBE(0, h) : b.readUIntLE(0, h)) - bias;
  const encode = (text: string): Buffer => {
    const body = Buffer.from(text);
    if (proto === 'text') return Buffer.concat([body, Buffer.from('\n')]);
    const header = Buffer.alloc(h);
    if (framing.endian === 'big') header.writeUIntBE(body.length + bias, 0, h);
    else header.writeUIntLE(body.length + bias, 0, h);
    return Buffer.concat([header, body]);
  };
  const net = createServer((socket) => {
    sockets.add(socket);
    s.open++;
    socket.on('close', () => {
      sockets.delete(socket);
      s.open--;
    });
    socket.on('error', () => {});
    const send = (text: string) => socket.write(encode(text));
    const member = { address: plainAddress(socket.remoteAddress), send };
    let held = Buffer.alloc(0);
    socket.on('data', (chunk: Buffer) => {
      held = Buffer.concat([held, chunk]);
      for (;;) {
        let text: string;
        if (proto === 'text') {
          const nl = held.indexOf(10);
          if (nl < 0) break;
          text = held.subarray(0, nl).toString();
          held = held.subarray(nl + 1);
        } else {
          if (held.length < h || held.length < h + readLength(held)) break;
          const end = h + readLength(held);
          text = held.subarray(h, end).toString();
          held = held.subarray(end);
        }
        onClientMessage(s, text, member);
      }
    });
    greet(s, send, true);
  });
  const s: TestServer = {
    port: await listenNet(net),
    sent: 0,
    echoed: 0,
    pongs: 0,
    open: 0,
    ...newGroupState(),
    closeOne: () => sockets.values().next().value?.end(),
    close: () =>
      new Promise<void>((r) => {
        for (const socket of sockets) socket.destroy();
        net.close(() => r());
      }),
  };
  return s;
}

/** A WebSocket server that also sends each client a ping frame. */
async function startWsServer(): Promise<TestServer> {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  await new Promise((r) => wss.once('listening', r));
  const s: TestServer = {
    port: (wss.address() as { port: number }).port,
    sent: 0,
    echoed: 0,
    pongs: 0,
    open: 0,
    ...newGroupState(),
    closeOne: () => (wss.clients.values().next().value as WebSocket | undefined)?.close(1000, 'bye'),
    close: () =>
      new Promise<void>((r) => {
        for (const ws of wss.clients) ws.terminate();
        wss.close(() => r());
      }),
  };
  wss.on('connection', (ws, req) => {
    s.open++;
    ws.on('close', () => s.open--);
    ws.on('pong', (data) => {
      if (data.toString() === 'are you there') s.pongs++;
    });
    const send = (text: string) => ws.send(text);
    const member = { address: plainAddress(req.socket.remoteAddress), send };
    ws.on('message', (data, isBinary) => {
      if (!isBinary) onClientMessage(s, data.toString(), member);
    });
    greet(s, send, true);
    ws.ping('are you there');
  });
  return s;
}

/** The real socket.io server, pinging every 200 ms and giving up on a client 200 ms later. */
async function startSocketIoServer(): Promise<TestServer> {
  const http = createHttpServer();
  const io = new SocketIoServer(http, { transports: ['websocket'], pingInterval: 200, pingTimeout: 200 });
  const s: TestServer = {
    port: await listenNet(http as unknown as NetServer),
    sent: 0,
    echoed: 0,
    pongs: 0,
    open: 0,
    ...newGroupState(),
    closeOne: () => io.of('/').sockets.values().next().value?.disconnect(true),
    close: async () => {
      await new Promise<void>((r) => void io.close(() => r()));
    },
  };
  io.on('connection', (socket) => {
    s.open++;
    socket.on('disconnect', () => s.open--);
    // Replies under an event name with JSON escapes in it: the loader must skip it to find the text it times.
    const send = (text: string) => socket.emit('m \\ "x"', text);
    const member = { address: plainAddress(socket.handshake.address), send };
    socket.on('m', (text: unknown) => {
      if (typeof text === 'string') onClientMessage(s, text, member);
    });
    greet(s, send, false);
  });
  return s;
}

/** Polls the loader's stats until `done` holds; fails with the last stats after `ms`. */
async function statsUntil(loader: LoadgenLib.Loader, done: (s: LoaderStats) => boolean, ms: number, what: string): Promise<LoaderStats> {
  const deadline = Date.now() + ms;
  for (;;) {
    const s = await loader.command('stats');
    if (done(s)) return s;
    if (Date.now() > deadline) assert.fail(`${what} within ${ms} ms: ${JSON.stringify(s)}`);
    await sleep(25);
  }
}

function assertLatency(s: LoaderStats): void {
  const l = s.latencyUs;
  assert.ok(l.n > 0, `round trips timed: ${JSON.stringify(l)}`);
  assert.equal(l.n, s.messagesReceived, 'every echo is timed');
  assert.ok(l.p50 <= l.p90 && l.p90 <= l.p99 && l.p99 <= l.p999 && l.p999 <= l.max, `percentiles in order: ${JSON.stringify(l)}`);
  assert.ok(l.max < 5_000_000, `round trips under 5 s on loopback: ${JSON.stringify(l)}`);
}

const SMALL_FRAMES: Framing = { headerSize: 2, endian: 'little', lengthIncludesHeader: true };
const CASES = [
  { name: 'text', proto: 'text', start: () => startStreamServer('text'), options: {} },
  { name: 'frame', proto: 'frame', start: () => startStreamServer('frame'), options: {} },
  {
    name: 'frame (2-byte little-endian length that counts the header)',
    proto: 'frame',
    start: () => startStreamServer('frame', SMALL_FRAMES),
    options: { frameHeaderSize: 2, frameEndian: 'little', frameLengthIncludesHeader: 1 },
  },
  { name: 'websocket', proto: 'websocket', start: startWsServer, options: {} },
  { name: 'socketio', proto: 'socketio', start: startSocketIoServer, options: {} },
] as const;

for (const { name, proto, start, options } of CASES) {
  test(`${name}: connects, counts what the server sent, times echoes, answers heartbeats, sees the server close`, { timeout: 60_000 }, async (t) => {
    const server = await start();
    t.after(() => server.close());
    const heartbeat: LoadgenLib.LoaderOptions = proto === 'socketio' ? {} : { pingData: PING, pongData: PONG };
    const loader = new lib.Loader({ port: server.port, proto, conns: CONNS, mode: 'echo', window: 2, srcFirst: '127.203.0.1', ...heartbeat, ...options });
    t.after(() => loader.quit());

    assert.deepEqual(await loader.ready(STEP_MS), { event: 'ready', connected: CONNS, failed: 0 });
    let s = await statsUntil(loader, (x) => x.messagesReceived >= CONNS * K, STEP_MS, `${CONNS * K} greetings`);
    assert.equal(s.connected, CONNS);
    assert.equal(s.failed, 0);
    assert.equal(s.closed, 0);
    assert.equal(s.closedByPeer, 0);
    assert.equal(s.messagesReceived, CONNS * K, 'heartbeats are not messages');
    assert.equal(s.received, s.messagesReceived, 'the older name of the same count');
    assert.equal(s.bytesReceived, s.bytes);
    assert.ok(s.bytesReceived > CONNS * K * INITIAL(0).length, `bytes received: ${s.bytesReceived}`);
    assert.deepEqual(s.delivery, { connections: CONNS, min: K, p50: K, max: K, zero: 0 });
    assert.ok(s.connectRate > 0, `connect rate ${s.connectRate}`);
    assert.equal(typeof s.cpuUserMs, 'number');
    assert.equal(typeof s.cpuSystemMs, 'number');
    assert.ok(s.cpuUserMs >= 0 && s.cpuSystemMs >= 0);
    assert.equal(s.latencyUs.n, 0, 'greetings are not round trips');

    if (proto !== 'socketio') {
      // One heartbeat line per connection, and a ping frame on WebSocket: each answered.
      const expected = proto === 'websocket' ? 2 * CONNS : CONNS;
      s = await statsUntil(loader, (x) => x.pongs >= expected, STEP_MS, `${expected} heartbeats answered`);
      assert.equal(s.pings, expected);
      assert.equal(s.pongs, expected);
      const deadline = Date.now() + STEP_MS;
      while (server.pongs < expected && Date.now() < deadline) await sleep(20);
      assert.equal(server.pongs, expected, 'the server got every heartbeat answer');
    }

    await loader.command('reset');
    const sentBefore = server.sent;
    await loader.command('start');
    await sleep(300);
    await loader.command('stop');
    // Stopped: once the server echoed every request, everything it sent since the reset must be counted.
    s = await statsUntil(
      loader,
      (x) => x.sent > 0 && server.echoed >= x.sent && x.messagesReceived >= server.sent - sentBefore,
      STEP_MS,
      'every echo back',
    );
    assert.equal(s.messagesReceived, server.sent - sentBefore);
    assert.equal(s.sent, server.echoed);
    assert.equal(s.delivery.zero, 0, 'every connection got echoes');
    assert.equal(s.delivery.connections, CONNS);
    assertLatency(s);

    if (proto === 'socketio') {
      // Pinged every 200 ms and dropped 200 ms after an unanswered ping: still all there after a second.
      await sleep(1000);
      s = await loader.command('stats');
      assert.equal(s.connected, CONNS, `still connected: ${JSON.stringify(s)}`);
      assert.equal(server.open, CONNS);
      assert.ok(s.pings >= CONNS * 3, `pings: ${s.pings}`);
      assert.equal(s.pongs, s.pings, 'every ping answered');
    }

    server.closeOne();
    s = await statsUntil(loader, (x) => x.closedByPeer >= 1, STEP_MS, 'one connection closed by the server');
    assert.equal(s.closedByPeer, 1);
    assert.equal(s.closed, 1);
    assert.equal(s.connected, CONNS - 1);
    assert.equal(s.failed, 0);
  });
}

/** The layout of --groups 3 --group-min 2 --group-max 4: sizes 2, 3 and 4 over connections 0..8. */
const GROUP_SIZES = [2, 3, 4];
const GROUP_CONNS = 12;
/** groupcast's total rate in the tests (messages per second over all of the sender's connections). */
const GROUP_RATE = 300;

/** The source address of connection i of a loader with srcFirst `${prefix}.1` and perSrc 1. */
const sourceOf = (prefix: string, i: number) => `${prefix}.${1 + i}`;

/** Each group's members as the server saw them, by source address. */
function membersSeen(server: TestServer): Record<string, string[]> {
  return Object.fromEntries([...server.groups].map(([name, members]) => [name, members.map((m) => m.address).sort()]));
}

for (const { name, proto, start, options } of CASES) {
  test(`${name}: --groups joins exactly its layout, groupcast reaches exactly the members, counted and timed`, { timeout: 60_000 }, async (t) => {
    const server = await start();
    t.after(() => server.close());
    const heartbeat: LoadgenLib.LoaderOptions = proto === 'socketio' ? {} : { pingData: PING, pongData: PONG };
    const memberPrefix = '127.204.0';
    const members = new lib.Loader({
      port: server.port, proto, conns: GROUP_CONNS, groups: 3, groupMin: 2, groupMax: 4, indexBase: 0,
      srcFirst: `${memberPrefix}.1`, perSrc: 1, ...heartbeat, ...options,
    });
    t.after(() => members.quit());
    assert.deepEqual(await members.ready(STEP_MS), { event: 'ready', connected: GROUP_CONNS, failed: 0 });
    let m = await statsUntil(members, (x) => x.joinAcks >= 9 && x.messagesReceived >= GROUP_CONNS * K, STEP_MS, '9 join acks');
    assert.equal(m.joinAcks, 9, 'one join per connection with a group');
    assert.equal(m.messagesReceived, GROUP_CONNS * K, 'join acks are not messages');
    assert.deepEqual(m.delivery, { connections: GROUP_CONNS, min: K, p50: K, max: K, zero: 0 }, 'nor deliveries');
    assert.equal(m.groupReceived, 0);
    assert.equal(m.groupLatencyUs.n, 0);
    // Connections 0-1 in g0, 2-4 in g1, 5-8 in g2, 9-11 in none.
    const expected: Record<string, string[]> = {};
    let next = 0;
    GROUP_SIZES.forEach((size, k) => {
      expected[`g${k}`] = Array.from({ length: size }, (_, i) => sourceOf(memberPrefix, next + i)).sort();
      next += size;
    });
    assert.deepEqual(membersSeen(server), expected);

    const sender = new lib.Loader({
      port: server.port, proto, conns: 3, mode: 'groupcast', targetGroups: 3, rate: GROUP_RATE, size: 64,
      srcFirst: '127.204.1.1', ...heartbeat, ...options,
    });
    t.after(() => sender.quit());
    assert.deepEqual(await sender.ready(STEP_MS), { event: 'ready', connected: 3, failed: 0 });
    await statsUntil(sender, (x) => x.messagesReceived >= 3 * K, STEP_MS, 'the sender\'s greetings');
    await members.command('reset');
    await sender.command('reset');
    const began = Date.now();
    await sender.command('start');
    await sleep(500);
    await sender.command('stop');
    const seconds = (Date.now() - began) / 1000;
    let g = await sender.command('stats');
    const sent = g.sent;
    assert.ok(sent >= (GROUP_RATE * 0.5) / 4, `paced at ${GROUP_RATE}/s for ~0.5 s: sent ${sent}`);
    assert.ok(sent <= GROUP_RATE * seconds + 1, `no more than the rate allows in ${seconds} s: sent ${sent}`);
    // Stopped: once the server got every G message, the members must have counted every copy it forwarded.
    const total = () => [...server.groupcasts.values()].reduce((a, b) => a + b, 0);
    m = await statsUntil(
      members,
      (x) => total() >= sent && x.groupReceived >= server.forwarded,
      STEP_MS,
      'every forwarded copy',
    );
    assert.equal(total(), sent, 'every G message reached the server');
    const counts = [0, 1, 2].map((k) => server.groupcasts.get(`g${k}`) ?? 0);
    assert.ok(Math.max(...counts) - Math.min(...counts) <= 1, `groups addressed in turn: ${counts}`);
    assert.equal(server.forwarded, counts.reduce((a, c, k) => a + c * GROUP_SIZES[k]!, 0), 'each to its members only');
    assert.equal(m.groupReceived, server.forwarded);
    assert.equal(m.messagesReceived, server.forwarded, 'group deliveries are messages');
    assert.equal(m.delivery.zero, GROUP_CONNS - 9, 'nothing for the connections in no group');
    assert.equal(m.delivery.max, Math.max(...counts));
    const l = m.groupLatencyUs;
    assert.equal(l.n, m.groupReceived, 'every delivery timed');
    assert.ok(l.max > 0, `latency measured: ${JSON.stringify(l)}`);
    assert.ok(l.p50 <= l.p90 && l.p90 <= l.p99 && l.p99 <= l.p999 && l.p999 <= l.max, `percentiles in order: ${JSON.stringify(l)}`);
    assert.ok(l.max < 5_000_000, `under 5 s on loopback: ${JSON.stringify(l)}`);
    assert.equal(m.latencyUs.n, 0, 'not round trips');
    g = await sender.command('stats');
    assert.equal(g.sent, sent, 'stopped');
    assert.equal(g.groupReceived, 0, 'the sender joined nothing');
    assert.equal(g.joinAcks, 0);
    assert.equal(g.sendErrors, 0);

    await members.command('reset');
    m = await members.command('stats');
    assert.equal(m.groupReceived, 0);
    assert.equal(m.groupLatencyUs.n, 0);
    assert.equal(m.joinAcks, 9, 'joins are not reset');
  });
}

test('--index-base shifts the layout: a second loader continues the first one\'s index', { timeout: 30_000 }, async (t) => {
  const server = await startStreamServer('text');
  t.after(() => server.close());
  // Global indexes 3..10: 3-4 are the end of g1, 5-8 all of g2, 9-10 in no group.
  const loader = new lib.Loader({
    port: server.port, conns: 8, groups: 3, groupMin: 2, groupMax: 4, indexBase: 3, srcFirst: '127.204.2.1', perSrc: 1,
    pingData: PING, pongData: PONG,
  });
  t.after(() => loader.quit());
  assert.deepEqual(await loader.ready(STEP_MS), { event: 'ready', connected: 8, failed: 0 });
  const s = await statsUntil(loader, (x) => x.joinAcks >= 6, STEP_MS, '6 join acks');
  assert.equal(s.joinAcks, 6);
  assert.deepEqual(membersSeen(server), {
    g1: [0, 1].map((i) => sourceOf('127.204.2', i)).sort(),
    g2: [2, 3, 4, 5].map((i) => sourceOf('127.204.2', i)).sort(),
  });
});

test('out-of-range group options are refused with a clear error', { timeout: 10_000 }, async () => {
  const refused = async (options: LoadgenLib.LoaderOptions, message: RegExp) => {
    const loader = new lib.Loader({ port: 1, ...options });
    await assert.rejects(loader.ready(STEP_MS), message);
  };
  await refused({ groups: 100001 }, /exited with 2: loadgen: --groups must be 0\.\.100000 \(the group table is bounded\), not 100001/);
  await refused({ mode: 'groupcast', targetGroups: 100001, rate: 10 }, /--target-groups must be 0\.\.100000/);
  await refused({ groups: 3, groupMin: 5, groupMax: 4 }, /--group-min \(5\) must not exceed --group-max \(4\)/);
  await refused({ mode: 'groupcast', rate: 10 }, /--mode groupcast needs --target-groups/);
  await refused({ mode: 'groupcast', targetGroups: 3 }, /--mode groupcast needs --target-groups \(1\.\.100000\) and --rate/);
});

test('socketio: an event\'s text is unescaped before it is matched (a hand-written Engine.IO peer)', { timeout: 30_000 }, async (t) => {
  // storm mode times each connection's first message starting "welcome" and counts those starting "b ":
  // both are only seen if \u0077, \" and \\ are decoded and the escaped event name is skipped.
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  await new Promise((r) => wss.once('listening', r));
  t.after(() => new Promise<void>((r) => {
    for (const ws of wss.clients) ws.terminate();
    wss.close(() => r());
  }));
  const paths: string[] = [];
  wss.on('connection', (ws, req) => {
    paths.push(req.url ?? '');
    ws.send('0{"sid":"s","upgrades":[],"pingInterval":25000,"pingTimeout":20000,"maxPayload":1000000}');
    ws.on('message', (data) => {
      const packet = data.toString();
      if (packet === '40') {
        ws.send('40{"sid":"n"}');
        ws.send('42["a \\"b\\" \\\\","\\u0077elcome \\"you\\" \\\\ \\u00e9"]');
      } else if (packet === '42["m","b storm"]') {
        for (const peer of wss.clients) peer.send('42["m","b storm"]');
      }
    });
  });
  const loader = new lib.Loader({ port: (wss.address() as { port: number }).port, proto: 'socketio', conns: 5, mode: 'storm', srcFirst: '127.203.3.1' });
  t.after(() => loader.quit());
  assert.deepEqual(await loader.ready(STEP_MS), { event: 'ready', connected: 5, failed: 0 });
  assert.deepEqual(paths, Array(5).fill('/socket.io/?EIO=4&transport=websocket'));
  await statsUntil(loader, (x) => x.messagesReceived >= 5, STEP_MS, 'five welcomes');
  await loader.command('broadcast');
  const s = await statsUntil(loader, (x) => x.broadcastReceived >= 5, STEP_MS, 'the broadcast on every connection');
  assert.equal(s.latencyUs.n, 5, `every welcome recognised: ${JSON.stringify(s)}`);
  assert.equal(s.messagesReceived, 10);
});

test('connects to a closed port count as failed', { timeout: 30_000 }, async (t) => {
  const probe = createServer();
  const port = await listenNet(probe);
  await new Promise((r) => probe.close(r));
  const loader = new lib.Loader({ port, conns: 5, srcFirst: '127.203.1.1' });
  t.after(() => loader.quit());
  assert.deepEqual(await loader.ready(STEP_MS), { event: 'ready', connected: 0, failed: 5 });
  const s = await loader.command('stats');
  assert.equal(s.failed, 5);
  assert.equal(s.connected, 0);
  assert.equal(s.closedByPeer, 0);
  assert.equal(s.connectRate, 0);
  assert.deepEqual(s.delivery, { connections: 0, min: 0, p50: 0, max: 0, zero: 0 });
});

test('a WebSocket upgrade never answered fails at --connect-timeout-ms', { timeout: 30_000 }, async (t) => {
  const held = new Set<Socket>();
  const silent = createServer((socket) => {
    held.add(socket);
    socket.on('error', () => {});
  });
  const port = await listenNet(silent);
  t.after(
    () =>
      new Promise<void>((r) => {
        for (const socket of held) socket.destroy();
        silent.close(() => r());
      }),
  );
  const loader = new lib.Loader({ port, proto: 'websocket', conns: 5, connectTimeoutMs: 200, srcFirst: '127.203.2.1' });
  t.after(() => loader.quit());
  const started = Date.now();
  assert.deepEqual(await loader.ready(STEP_MS), { event: 'ready', connected: 0, failed: 5 });
  assert.ok(Date.now() - started >= 150, 'not before the timeout');
  const s = await loader.command('stats');
  assert.equal(s.connectTimeouts, 5);
  assert.equal(s.failed, 5);
});

test('an unknown protocol is refused', { timeout: 10_000 }, async () => {
  const loader = new lib.Loader({ port: 1, proto: 'carrier-pigeon' });
  await assert.rejects(loader.ready(STEP_MS), /exited with 2/);
});
