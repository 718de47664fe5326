/**
 * Zero-downtime reload under a heavy stream through the worker tier (issue 3,
 * item 4): 200 clients each send a numbered line to themselves every 20 ms
 * (~10,000 messages/s) on 2 gateways × 2 business workers, and two `gatehouse
 * reload` run back to back mid-stream. Every client must get every number
 * exactly once and in order, no connection may close, and the events after the
 * second reload must be handled by the new code (the fixture's generation tag).
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startOpsApp, type OpsApp } from '../helpers/ops-app.js';
import { describeRun, isAlive, pidFromFile, runCli, statusJson, rowsOf } from '../helpers/ops-cli.js';
import { destroyLoadClients } from '../helpers/ops-load.js';
import { StreamTracker } from '../helpers/ops-stream.js';
import { delay } from '../helpers/clients.js';

const CLIENTS = 200;
const PERIOD_MS = 20;
/** A cap far above what ~8 s sends, so the stream is still running after slow reloads. */
const MAX_PER_CLIENT = 1000;

let app: OpsApp;

before(async () => {
  app = await startOpsApp({ fixture: 'ops-load', gateways: 2, workers: 2, threads: 2, reloadTimeout: 20_000 });
});

after(async () => {
  destroyLoadClients();
  await app?.cluster.stop();
});

async function reload(expectedReplaced: number): Promise<number> {
  const args = ['reload', app.appDir];
  const r = await runCli(args, 40_000);
  assert.equal(r.code, 0, `reload failed: ${describeRun(args, r)}\n${app.cluster.tail(30)}`);
  assert.match(r.stdout, new RegExp(`reloaded \\(${expectedReplaced} business workers replaced\\)`), describeRun(args, r));
  return r.ms;
}

test('two reloads in a row under ~10,000 private messages/s: every number once, in order, no connection closed, new code runs', { timeout: 85_000 }, async (t) => {
  const oldPids = [pidFromFile(app.runDir, 'worker-0'), pidFromFile(app.runDir, 'worker-1')];
  assert.ok(oldPids.every((p) => p !== null), `worker pid files in ${app.runDir}: ${JSON.stringify(oldPids)}`);

  const stream = await StreamTracker.connect(app.cluster.port('tcp'), CLIENTS, MAX_PER_CLIENT, PERIOD_MS);
  stream.start();
  await delay(1500);

  app.setGeneration('g1');
  const firstMs = await reload(2);
  app.setGeneration('g2');
  const secondMs = await reload(2);
  const afterSecond = stream.sentSoFar();
  await delay(1500);
  stream.stop();

  const complete = await stream.waitComplete(20_000);
  const s = stream.summary();
  t.diagnostic(`reloads took ${firstMs} ms and ${secondMs} ms; ${JSON.stringify({ ...s, examples: undefined })}`);

  assert.equal(s.closed, 0, `${s.closed} of ${CLIENTS} clients were disconnected by the reloads`);
  assert.ok(complete && s.missing === 0, `${s.missing} of ${s.sent} messages never came back: ${s.examples.join('; ')}`);
  assert.deepEqual(s.junk, [], 'only `<n> <gen> <r|->` replies');
  assert.equal(s.duplicates, 0, `a reload must not duplicate: ${s.duplicates} duplicate deliveries (${s.redelivered} flagged redelivered)`);
  assert.equal(s.outOfOrder, 0, `${s.outOfOrder} numbers arrived after a higher one of the same client`);
  assert.ok(s.sent >= CLIENTS * 150, `the stream ran long enough: ${s.sent} messages sent`);

  assert.ok(stream.sentSoFar().some((n, i) => n > afterSecond[i]!), 'the stream went on after the second reload');
  const lateGenerations = stream.generationsFrom(afterSecond);
  assert.deepEqual([...lateGenerations], ['g2'], `events sent after the second reload returned must run the new code; generations seen: ${[...lateGenerations].join(',')}`);
  assert.ok(stream.generationsFrom(stream.tallies.map(() => 0)).has('g0'), 'the first generation handled the start of the stream');

  const newPids = [pidFromFile(app.runDir, 'worker-0'), pidFromFile(app.runDir, 'worker-1')];
  for (let i = 0; i < 2; i++) {
    assert.ok(newPids[i] !== null && newPids[i] !== oldPids[i], `worker-${i}.pid names a new process after reload (${oldPids[i]} → ${newPids[i]})`);
    assert.equal(isAlive(oldPids[i]!), false, `the old worker ${oldPids[i]} exited after its drain`);
  }
  const status = await statusJson(app.appDir);
  const workers = rowsOf(status, 'worker');
  assert.deepEqual(
    workers.map((w) => w.pid).sort(),
    [...newPids].sort(),
    `status lists exactly the new workers: ${JSON.stringify(workers)}`,
  );
  assert.equal(rowsOf(status, 'gateway').length, 2, 'both gateways still there');
});
