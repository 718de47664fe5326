/**
 * Backpressure instead of loss (issue 3, item 6): with gateway.maxUnackedEvents
 * at its minimum (16) and a slow app (each event awaits a few ms), clients that
 * flood the gateway with hundreds of messages in one write make it stop reading
 * from them (logged) rather than drop anything: every message is handled
 * exactly once, in each client's order, and nobody is disconnected.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { closeAllClients, LineClient } from '../helpers/clients.js';
import { showLines, startOpsApp, type OpsApp } from '../helpers/ops-app.js';
import { waitUntil } from '../helpers/ops-load.js';

const FLOODERS = 4;
const MESSAGES = 400;

let app: OpsApp;

before(async () => {
  app = await startOpsApp({ fixture: 'ops-faults', gateways: 1, workers: 1, threads: 1, gateway: { maxUnackedEvents: 16 } });
});

after(async () => {
  closeAllClients();
  await app?.cluster.stop();
});

test('a flood beyond maxUnackedEvents pauses reading; every message is handled once, in order', { timeout: 60_000 }, async (t) => {
  const clients: LineClient[] = [];
  for (let i = 0; i < FLOODERS; i++) {
    const c = await LineClient.connect(app.cluster.port('tcp'), { label: `flooder ${i}` });
    c.send('echo ready'); // a round trip: the gateway holds this client before anyone floods
    assert.equal(await c.next(10_000), 'ready');
    clients.push(c);
  }
  for (let i = 0; i < FLOODERS; i++) {
    const lines = Array.from({ length: MESSAGES }, (_, k) => `sleep 3 f${i}-${k}\n`).join('');
    clients[i]!.socket.write(lines); // the whole flood in one write
  }
  const started = Date.now();
  const done = await waitUntil(() => clients.every((c) => c.history.length > MESSAGES) || clients.some((c) => c.isClosed), 45_000, 100);
  t.diagnostic(`${FLOODERS} × ${MESSAGES} slow events handled in ${Date.now() - started} ms`);

  const expected = (i: number): string[] => ['ready', ...Array.from({ length: MESSAGES }, (_, k) => `slept f${i}-${k}`)];
  if (!done || clients.some((c) => c.isClosed || c.history.length <= MESSAGES)) {
    const report = clients.map((c, i) => {
      const got = new Set(c.history);
      const missing = expected(i).filter((e) => !got.has(e));
      return `${c.label}${c.isClosed ? ' (closed)' : ''}: ${c.history.length - 1} replies, ${missing.length} missing (first: ${missing.slice(0, 3).join(', ')})`;
    });
    assert.fail(`not every message was handled (or a client was closed):\n${report.join('\n')}\n${showLines(app.cluster.lines, 15)}`);
  }
  for (let i = 0; i < FLOODERS; i++) {
    const c = clients[i]!;
    assert.equal(c.isClosed, false, `${c.label} stays connected`);
    assert.deepEqual(c.history, expected(i), `${c.label}: every message handled exactly once, in order`);
  }
  const paused = app.cluster.lines.filter((l) => l.role === 'gateway' && /paus/i.test(String(l.msg)));
  assert.ok(paused.length > 0, `the gateway logged that it paused reading from clients\n${showLines(app.cluster.lines, 20)}`);
});
