/**
 * Crash isolation inside a business worker (issue 3, item 6), on 1 gateway ×
 * 1 worker × 1 pool thread so that every client's events share the thread and
 * the process that crashes:
 *
 * - a handler calls process.exit() in its thread: piscina replaces the thread,
 *   the event that was in flight is tried again and succeeds, the client stays
 *   connected and its next message is answered, the neighbours are answered;
 * - a poison event kills its thread every time: tried twice (the crash, then
 *   one redelivery on its own), then logged with its client id and given up;
 *   the neighbours that were in flight in the same crash are all answered;
 * - a poison event SIGKILLs its whole worker process every time: the same, and
 *   the supervisor restarts the worker.
 */
import assert from 'node:assert/strict';
import { after, afterEach, before, test } from 'node:test';
import { closeAllClients, delay, LineClient } from '../helpers/clients.js';
import { showLines, startOpsApp, warningsMentioning, type OpsApp } from '../helpers/ops-app.js';
import { isAlive, pidFromFile, processCounter } from '../helpers/ops-cli.js';
import { destroyLoadClients, Ticker, waitUntil } from '../helpers/ops-load.js';

let app: OpsApp;

before(async () => {
  app = await startOpsApp({ fixture: 'ops-faults', gateways: 1, workers: 1, threads: 1 });
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

/**
 * eventsFailed of the gateway and the worker together (either may be the one
 * that gives an event up), or of the given processes only.
 */
async function eventsFailed(names = ['gateway-0', 'worker-0']): Promise<number> {
  const counts = await Promise.all(names.map((name) => processCounter(app.runDir, name, 'eventsFailed').catch(() => null)));
  assert.ok(counts.some((c) => c !== null), `${names.join(' or ')} reports eventsFailed in its status: ${JSON.stringify(counts)}`);
  return counts.reduce<number>((sum, c) => sum + (c ?? 0), 0);
}

/** Neighbours with a slow event each in flight, sent before the crash and answered only after it. */
async function neighboursInFlight(tag: string, n: number, sleepMs: number): Promise<LineClient[]> {
  const out: LineClient[] = [];
  for (let i = 0; i < n; i++) {
    const { c } = await client(`${tag} neighbour ${i}`);
    out.push(c);
  }
  for (let i = 0; i < n; i++) out[i]!.send(`sleep ${sleepMs} ${tag}-${i}`);
  await delay(150); // they are now running on the one thread, awaiting
  return out;
}

async function expectNeighboursAnswered(tag: string, neighbours: LineClient[]): Promise<void> {
  for (let i = 0; i < neighbours.length; i++) {
    const c = neighbours[i]!;
    const got = await c.next(20_000);
    assert.equal(got, `slept ${tag}-${i}`, `${c.label}: its in-flight event was answered after the crash`);
    c.send(`echo ${tag}-after-${i}`);
    assert.equal(await c.next(10_000), `${tag}-after-${i}`, `${c.label}: still served`);
    assert.equal(c.isClosed, false);
  }
}

/** Keeps a few clients sending echo lines; check() asserts they got every answer. */
async function backgroundTraffic(tag: string, n: number): Promise<{ stop(): void; check(): Promise<void> }> {
  const cs: LineClient[] = [];
  for (let i = 0; i < n; i++) cs.push((await client(`${tag} traffic ${i}`)).c);
  const sent = cs.map(() => 0);
  const ticker = new Ticker(50, () => cs.forEach((c, i) => c.send(`echo ${tag}-${i}-${sent[i]!++}`)));
  ticker.start();
  return {
    stop: () => ticker.stop(),
    check: async () => {
      for (let i = 0; i < n; i++) {
        const c = cs[i]!;
        const want = new Set(Array.from({ length: sent[i]! }, (_, k) => `${tag}-${i}-${k}`));
        const ok = await waitUntil(() => [...want].every((w) => c.history.includes(w)), 20_000);
        const missing = [...want].filter((w) => !c.history.includes(w));
        assert.ok(ok, `${c.label}: ${missing.length} of ${want.size} answers missing (${missing.slice(0, 5).join(', ')})`);
        assert.equal(c.isClosed, false, `${c.label} stays connected`);
      }
    },
  };
}

test('process.exit() in a handler\'s thread: the thread is replaced, the event retried, the client and its neighbours served', { timeout: 40_000 }, async () => {
  const neighbours = await neighboursInFlight('t1', 3, 800);
  const { c } = await client('exiter');
  c.send('exit-once e1');
  const reply = await c.next(20_000);
  assert.match(reply, /^survived e1 [r-]$/, 'the event in flight when its thread died is handled on a new thread');
  assert.equal(app.attempts('e1').length, 1, 'the first attempt was recorded before the thread exited');
  c.send('echo next');
  assert.equal(await c.next(10_000), 'next', 'the client\'s next message is answered');
  assert.equal(c.isClosed, false, 'the client stays connected');
  await expectNeighboursAnswered('t1', neighbours);
});

test('a poison event that kills its thread every time: tried twice, logged with its client id, neighbours answered', { timeout: 40_000 }, async () => {
  const failedBefore = await eventsFailed();
  const traffic = await backgroundTraffic('pt', 2);
  const neighbours = await neighboursInFlight('pt', 4, 1000);
  const { c, id } = await client('thread poisoner');
  c.send('poison-thread pt');
  await expectNeighboursAnswered('pt', neighbours);
  const logged = await waitUntil(() => warningsMentioning(app.cluster, id).length > 0, 15_000);
  assert.ok(logged, `a warning or error naming client ${id} was logged for the poison event\n${showLines(app.cluster.lines, 20)}`);
  assert.equal(app.attempts('pt').length, 2, `the poison event ran once, then once more on its own: attempts ${JSON.stringify(app.attempts('pt'))}`);
  c.send('echo alive');
  assert.equal(await c.next(10_000), 'alive', 'the poisoner itself stays connected and served');
  await delay(500);
  assert.equal(app.attempts('pt').length, 2, 'no further retries');
  assert.equal(await eventsFailed(), failedBefore + 1, 'the poison event is counted as failed, once');
  traffic.stop();
  await traffic.check();
});

test('a poison event that SIGKILLs its worker process every time: tried twice, logged, neighbours answered, worker restarted', { timeout: 50_000 }, async () => {
  const before = pidFromFile(app.runDir, 'worker-0');
  assert.ok(before !== null, 'worker-0.pid');
  const failedBefore = await eventsFailed(['gateway-0']);
  const traffic = await backgroundTraffic('pp', 2);
  const neighbours = await neighboursInFlight('pp', 4, 1000);
  const { c, id } = await client('process poisoner');
  c.send('poison-process pp');
  await expectNeighboursAnswered('pp', neighbours);
  const logged = await waitUntil(() => warningsMentioning(app.cluster, id).length > 0, 15_000);
  assert.ok(logged, `a warning or error naming client ${id} was logged for the poison event\n${showLines(app.cluster.lines, 20)}`);
  const attempts = app.attempts('pp');
  assert.equal(attempts.length, 2, `the poison event ran once, then once more on its own: attempts ${JSON.stringify(attempts)}`);
  assert.equal(attempts[1]![2], 'r', 'the second attempt was flagged ctx.redelivered');
  c.send('echo alive');
  assert.equal(await c.next(15_000), 'alive', 'the poisoner itself stays connected and served');
  const now = pidFromFile(app.runDir, 'worker-0');
  assert.ok(now !== null && now !== before && isAlive(now), `the supervisor restarted the worker (${before} → ${now})`);
  assert.equal(isAlive(before), false, 'the poisoned worker is gone');
  assert.equal(await eventsFailed(['gateway-0']), failedBefore + 1, 'the gateway counts the poison event as failed, once (the worker that ran it died)');
  traffic.stop();
  await traffic.check();
});
