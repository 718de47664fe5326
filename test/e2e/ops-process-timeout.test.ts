/**
 * Handlers that run past `worker.processTimeout` (issue 3, item 6), with the
 * timeout at 500 ms on 1 gateway × 1 worker × 2 threads: a busy loop (which
 * holds its thread: the thread must be replaced) and a promise that never
 * settles are each logged with the client id and counted; that client's next
 * message is answered, and other clients keep being served meanwhile.
 */
import assert from 'node:assert/strict';
import { after, afterEach, before, test } from 'node:test';
import { closeAllClients, delay, LineClient } from '../helpers/clients.js';
import { showLines, startOpsApp, warningsMentioning, type OpsApp } from '../helpers/ops-app.js';
import { processCounter } from '../helpers/ops-cli.js';
import { destroyLoadClients, Ticker, waitUntil } from '../helpers/ops-load.js';

let app: OpsApp;

before(async () => {
  app = await startOpsApp({ fixture: 'ops-faults', gateways: 1, workers: 1, threads: 2, worker: { processTimeout: 500 } });
});

afterEach(() => closeAllClients());

after(async () => {
  destroyLoadClients();
  closeAllClients();
  await app?.cluster.stop();
});

async function client(label: string): Promise<{ c: LineClient; id: string }> {
  const c = await LineClient.connect(app.cluster.port('tcp'), { label });
  c.send('id');
  const id = /^id (\S+)$/.exec(await c.next(10_000))?.[1];
  assert.ok(id, `${label}: its client id`);
  return { c, id };
}

/** A client answering echoes every 50 ms while the stuck handler runs; returns a check of its answers. */
async function bystander(tag: string): Promise<{ stop(): void; check(maxLatencyMs: number): Promise<void> }> {
  const { c } = await client(`${tag} bystander`);
  const sentAt: number[] = [];
  const latencies: number[] = [];
  c.ignore = (line) => {
    const m = new RegExp(`^${tag}-(\\d+)$`).exec(line);
    if (m) latencies[Number(m[1])] = Date.now() - sentAt[Number(m[1])]!;
    return false;
  };
  const ticker = new Ticker(50, () => {
    c.send(`echo ${tag}-${sentAt.length}`);
    sentAt.push(Date.now());
  });
  ticker.start();
  return {
    stop: () => ticker.stop(),
    check: async (maxLatencyMs) => {
      const ok = await waitUntil(() => latencies.filter((l) => l !== undefined).length === sentAt.length, 10_000);
      assert.ok(ok, `${c.label}: answered ${latencies.filter((l) => l !== undefined).length} of ${sentAt.length} echoes`);
      const worst = Math.max(...latencies);
      assert.ok(worst < maxLatencyMs, `${c.label}: an echo waited ${worst} ms while another client's handler was stuck`);
      assert.equal(c.isClosed, false);
    },
  };
}

async function timedOutCount(): Promise<number | null> {
  // `status --json` shows the table's columns; the worker's own control socket has its counters.
  return processCounter(app.runDir, 'worker-0', 'eventsTimedOut');
}

test('a busy loop past processTimeout: logged with the client id, thread replaced, the client\'s next message answered', { timeout: 40_000 }, async () => {
  const others = await bystander('bb');
  const { c, id } = await client('busy looper');
  c.send('block 15000 busy');
  await delay(100);
  c.send('echo after-busy');
  // Answered once the stuck thread is replaced (soon after 500 ms), long before the loop would end.
  const reply = await c.next(8000);
  assert.equal(reply, 'after-busy', 'the client\'s next event goes on without waiting for the busy loop');
  const logged = await waitUntil(() => warningsMentioning(app.cluster, id).length > 0, 5000);
  assert.ok(logged, `the timeout was logged with client id ${id}\n${showLines(app.cluster.lines, 20)}`);
  others.stop();
  await others.check(5000);
  const counted = await timedOutCount();
  assert.ok(counted !== null && counted >= 1, `the worker counts the timed-out event (worker-0.ctl status eventsTimedOut = ${counted})`);
  c.send('echo again');
  assert.equal(await c.next(5000), 'again');
});

test('a promise that never settles past processTimeout: logged with the client id, the client\'s next message answered', { timeout: 40_000 }, async () => {
  const before = (await timedOutCount()) ?? 0;
  const others = await bystander('hh');
  const { c, id } = await client('hanger');
  c.send('hang h');
  await delay(100);
  c.send('echo after-hang');
  assert.equal(await c.next(8000), 'after-hang', 'the client\'s next event goes on after the timeout');
  const logged = await waitUntil(() => warningsMentioning(app.cluster, id).length > 0, 5000);
  assert.ok(logged, `the timeout was logged with client id ${id}\n${showLines(app.cluster.lines, 20)}`);
  others.stop();
  await others.check(3000);
  const counted = await timedOutCount();
  assert.ok(counted !== null && counted > before, `the worker counts the timed-out event (eventsTimedOut ${before} → ${counted})`);
});
