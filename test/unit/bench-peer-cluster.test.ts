// The bench's peer servers with `--processes 3` (bench/lib/peer-cluster.js): a primary and three workers on one
// port. For each peer (uWS only when its binary loads): the connections land on more than one process, a broadcast
// from one client reaches every client of every process exactly once, a group send reaches exactly the group's
// members across processes, `published` is summed over the processes, and stdin's end (or a SIGKILLed primary)
// leaves no process alive. The clients are `ws` WebSockets; for Socket.IO they speak its wire format themselves
// (Engine.IO 4 over a WebSocket: "40" connects to the namespace, "42[…]" is an event, "2" a ping answered "3").
import assert from 'node:assert/strict';
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { join } from 'node:path';
import { createInterface, type Interface } from 'node:readline';
import { test } from 'node:test';
import { WebSocket } from 'ws';
import { loadUwsBinary } from '../../src/gateway/ops-http/ops-http.js';
import { REPO_ROOT } from '../helpers/cluster.js';

const PROCESSES = 3;
const CLIENTS = 30;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The binary bench/uws-server.js loads (the package's entry would fall back to a ws-based imitation). */
const uwsLoads = await loadUwsBinary().then(
  () => true,
  () => false,
);

interface First {
  port: number;
  pid: number;
  pids: number[];
}
interface Stats {
  published: number;
  connections: number;
  perProcess: number[];
}

class Peer {
  readonly child: ChildProcessWithoutNullStreams;
  readonly lines: Interface;
  stderr = '';
  constructor(name: string) {
    this.child = spawn(process.execPath, [join(REPO_ROOT, 'bench', `${name}-server.js`), '0', '--processes', String(PROCESSES)]);
    this.child.stderr.on('data', (d) => (this.stderr += d));
    this.lines = createInterface({ input: this.child.stdout });
  }
  line<T>(ms = 15_000): Promise<T> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no line in ${ms} ms; stderr: ${this.stderr}`)), ms);
      this.lines.once('line', (l) => {
        clearTimeout(timer);
        resolve(JSON.parse(l) as T);
      });
    });
  }
  stats(): Promise<Stats> {
    const answer = this.line<Stats>();
    this.child.stdin.write('stats\n');
    return answer;
  }
}

/** A client: every message it received, as text. */
class Client {
  readonly got: string[] = [];
  private constructor(
    private readonly ws: WebSocket,
    private readonly socketio: boolean,
  ) {}
  static open(port: number, socketio: boolean): Promise<Client> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(socketio ? `ws://127.0.0.1:${port}/socket.io/?EIO=4&transport=websocket` : `ws://127.0.0.1:${port}/`);
      const c = new Client(ws, socketio);
      ws.on('error', reject);
      ws.on('message', (data) => {
        const text = String(data);
        if (!socketio) return c.got.push(text);
        if (text.startsWith('0')) ws.send('40');
        else if (text.startsWith('40')) resolve(c);
        else if (text === '2') ws.send('3');
        else if (text.startsWith('42')) c.got.push((JSON.parse(text.slice(2)) as [string, string])[1]);
      });
      if (!socketio) ws.on('open', () => resolve(c));
    });
  }
  send(line: string): void {
    this.ws.send(this.socketio ? `42${JSON.stringify(['m', line])}` : line);
  }
  count(line: string): number {
    return this.got.filter((x) => x === line).length;
  }
  close(): void {
    this.ws.terminate();
  }
}

async function until(what: string, ok: () => boolean, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

for (const name of ['uws', 'ws', 'socketio']) {
  const skip = name === 'uws' && !uwsLoads ? 'the uWebSockets.js binary does not load here' : false;

  test(`${name} --processes ${PROCESSES}: spread over the processes, broadcasts and groups reach every process, published summed, stdin's end stops all`, { timeout: 60_000, skip }, async (t) => {
    const peer = new Peer(name);
    t.after(() => peer.child.kill('SIGKILL'));
    const first = await peer.line<First>();
    assert.equal(first.pid, peer.child.pid, 'pid: the process started');
    assert.equal(first.pids.length, PROCESSES + 1, 'pids: the primary and its workers');
    assert.equal(first.pids[0], first.pid);
    assert.equal(new Set(first.pids).size, first.pids.length);

    const socketio = name === 'socketio';
    const clients: Client[] = [];
    t.after(() => clients.forEach((c) => c.close()));
    // One at a time: the connections reach the processes in an order the test does not depend on, but all open.
    for (let i = 0; i < CLIENTS; i++) clients.push(await Client.open(first.port, socketio));
    let s = await peer.stats();
    assert.equal(s.connections, CLIENTS);
    assert.equal(s.perProcess.length, PROCESSES);
    assert.equal(s.perProcess.reduce((a, b) => a + b, 0), CLIENTS);
    assert.ok(s.perProcess.filter((n) => n > 0).length > 1, `the connections landed on more than one process: ${s.perProcess}`);
    assert.equal(s.published, 0);

    // Two broadcasts from clients on (likely) different processes: each reaches all 30 exactly once.
    clients[0]!.send('b one');
    clients[CLIENTS - 1]!.send('b two');
    await until('both broadcasts everywhere', () => clients.every((c) => c.count('b one') >= 1 && c.count('b two') >= 1));
    await sleep(200);
    for (const [i, c] of clients.entries()) {
      assert.equal(c.count('b one'), 1, `client ${i}: b one once`);
      assert.equal(c.count('b two'), 1, `client ${i}: b two once`);
    }
    s = await peer.stats();
    assert.equal(s.published, 2, 'published: summed over the processes');

    // Members 0-9 (their processes: whichever held them) join; 20 (not a member) sends to the group, 5 (one) too.
    const members = clients.slice(0, 10);
    for (const m of members) m.send('J room');
    await until('every join answered', () => members.every((m) => m.count('J ok') === 1));
    clients[20]!.send('G room from-outside');
    clients[5]!.send('G room from-inside');
    await until('the group sends at every member', () => members.every((m) => m.count('G room from-outside') === 1 && m.count('G room from-inside') === 1));
    await sleep(200);
    for (const [i, c] of clients.entries()) {
      const member = i < 10;
      assert.equal(c.count('G room from-outside'), member ? 1 : 0, `client ${i} (${member ? 'member' : 'not a member'}): from outside`);
      assert.equal(c.count('G room from-inside'), member ? 1 : 0, `client ${i} (${member ? 'member' : 'not a member'}): from inside`);
      assert.equal(c.count('J ok'), member ? 1 : 0, `client ${i}: J ok only for its own join`);
    }
    s = await peer.stats();
    assert.equal(s.published, 2, 'group sends are not broadcasts');

    const exited = new Promise<number | null>((r) => peer.child.once('exit', r));
    peer.child.stdin.end();
    assert.equal(await exited, 0);
    await until('every server process gone', () => first.pids.every((pid) => !alive(pid)), 5000);
  });

  test(`${name} --processes ${PROCESSES}: a SIGKILLed primary leaves no worker behind`, { timeout: 30_000, skip }, async (t) => {
    const peer = new Peer(name);
    t.after(() => peer.child.kill('SIGKILL'));
    const first = await peer.line<First>();
    const workers = first.pids.slice(1);
    assert.equal(workers.length, PROCESSES);
    peer.child.kill('SIGKILL');
    try {
      await until('the workers gone', () => workers.every((pid) => !alive(pid)), 5000);
    } finally {
      for (const pid of workers) if (alive(pid)) process.kill(pid, 'SIGKILL');
    }
  });
}

test('--processes 1 is one process, as before', { timeout: 30_000 }, async (t) => {
  const child = spawn(process.execPath, [join(REPO_ROOT, 'bench', 'ws-server.js'), '0']);
  t.after(() => child.kill('SIGKILL'));
  const lines = createInterface({ input: child.stdout });
  const first = await new Promise<First>((r) => lines.once('line', (l) => r(JSON.parse(l) as First)));
  assert.deepEqual(first.pids, [child.pid]);
  assert.equal(first.pid, child.pid);
  const exited = new Promise<number | null>((r) => child.once('exit', r));
  child.stdin.end();
  assert.equal(await exited, 0);
});
