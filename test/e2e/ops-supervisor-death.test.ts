/**
 * Supervisor death (issue 3, item 7): after SIGKILL of the supervisor, the
 * gateways and business workers keep serving text and WebSocket clients;
 * `gatehouse status --json` and `connections --json` still reach them through
 * the run directory;
 * `gatehouse reload` refuses with a clear error; `gatehouse stop` stops them
 * all, leaving no process behind.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { closeAllClients, delay, LineClient, WsClient } from '../helpers/clients.js';
import { startOpsApp, type OpsApp } from '../helpers/ops-app.js';
import { commandLine, describeRun, groupAlive, groupMembers, isAlive, pidFiles, rowsOf, runCli, statusJson } from '../helpers/ops-cli.js';
import { waitUntil } from '../helpers/ops-load.js';

let app: OpsApp;
let tcp: LineClient[];
let ws: WsClient[];
let childPids: Map<string, number>;

before(async () => {
  app = await startOpsApp({ fixture: 'ops-faults', gateways: 2, workers: 2, threads: 1, websocket: true, stopTimeout: 3000 });
  tcp = [];
  ws = [];
  for (let i = 0; i < 4; i++) tcp.push(await LineClient.connect(app.cluster.port('tcp'), { label: `tcp ${i}` }));
  for (let i = 0; i < 4; i++) ws.push(await WsClient.connect(app.cluster.port('ws'), '/', { label: `ws ${i}` }));
  for (const [i, c] of tcp.entries()) {
    c.send(`echo before${i}`);
    assert.equal(await c.next(10_000), `before${i}`);
  }
  for (const [i, w] of ws.entries()) {
    w.send(`echo before${i}`);
    assert.equal(await w.nextText(10_000), `before${i}`);
  }
  childPids = pidFiles(app.runDir);
  childPids.delete('supervisor');
  app.cluster.process.kill('SIGKILL');
  await app.cluster.exited;
  await delay(1000); // a child that exits on losing its channel would be gone by now
});

/** Gateways and workers (the register, if any, is not promised to outlive the supervisor). */
function servingPids(): [string, number][] {
  return [...childPids].filter(([name]) => /^(gateway|worker)-\d+$/.test(name));
}

after(async () => {
  closeAllClients();
  await app?.cluster.stop();
});

test('gateways and workers outlive the supervisor and keep serving every client', { timeout: 30_000 }, async () => {
  assert.ok(childPids.has('gateway-0') && childPids.has('gateway-1') && childPids.has('worker-0') && childPids.has('worker-1'), `pid files of every child: ${JSON.stringify([...childPids])}`);
  for (const [name, pid] of servingPids()) assert.ok(isAlive(pid), `${name} (pid ${pid}) is still alive after the supervisor's death`);
  for (const [i, c] of tcp.entries()) {
    assert.equal(c.isClosed, false, `${c.label} stays connected`);
    c.send(`echo after${i}`);
    assert.equal(await c.next(10_000), `after${i}`, `${c.label} is still served`);
  }
  for (const [i, w] of ws.entries()) {
    assert.equal(w.isClosed, false, `${w.label} stays connected`);
    w.send(`echo after${i}`);
    assert.equal(await w.nextText(10_000), `after${i}`, `${w.label} is still served`);
  }
});

test('new clients are still accepted and served without the supervisor', { timeout: 30_000 }, async () => {
  const c = await LineClient.connect(app.cluster.port('tcp'), { label: 'new tcp client' });
  c.send('echo fresh');
  assert.equal(await c.next(10_000), 'fresh');
  const w = await WsClient.connect(app.cluster.port('ws'), '/', { label: 'new ws client' });
  w.send('echo fresh');
  assert.equal(await w.nextText(10_000), 'fresh');
});

test('status --json reaches the gateways and workers through the run directory', { timeout: 30_000 }, async () => {
  const status = await statusJson(app.appDir);
  const gateways = rowsOf(status, 'gateway');
  const workers = rowsOf(status, 'worker');
  assert.deepEqual(
    gateways.map((g) => g.pid).sort(),
    [childPids.get('gateway-0'), childPids.get('gateway-1')].sort(),
    `status lists both gateways: ${JSON.stringify(status.processes)}`,
  );
  assert.deepEqual(
    workers.map((w) => w.pid).sort(),
    [childPids.get('worker-0'), childPids.get('worker-1')].sort(),
    `status lists both workers: ${JSON.stringify(status.processes)}`,
  );
  const connections = gateways.reduce((n, g) => n + g.connections, 0);
  assert.ok(connections >= tcp.length + ws.length, `the gateways report their clients (${connections})`);
});

test('connections --json lists every client through the gateways\' control sockets', { timeout: 30_000 }, async () => {
  const args = ['connections', app.appDir, '--json'];
  const r = await runCli(args, 15_000);
  assert.equal(r.code, 0, describeRun(args, r));
  const report = JSON.parse(r.stdout) as { connections: { clientId: string; gateway: number; transport: string; remoteAddress: string; bytesIn: number; bytesOut: number; sendQueue: number }[] };
  assert.ok(Array.isArray(report.connections), describeRun(args, r));
  // Keyed by transport and client port: the kernel may give a TCP client and a WebSocket
  // client the same local port, since they connect to different listener ports.
  const byPort = new Map(report.connections.map((c) => [`${c.transport}:${Number(c.remoteAddress.slice(c.remoteAddress.lastIndexOf(':') + 1))}`, c]));
  const ours = [...tcp.map((c) => ({ port: c.localPort, transport: 'text', label: c.label })), ...ws.map((w) => ({ port: w.localPort, transport: 'websocket', label: w.label }))];
  for (const o of ours) {
    const row = byPort.get(`${o.transport}:${o.port}`);
    assert.ok(row, `${o.label} (port ${o.port}) is listed: ${r.stdout.slice(0, 1500)}`);
    assert.equal(row.transport, o.transport, `${o.label}: transport`);
    assert.match(row.clientId, /^[0-9a-f]{24}$/, `${o.label}: client id`);
    assert.ok([0, 1].includes(row.gateway), `${o.label}: gateway index ${row.gateway}`);
    assert.ok(row.bytesIn > 0 && row.bytesOut > 0, `${o.label}: bytes in/out counted (${row.bytesIn}/${row.bytesOut})`);
  }
});

test('reload without a supervisor fails with a clear error', { timeout: 30_000 }, async () => {
  const args = ['reload', app.appDir];
  const r = await runCli(args, 20_000);
  assert.equal(r.code, 1, describeRun(args, r));
  assert.match(r.stderr, /^gatehouse: .*supervisor/m, `the error names the missing supervisor: ${describeRun(args, r)}`);
  for (const [name, pid] of servingPids()) assert.ok(isAlive(pid), `${name} survives the refused reload`);
});

test('stop stops every process of the app', { timeout: 30_000 }, async () => {
  const args = ['stop', app.appDir];
  const r = await runCli(args, 20_000);
  assert.equal(r.code, 0, describeRun(args, r));
  assert.match(r.stdout, /stopped/, describeRun(args, r));
  for (const [name, pid] of childPids) assert.equal(isAlive(pid), false, `${name} (pid ${pid}, ${commandLine(pid)}) is gone once stop returned`);
  const pgid = app.cluster.process.pid!;
  assert.ok(await waitUntil(() => !groupAlive(pgid), 2000), `no process of the app is left: ${groupMembers(pgid).map((p) => `${p} ${commandLine(p)}`).join('; ')}`);
  for (const c of tcp) await c.waitClosed(5000);
  const st = await runCli(['status', app.appDir, '--json'], 15_000);
  assert.equal(st.code, 1, `status after stop reports "not running": ${describeRun(['status'], st)}`);
  assert.match(st.stderr, /is not running/, describeRun(['status'], st));
});
