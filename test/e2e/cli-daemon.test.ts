/**
 * The daemon's whole life through the CLI, one app, in order: start -d,
 * "already running", status (JSON and table), connections (JSON and table),
 * two reloads that run new code under a connected client, stop -g, restart -d,
 * stop. And a daemon that cannot start says why.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { LineClient, closeAllClients } from '../helpers/clients.js';
import { CLI } from '../helpers/cluster.js';
import { ENGINE_UNDER_TEST } from '../helpers/engine-under-test.js';
import { describe, forceStop, isRunning, readyPort, run, taggedEvents, waitFor, writeCliApp } from '../helpers/cli-commands.js';
import type { ProcessStatus } from '../../src/control/protocol.js';
import { zeroListenerStats } from '../../src/gateway/listener-counters.js';

const app = writeCliApp({ gateways: 2, workers: 2 });
let client: LineClient | null = null;

after(async () => {
  closeAllClients();
  await forceStop(app);
});

function pidOf(name: string): number {
  return Number(readFileSync(join(app.runDir, `${name}.pid`), 'utf8'));
}

type StatusRow = ProcessStatus;

async function statusJson(): Promise<{ processes: StatusRow[]; summary: Record<string, number> }> {
  const r = await run(['status', app.dir, '--json']);
  assert.equal(r.code, 0, describe(['status', '--json'], r));
  return JSON.parse(r.stdout);
}

test('start -d returns once every process is ready, with pid and log file; a second start is refused', async () => {
  const r = await run(['start', app.dir, '-d']);
  assert.equal(r.code, 0, describe(['start', '-d'], r));
  const m = /^gatehouse: (\S+) started \(pid (\d+)\); log: (.+)\n$/.exec(r.stdout);
  assert.ok(m, r.stdout);
  assert.equal(m[1], app.name);
  assert.equal(Number(m[2]), pidOf('supervisor'));
  assert.equal(m[3], join(app.runDir, 'gatehouse.log'));
  for (const name of ['supervisor', 'gateway-0', 'gateway-1', 'worker-0', 'worker-1']) {
    assert.ok(isRunning(pidOf(name)), `${name} runs`);
    if (name !== 'supervisor') assert.ok(existsSync(join(app.runDir, `${name}.ctl`)), `${name}.ctl exists`);
  }
  // The daemon logs JSON lines to its file.
  const first = readFileSync(m[3], 'utf8').split('\n')[0]!;
  assert.equal(typeof JSON.parse(first).msg, 'string');

  const again = await run(['start', app.dir, '-d']);
  assert.equal(again.code, 1);
  assert.equal(again.stderr, `gatehouse: ${app.name} is already running (pid ${m[2]})\n`);
  const foreground = await run(['start', app.dir]);
  assert.equal(foreground.code, 1);
  assert.equal(foreground.stderr, `gatehouse: ${app.name} is already running (pid ${m[2]})\n`);
});

test('a client is served; status --json has one row per process and a summary', async () => {
  client = await LineClient.connect(readyPort(app), { label: 'client' });
  client.send('join');
  assert.equal(await client.next(5000), 'joined');
  client.send('hello');
  assert.equal(await client.next(5000), 'v1:hello');
  const st = await statusJson();
  assert.deepEqual(
    st.processes.map((p) => [p.role, p.index]),
    [['supervisor', null], ['gateway', 0], ['gateway', 1], ['worker', 0], ['worker', 1]],
  );
  for (const p of st.processes) {
    assert.equal(p.pid, pidOf(p.index === null ? p.role : `${p.role}-${p.index}`));
    assert.ok(p.memory > 1_000_000, `${p.role} memory ${p.memory}`);
    for (const k of ['connections', 'messagesIn', 'messagesOut', 'sendFailures', 'events', 'eventsPerSecond', 'uptime'] as const) assert.equal(typeof p[k], 'number', `${p.role}.${k}`);
  }
  assert.deepEqual(st.processes.filter((p) => p.role === 'gateway').map((p) => p.engine), [ENGINE_UNDER_TEST, ENGINE_UNDER_TEST]);
  // The slow-consumer counts that sendFailures adds up, the connect-storm bounds' counts, and
  // every per-listener counter for the app's one listener ("tcp"), per gateway.
  const listeners = { tcp: zeroListenerStats() };
  assert.deepEqual(st.processes.filter((p) => p.role === 'gateway').map((p) => p.details), [
    { slowConsumerDrops: 0, slowConsumerCloses: 0, connectionsRefused: 0, heldForConnectDrops: 0, listeners },
    { slowConsumerDrops: 0, slowConsumerCloses: 0, connectionsRefused: 0, heldForConnectDrops: 0, listeners },
  ]);
  assert.equal(st.summary.connections, 1);
  assert.equal(st.summary.messagesIn, 2);
  assert.equal(st.summary.messagesOut, 2);
  assert.equal(st.summary.processes, 5);
  // Each worker is linked to both gateways.
  assert.deepEqual(st.processes.filter((p) => p.role === 'worker').map((p) => p.connections), [2, 2]);

  const table = await run(['status', app.dir]);
  assert.equal(table.code, 0);
  const lines = table.stdout.trimEnd().split('\n');
  assert.match(lines[1]!, /^ROLE\s+INDEX\s+PID\s+MEMORY\s+CONNS\s+MSG IN\s+MSG OUT\s+SEND FAIL\s+EVENTS\s+EVENTS\/S\s+ENGINE\s+UPTIME$/);
  assert.match(lines.at(-1)!, /^total \(5\)\s+-\s+-\s+\d+ MiB\s+1\s+2\s+2\s/);
  assert.match(table.stdout, /\ngateway\s+0\s+\d+\s+[\d.]+ MiB\s+\d+/);
});

test('connections --json: one row per client with its gateway, address, uid, groups and byte counts', async () => {
  const r = await run(['connections', app.dir, '--json']);
  assert.equal(r.code, 0, describe(['connections', '--json'], r));
  const report = JSON.parse(r.stdout) as { total: number; connections: Record<string, unknown>[] };
  assert.equal(report.total, 1);
  const [row] = report.connections;
  assert.ok(row);
  assert.match(String(row.clientId), /^[0-9a-f]{20,}$/);
  assert.ok(row.gateway === 0 || row.gateway === 1);
  assert.equal(row.transport, 'text');
  assert.equal(row.remoteAddress, `127.0.0.1:${client!.localPort}`);
  assert.equal(row.uid, 'u1');
  assert.deepEqual(row.groups, ['room']);
  assert.equal(row.bytesIn, 'join\nhello\n'.length);
  assert.equal(row.bytesOut, 'joined\nv1:hello\n'.length);
  assert.equal(row.sendQueue, 0);
  assert.equal(row.slowConsumerDrops, 0);

  const limited = JSON.parse((await run(['connections', app.dir, '--json', '--limit', '0'])).stdout);
  assert.deepEqual([limited.total, limited.connections.length], [1, 0]);
  const table = await run(['connections', app.dir]);
  assert.match(table.stdout, /^CLIENT ID\s+GATEWAY\s+TRANSPORT\s+REMOTE ADDRESS\s+UID\s+GROUPS\s+BYTES IN\s+BYTES OUT\s+SEND QUEUE\s+DROPS\n/);
  assert.ok(table.stdout.includes(String(row.clientId)));
  assert.match(table.stdout, /\n1 connection\n$/);
});

test('status --watch redraws every second until Ctrl-C', async () => {
  const child = spawn(process.execPath, [CLI, 'status', app.dir, '--watch', '--json'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  await waitFor('three refreshes', () => out.trim().split('\n').length >= 3, 8000);
  child.kill('SIGINT');
  assert.equal(await exited, 0);
  for (const line of out.trim().split('\n')) assert.equal(JSON.parse(line).summary.processes, 5);
  // The table form clears the screen before each refresh.
  const table = spawn(process.execPath, [CLI, 'status', app.dir, '--watch'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let text = '';
  table.stdout.setEncoding('utf8').on('data', (d: string) => (text += d));
  const tableExited = new Promise<number | null>((r) => table.once('exit', (code) => r(code)));
  await waitFor('two tables', () => text.split('\x1b[2J\x1b[H').filter((t) => t.includes('total (5)')).length >= 2, 8000);
  table.kill('SIGINT');
  assert.equal(await tableExited, 0);
});

test('reload twice: new code runs, the workers are new processes, the client stays connected', async () => {
  const c = client!;
  const before = [pidOf('worker-0'), pidOf('worker-1')];
  const gateways = [pidOf('gateway-0'), pidOf('gateway-1')];
  for (const tag of ['v2', 'v3']) {
    app.setEvents(taggedEvents(tag));
    const r = await run(['reload', app.dir], 40_000);
    assert.equal(r.code, 0, describe(['reload'], r));
    assert.equal(r.stdout, `gatehouse: ${app.name} reloaded (2 business workers replaced)\n`);
    c.send(`after ${tag}`);
    assert.equal(await c.next(5000), `${tag}:after ${tag}`);
  }
  // Two reloads at once: one runs, the other is refused. The new code takes 2 s to start, so the
  // first reload is still running when the second arrives, however fast this machine is.
  app.setEvents(taggedEvents('v4', { startMs: 2000 }));
  const [x, y] = await Promise.all([run(['reload', app.dir], 40_000), new Promise((r) => setTimeout(r, 150)).then(() => run(['reload', app.dir], 40_000))]);
  // Whichever reached the supervisor first ran (process start-up order varies under load).
  assert.deepEqual([x.code, y.code].sort(), [0, 1], `${describe(['reload'], x)}\n${describe(['reload'], y)}`);
  assert.equal((x.code === 1 ? x : y).stderr, `gatehouse: cannot reload ${app.name}: a reload is already running\n`);
  c.send('after both');
  assert.equal(await c.next(5000), 'v4:after both');
  const now = [pidOf('worker-0'), pidOf('worker-1')];
  for (const pid of now) assert.ok(!before.includes(pid), `worker pids changed: ${before} → ${now}`);
  await waitFor('the old workers exited', () => before.every((p) => !isRunning(p)));
  assert.deepEqual([pidOf('gateway-0'), pidOf('gateway-1')], gateways, 'the gateways stay');
  assert.equal(c.isClosed, false, 'the client was never closed');
  const st = await statusJson();
  assert.deepEqual(st.processes.filter((p) => p.role === 'worker').map((p) => p.pid), now);
  // Back to the quick-starting v3 the next tests expect.
  app.setEvents(taggedEvents('v3'));
  const back = await run(['reload', app.dir], 40_000);
  assert.equal(back.code, 0, describe(['reload'], back));
});

test('a reload whose new code cannot start fails and keeps the running workers', async () => {
  const c = client!;
  const before = [pidOf('worker-0'), pidOf('worker-1')];
  app.setEvents('throw new Error("broken release");\n');
  const r = await run(['reload', app.dir], 40_000);
  assert.equal(r.code, 1, describe(['reload'], r));
  assert.match(r.stderr, new RegExp(`^gatehouse: cannot reload ${app.name}: reload failed: worker-\\d \\(pid \\d+\\) exited before it was ready .*; the running business workers were kept\n$`));
  c.send('still');
  assert.equal(await c.next(5000), 'v3:still');
  assert.deepEqual([pidOf('worker-0'), pidOf('worker-1')], before);
  // Their control sockets answer again (taken back from the failed generation).
  let workers: (StatusRow & { unreachable?: string })[] = [];
  for (let i = 0; i < 40; i++) {
    workers = (await statusJson()).processes.filter((p) => p.role === 'worker');
    if (workers.every((w) => w.unreachable === undefined)) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  assert.deepEqual(workers.map((w) => [w.pid, w.unreachable]), before.map((p) => [p, undefined]));
  app.setEvents(taggedEvents('v3'));
});

test('stop -g: every process gone, the client closed, the run directory clean', async () => {
  const pids = ['supervisor', 'gateway-0', 'gateway-1', 'worker-0', 'worker-1'].map(pidOf);
  const r = await run(['stop', app.dir, '-g'], 30_000);
  assert.equal(r.code, 0, describe(['stop', '-g'], r));
  assert.equal(r.stdout, `gatehouse: ${app.name} stopped\n`);
  for (const pid of pids) assert.equal(isRunning(pid), false, `pid ${pid} is gone`);
  await client!.waitClosed(5000);
  assert.deepEqual(readdirSync(app.runDir).filter((f) => /\.(pid|ctl|sock)$/.test(f)), []);
  // Graceful order: every gateway is asked to stop before any worker.
  const log = readFileSync(join(app.runDir, 'gatehouse.log'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { msg: string; role: string; time: number; graceful?: boolean });
  const since = log.findLastIndex((l) => l.role === 'supervisor' && l.msg === 'stopping every process');
  assert.ok(since >= 0 && log[since]!.graceful === true);
  const stops = log.slice(since).filter((l) => / stopping$/.test(l.msg));
  assert.deepEqual(stops.map((l) => l.role).sort(), ['gateway', 'gateway', 'worker', 'worker']);
  const lastGatewayStop = Math.max(...stops.filter((l) => l.role === 'gateway').map((l) => l.time));
  const gatewaysGone = log.slice(since).filter((l) => l.role === 'worker' && / stopping$/.test(l.msg));
  assert.ok(gatewaysGone.every((l) => l.time >= lastGatewayStop), 'workers are asked to stop after the gateways');
});

test('restart -d starts a stopped app, and restarts a running one with a new supervisor; stop is quick', async () => {
  const first = await run(['restart', app.dir, '-d']);
  assert.equal(first.code, 0, describe(['restart', '-d'], first));
  assert.match(first.stdout, /^gatehouse: \S+ started \(pid \d+\)/);
  const pid1 = pidOf('supervisor');
  const second = await run(['restart', app.dir, '-d'], 40_000);
  assert.equal(second.code, 0, describe(['restart', '-d'], second));
  assert.match(second.stdout, new RegExp(`^gatehouse: ${app.name} stopped\\ngatehouse: ${app.name} started \\(pid \\d+\\)`));
  const pid2 = pidOf('supervisor');
  assert.notEqual(pid1, pid2);
  assert.equal(isRunning(pid1), false);
  const c = await LineClient.connect(readyPort(app), { label: 'after restart' });
  c.send('x');
  assert.equal(await c.next(5000), 'v3:x');
  const started = Date.now();
  const r = await run(['stop', app.dir]);
  assert.equal(r.code, 0, describe(['stop'], r));
  assert.ok(Date.now() - started < 8000, `immediate stop took ${Date.now() - started} ms`);
  assert.equal(isRunning(pid2), false);
});

test('a daemon that cannot start says why (with the log) and leaves nothing running', async () => {
  const broken = writeCliApp({ events: 'throw new Error("cannot load this app");\n' });
  try {
    const r = await run(['start', broken.dir, '-d'], 45_000);
    assert.equal(r.code, 1, describe(['start', '-d'], r));
    assert.match(r.stderr, new RegExp(`^gatehouse: ${broken.name} did not start: (worker-0 exited before it was ready|the supervisor exited)`));
    assert.match(r.stderr, /cannot load this app/);
    const st = await run(['status', broken.dir]);
    assert.equal(st.code, 1, describe(['status'], st));
  } finally {
    await forceStop(broken);
  }
});
