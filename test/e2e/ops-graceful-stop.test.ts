/**
 * Graceful stop (issue 3, item 5), by `gatehouse stop <app> -g` and by SIGTERM
 * to the supervisor, while text and WebSocket clients each have a slow event in
 * flight: the gateways stop accepting, the events finish and their replies are
 * delivered before the connections close, WebSocket clients get close code
 * 1001, and every process exits within stopTimeout — also when an event never
 * finishes (the deadline cuts it short).
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, test } from 'node:test';
import { closeAllClients, delay, LineClient, WsClient } from '../helpers/clients.js';
import { startOpsApp, type OpsApp } from '../helpers/ops-app.js';
import { describeRun, groupAlive, groupMembers, runCli } from '../helpers/ops-cli.js';
import { waitUntil } from '../helpers/ops-load.js';

const STOP_TIMEOUT_MS = 6000;
const SLOW_MS = 1500;

let app: OpsApp | undefined;

afterEach(async () => {
  closeAllClients();
  await app?.cluster.stop();
  app = undefined;
});

interface Busy {
  tcp: LineClient[];
  ws: WsClient[];
}

async function busyClients(a: OpsApp): Promise<Busy> {
  const tcp: LineClient[] = [];
  const ws: WsClient[] = [];
  for (let i = 0; i < 3; i++) tcp.push(await LineClient.connect(a.cluster.port('tcp'), { label: `tcp ${i}` }));
  for (let i = 0; i < 3; i++) ws.push(await WsClient.connect(a.cluster.port('ws'), '/', { label: `ws ${i}` }));
  // Each proves it is served, then starts a slow event.
  for (const [i, c] of tcp.entries()) {
    c.send(`echo hi${i}`);
    assert.equal(await c.next(10_000), `hi${i}`);
    c.send(`sleep ${SLOW_MS} t${i}`);
  }
  for (const [i, w] of ws.entries()) {
    w.send(`echo hi${i}`);
    assert.equal(await w.nextText(10_000), `hi${i}`);
    w.send(`sleep ${SLOW_MS} w${i}`);
  }
  await delay(200); // the slow events are running now
  return { tcp, ws };
}

async function expectDeliveredThenClosed(busy: Busy): Promise<void> {
  for (const [i, c] of busy.tcp.entries()) {
    assert.equal(await c.next(STOP_TIMEOUT_MS + 2000), `slept t${i}`, `${c.label}: the reply of its in-flight event came before the close`);
    await c.waitClosed(STOP_TIMEOUT_MS + 2000);
  }
  for (const [i, w] of busy.ws.entries()) {
    assert.equal(await w.nextText(STOP_TIMEOUT_MS + 2000), `slept w${i}`, `${w.label}: the reply of its in-flight event came before the close`);
    const info = await w.waitClosed(STOP_TIMEOUT_MS + 2000);
    assert.equal(info.code, 1001, `${w.label}: closed with 1001 (going away), got ${info.code} "${info.reason}"`);
  }
}

/** A connection attempt during the stop is refused, or closed without being served. */
async function expectNotAccepting(a: OpsApp, port: number): Promise<void> {
  let c: LineClient;
  try {
    c = await LineClient.connect(port, { label: 'late client', timeoutMs: 2000 });
  } catch {
    return; // refused: the listener is closed
  }
  c.send('echo late');
  const served = await waitUntil(() => c.history.includes('late'), 2500);
  assert.equal(served, false, `a client that connected during the graceful stop was served\n${a.cluster.tail(10)}`);
}

async function startApp(stopTimeout = STOP_TIMEOUT_MS): Promise<OpsApp> {
  app = await startOpsApp({ fixture: 'ops-faults', gateways: 2, workers: 1, threads: 2, websocket: true, stopTimeout });
  return app;
}

test('stop -g: in-flight replies delivered, WebSocket close 1001, every process gone within stopTimeout', { timeout: 45_000 }, async () => {
  const a = await startApp();
  const name = (JSON.parse(readFileSync(join(a.appDir, 'gatehouse.config.json'), 'utf8')) as { name: string }).name;
  const port = a.cluster.port('tcp');
  const busy = await busyClients(a);
  const args = ['stop', a.appDir, '-g'];
  const stopping = runCli(args, STOP_TIMEOUT_MS + 15_000);
  // Once both gateways say they are stopping, a new client must not be served.
  const bothStopping = await waitUntil(() => a.cluster.lines.filter((l) => l.role === 'gateway' && l.msg === 'gateway stopping').length >= 2, 3000);
  if (!bothStopping) await delay(1000);
  const lateCheck = expectNotAccepting(a, port).then(
    () => null,
    (e: unknown) => e,
  );
  await expectDeliveredThenClosed(busy);
  const lateError = await lateCheck;
  if (lateError) throw lateError;
  const r = await stopping;
  assert.equal(r.code, 0, describeRun(args, r));
  assert.match(r.stdout, new RegExp(`gatehouse: ${name} stopped`), describeRun(args, r));
  assert.ok(r.ms < STOP_TIMEOUT_MS + 3000, `stop -g took ${r.ms} ms (stopTimeout ${STOP_TIMEOUT_MS})`);
  const pgid = a.cluster.process.pid!;
  assert.ok(await waitUntil(() => !groupAlive(pgid), 2000), `no process of the app is left after "stop" returned: ${groupMembers(pgid).join(', ')}`);
});

test('SIGTERM to the supervisor: the same graceful stop', { timeout: 45_000 }, async () => {
  const a = await startApp();
  const busy = await busyClients(a);
  const started = Date.now();
  a.cluster.process.kill('SIGTERM');
  await expectDeliveredThenClosed(busy);
  const exit = await Promise.race([a.cluster.exited, delay(STOP_TIMEOUT_MS + 5000).then(() => null)]);
  assert.ok(exit !== null, `the supervisor did not exit within ${STOP_TIMEOUT_MS + 5000} ms of SIGTERM\n${a.cluster.tail(20)}`);
  const took = Date.now() - started;
  assert.ok(took < STOP_TIMEOUT_MS + 3000, `the graceful stop took ${took} ms (stopTimeout ${STOP_TIMEOUT_MS})`);
  assert.equal(exit.code, 0, `the supervisor exits 0 after a graceful stop (code ${exit.code}, signal ${exit.signal})\n${a.cluster.tail(20)}`);
  const pgid = a.cluster.process.pid!;
  assert.ok(await waitUntil(() => !groupAlive(pgid), 3000), `no process of the app is left: ${groupMembers(pgid).join(', ')}`);
});

test('stop -g with an event that never finishes: every process is gone at the stopTimeout deadline', { timeout: 45_000 }, async () => {
  const deadline = 2500;
  const a = await startApp(deadline);
  const c = await LineClient.connect(a.cluster.port('tcp'), { label: 'hanging client' });
  c.send('echo hi');
  assert.equal(await c.next(10_000), 'hi');
  c.send('hang forever');
  await delay(200);
  const args = ['stop', a.appDir, '-g'];
  const r = await runCli(args, deadline + 15_000);
  assert.equal(r.code, 0, describeRun(args, r));
  assert.ok(r.ms < deadline + 3000, `stop -g took ${r.ms} ms with stopTimeout ${deadline}: the deadline must cut the stuck event short`);
  await c.waitClosed(3000);
  const pgid = a.cluster.process.pid!;
  assert.ok(await waitUntil(() => !groupAlive(pgid), 2000), `no process of the app is left: ${groupMembers(pgid).join(', ')}`);
});
