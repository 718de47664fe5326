/**
 * Gateway API queries through the real worker core, over two fake gateways:
 * fan-out, merging, client-addressed routing, gateway errors and timeouts.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { CommandOp, EventKind } from '../../src/protocol/index.js';
import { startHarness, type Harness } from '../fixtures/worker-config.js';
import type { FakeLink } from '../helpers/fake-gateway.js';

let h: Harness;
let l0: FakeLink;
let l1: FakeLink;

const answers: Record<string, unknown>[] = [
  { clientCount: 3, clientIds: ['a'], uids: ['u1', 'u2'], clientIdsByUid: { u2: ['a'] }, groups: { error: 'no groups today' } },
  { clientCount: 4, clientIds: ['b', 'c'], uids: ['u2', 'u3'], clientIdsByUid: { u2: ['b'] }, groups: ['g'], isOnline: true },
];

before(async () => {
  h = await startHarness({
    gateways: 2,
    threads: 1,
    queryTimeout: 300,
    // clientCount with a group argument is never answered by gateway 1: it times out.
    answer: (i) => (op, args) => (op === 'clientCount' && args.length > 0 && i === 1 ? undefined : answers[i]![op]),
  });
  l0 = await h.gateways[0]!.link();
  l1 = await h.gateways[1]!.link();
});
after(async () => {
  await h.close();
});

async function ask(line: string): Promise<string> {
  const gw = h.gateways[0]!;
  const id = gw.newClientId();
  l0.send(id, EventKind.Connect);
  l0.send(id, EventKind.Message, line);
  await l0.waitFor(() => l0.textsTo(id).length >= 2, 3000, `answer to ${line}`);
  return l0.textsTo(id)[1]!;
}

test('the worker links to every local gateway', () => {
  assert.equal(h.worker.stats().links, 2);
});

test('answers of all gateways are merged: counts summed, client ids concatenated, uids unioned', async () => {
  assert.equal(await ask('!query getAllClientCount'), '7');
  assert.deepEqual(JSON.parse(await ask('!query getAllClientIdList')), ['a', 'b', 'c']);
  assert.deepEqual(JSON.parse(await ask('!query getAllUidList')).sort(), ['u1', 'u2', 'u3']);
  assert.equal(await ask('!query getAllUidCount'), '3');
  assert.deepEqual(JSON.parse(await ask('!query getClientIdByUid ["u2"]')), ['a', 'b']);
});

test('a client-addressed query asks only the gateway that holds the client', async () => {
  const other = h.gateways[1]!.newClientId();
  const before0 = l0.received.filter((r) => r.type === 'query').length;
  assert.equal(await ask(`!query isOnline ["${other}"]`), 'true');
  assert.equal(l0.received.filter((r) => r.type === 'query').length, before0);
  const asked = l1.received.filter((r) => r.type === 'query').at(-1) as { op: string; args: unknown[] };
  assert.deepEqual([asked.op, asked.args], ['isOnline', [other]]);
});

test("a gateway's error fails the query with its message", async () => {
  assert.equal(await ask('!query getAllGroupIdList'), `error: gatehouse query groups failed on gateway ${h.gateways[0]!.gatewayId}: no groups today`);
});

test('a query a gateway does not answer fails after queryTimeout, without holding up other clients', async () => {
  const gw = h.gateways[0]!;
  const slowClient = gw.newClientId();
  const t0 = performance.now();
  l0.send(slowClient, EventKind.Connect);
  l0.send(slowClient, EventKind.Message, '!query getClientCountByGroup ["g"]');
  // Meanwhile another client is served at once (the query blocks nothing).
  assert.equal(await ask('zed'), 'welcome zed');
  assert.ok(performance.now() - t0 < 250, 'served while the query waited');
  await l0.waitFor(() => l0.textsTo(slowClient).length >= 2, 3000, 'timeout answer');
  const ms = performance.now() - t0;
  // Gateway 1 never answers clientCount with a group (see the harness above): the error names it.
  assert.equal(l0.textsTo(slowClient)[1], `error: gatehouse query clientCount timed out after 300 ms: no answer from gateway ${h.gateways[1]!.gatewayId} (1 of 2 answered)`);
  assert.ok(ms >= 290 && ms < 1000, `failed after ${ms.toFixed(0)} ms`);
});

test('all-client sends go to every gateway', async () => {
  const id = h.gateways[0]!.newClientId();
  l0.send(id, EventKind.Connect);
  l0.send(id, EventKind.Close, 'bye');
  const text = `left ${id} (bye)`;
  for (const l of [l0, l1]) await l.waitFor(() => l.commands(CommandOp.SendToAll).some((c) => c.text === text), 2000, 'sendToAll');
});
