/**
 * The bench's servers speak the group fan-out scenario's protocol: `J <name>`
 * joins group <name> and is answered exactly `J ok`, `G <name> …` reaches
 * that group's members only (the sender only if it joined). Checked for the
 * peers (bench/ws-server.js, bench/socketio-server.js, bench/uws-server.js
 * when its binary loads), each a child process as bench/run.js starts it, and
 * for gatehouse with the bench app (bench/app, the JS engine, text and
 * WebSocket), started the bench's way (bench/lib/targets.js). The load
 * generator is the client: a loader with --groups joins the layout, a
 * groupcast loader addresses the groups.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { before, test, type TestContext } from 'node:test';
import { pathToFileURL } from 'node:url';
import type * as LoadgenLib from '../../bench/lib/loadgen.js';
import type { LoaderStats } from '../../bench/lib/loadgen.js';
import { loadUwsBinary } from '../../src/gateway/ops-http/ops-http.js';
import { freePort, REPO_ROOT } from '../helpers/cluster.js';

const lib = (await import(pathToFileURL(join(REPO_ROOT, 'bench', 'lib', 'loadgen.js')).href)) as typeof LoadgenLib;

/** bench/lib/targets.js's GatehouseTarget, as used here (it has no types of its own). */
interface GatehouseTarget {
  readonly port: number;
  start(): Promise<void>;
  stop(): Promise<void>;
}
const targets = (await import(pathToFileURL(join(REPO_ROOT, 'bench', 'lib', 'targets.js')).href)) as {
  GatehouseTarget: new (o: { engine: string; protocol: string; port: number; opsPort: number }) => GatehouseTarget;
};

const uwsLoads = await loadUwsBinary().then(
  () => true,
  () => false,
);

const STEP_MS = 10_000;
/** --groups 3 --group-min 2 --group-max 4: groups of 2, 3 and 4 over connections 0..8 of 12. */
const SIZES = [2, 3, 4];
const CONNS = 12;
const RATE = 300;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

before(() => lib.buildLoadgen());

async function statsUntil(loader: LoadgenLib.Loader, done: (s: LoaderStats) => boolean, ms: number, what: string): Promise<LoaderStats> {
  const deadline = Date.now() + ms;
  for (;;) {
    const s = await loader.command('stats');
    if (done(s)) return s;
    if (Date.now() > deadline) assert.fail(`${what} within ${ms} ms: ${JSON.stringify(s)}`);
    await sleep(25);
  }
}

/** Starts bench/<name>-server.js on a free port; it prints {"port","pid"} once listening, stdin's end stops it. */
async function startPeer(t: TestContext, name: string): Promise<number> {
  const child = spawn(process.execPath, [join(REPO_ROOT, 'bench', `${name}-server.js`), '0'], { stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  t.after(async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const gone = new Promise((r) => child.once('exit', r));
    child.stdin.end();
    const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
    await gone;
    clearTimeout(timer);
  });
  const first = await new Promise<{ port: number; pid: number }>((resolve, reject) => {
    createInterface({ input: child.stdout }).once('line', (l) => resolve(JSON.parse(l)));
    child.once('exit', (code) => reject(new Error(`${name}-server exited with ${code}: ${stderr}`)));
  });
  assert.equal(first.pid, child.pid);
  return first.port;
}

/**
 * A loader joins the layout (9 `J ok`), a groupcast loader sends for a while:
 * each of its messages must reach exactly its group's members, nobody else.
 */
async function checkGroups(t: TestContext, port: number, proto: string, srcPrefix: string): Promise<void> {
  const members = new lib.Loader({ port, proto, conns: CONNS, groups: 3, groupMin: 2, groupMax: 4, srcFirst: `${srcPrefix}.0.1` });
  t.after(() => members.quit());
  assert.deepEqual(await members.ready(STEP_MS), { event: 'ready', connected: CONNS, failed: 0 });
  let m = await statsUntil(members, (x) => x.joinAcks >= 9, STEP_MS, '9 join acks');
  assert.equal(m.joinAcks, 9);
  assert.equal(m.messagesReceived, 0, 'a join is answered with J ok only');

  const sender = new lib.Loader({ port, proto, conns: 3, mode: 'groupcast', targetGroups: 3, rate: RATE, srcFirst: `${srcPrefix}.1.1` });
  t.after(() => sender.quit());
  assert.deepEqual(await sender.ready(STEP_MS), { event: 'ready', connected: 3, failed: 0 });
  await sender.command('start');
  await sleep(400);
  await sender.command('stop');
  const g = await sender.command('stats');
  assert.ok(g.sent > 0, `sent: ${JSON.stringify(g)}`);
  assert.equal(g.sendErrors, 0);
  // One sender: its messages go to g0, g1, g2, g0, … in turn.
  const counts = SIZES.map((_, k) => Math.floor((g.sent - k + 2) / 3));
  const expected = counts.reduce((a, c, k) => a + c * SIZES[k]!, 0);
  m = await statsUntil(members, (x) => x.groupReceived >= expected, STEP_MS, `${expected} group deliveries`);
  await sleep(200); // anything more would be a copy to someone outside the group
  m = await members.command('stats');
  assert.equal(m.groupReceived, expected, `counts per group ${counts}`);
  assert.equal(m.messagesReceived, expected);
  assert.equal(m.delivery.zero, CONNS - 9, 'the connections in no group got nothing');
  assert.equal(m.delivery.max, counts[0]);
  assert.equal(m.groupLatencyUs.n, expected);
  assert.ok(m.groupLatencyUs.max > 0);
  const after = await sender.command('stats');
  assert.equal(after.messagesReceived, 0, 'the sender is in no group: no copy for it');
  assert.equal(after.groupReceived, 0);
}

for (const [name, proto] of [['ws', 'websocket'], ['socketio', 'socketio'], ['uws', 'websocket']] as const) {
  test(`bench/${name}-server.js: J joins and is answered J ok, G reaches the group's members only`, { timeout: 60_000, skip: name === 'uws' && !uwsLoads ? 'the uWebSockets.js binary does not load here' : false }, async (t) => {
    const port = await startPeer(t, name);
    await checkGroups(t, port, proto, name === 'ws' ? '127.205' : name === 'socketio' ? '127.206' : '127.207');
  });
}

for (const [proto, srcPrefix] of [['text', '127.208'], ['websocket', '127.209']] as const) {
  test(`gatehouse with bench/app (${proto}): J joins and is answered J ok, G reaches the group's members only`, { timeout: 90_000 }, async (t) => {
    const target = new targets.GatehouseTarget({ engine: 'js', protocol: proto, port: await freePort(), opsPort: await freePort() });
    await target.start();
    t.after(() => target.stop());
    await checkGroups(t, target.port, proto, srcPrefix);
  });
}
