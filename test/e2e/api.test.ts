/**
 * Every Gateway API method, across 2 gateway processes and 2 business-worker
 * processes (set by the --gateways/--workers/--threads flags over a config that
 * says 1): clients are spread over both gateways (checked through the gateway
 * prefix of their ids) and every call is made from a client on one gateway
 * about clients on both.
 *
 * "Does not receive" is checked with a marker: the calling handler sends a
 * marker to everyone after the send under test; commands of one handler reach
 * each gateway in order, so a client's next line must be the message (if it is
 * a target) or the marker (if it is not).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { isDeepStrictEqual } from 'node:util';
import { ApiClient, bytesArg } from '../helpers/api-client.js';
import { closeAllClients, eventually } from '../helpers/clients.js';
import { fixtureApp, startCluster, type Cluster } from '../helpers/cluster.js';

const PER_GATEWAY = 5;
const MAX_CONNECTIONS = 60;

let cluster: Cluster;
let port: number;
/** Every client that is connected. */
let all: ApiClient[] = [];
/** Clients on the first gateway (a) and on the second (b). */
let a: ApiClient[] = [];
let b: ApiClient[] = [];

function sorted<T>(xs: readonly T[]): T[] {
  return [...xs].sort();
}

/** Connects clients (4 at a time) until both gateways hold PER_GATEWAY of them. */
async function connectSpread(): Promise<void> {
  const byGateway = new Map<string, ApiClient[]>();
  while (all.length < MAX_CONNECTIONS) {
    const batch = await Promise.all([0, 1, 2, 3].map(() => ApiClient.connect(port)));
    for (const c of batch) {
      all.push(c);
      const list = byGateway.get(c.gateway) ?? [];
      list.push(c);
      byGateway.set(c.gateway, list);
    }
    const lists = [...byGateway.values()];
    if (lists.length >= 2 && lists.every((l) => l.length >= PER_GATEWAY)) break;
  }
  const lists = [...byGateway.entries()];
  const summary = lists.map(([g, l]) => `${g}: ${l.length}`).join(', ');
  assert.equal(lists.length, 2, `expected clients on exactly 2 gateways after ${all.length} connections, got ${summary}`);
  assert.ok(
    lists.every(([, l]) => l.length >= PER_GATEWAY),
    `expected at least ${PER_GATEWAY} clients on each gateway after ${all.length} connections, got ${summary}`,
  );
  a = lists[0]![1];
  b = lists[1]![1];
}

/** Expects, for every connected client, the lines it should get next (ending with the marker). */
async function expectLines(expected: Map<ApiClient, string[]>, marker: string): Promise<void> {
  await Promise.all(
    all.map(async (c) => {
      const want = [...(expected.get(c) ?? []), marker];
      const got = await c.collect(want.length);
      assert.deepEqual(got, want, `client ${c.id} (gateway ${c.gateway})`);
    }),
  );
}

before(async () => {
  cluster = await startCluster({
    app: {
      events: fixtureApp('api'),
      listeners: [{ name: 'tcp', protocol: 'text' }],
      gateway: { count: 1 },
      worker: { count: 1, threads: 1 },
    },
    flags: ['--gateways', '2', '--workers', '2', '--threads', '2'],
  });
  port = cluster.port('tcp');
  await connectSpread();
});

after(async () => {
  closeAllClients();
  await cluster?.stop();
});

describe('Gateway API across 2 gateways and 2 workers', () => {
  test('client ids are 24 hex characters, unique, prefixed by the gateway id; ctx describes the connection', async () => {
    const ids = all.map((c) => c.id);
    for (const id of ids) assert.match(id, /^[0-9a-f]{24}$/);
    assert.equal(new Set(ids).size, ids.length, 'client ids must be unique');
    for (const c of all) assert.equal(c.hello.gatewayId, c.gateway, `ctx.gatewayId of ${c.id} in onConnect`);
    const reply = await b[0]!.request({ ctx: true });
    const ctx = reply.ctx as Record<string, unknown>;
    assert.equal(ctx.clientId, b[0]!.id);
    assert.equal(ctx.gatewayId, b[0]!.gateway);
    assert.equal(ctx.listener, 'tcp');
    assert.equal(ctx.protocol, 'text');
    assert.equal(ctx.remoteAddress, '127.0.0.1');
    assert.equal(ctx.remotePort, b[0]!.line.localPort);
    assert.equal(ctx.gatewayAddress, '127.0.0.1');
    assert.equal(ctx.gatewayPort, port);
    assert.deepEqual(ctx.session, {});
    assert.equal(ctx.redelivered, false);
    assert.equal(typeof ctx.eventId, 'string');
    assert.ok((ctx.eventId as string).startsWith(`${b[0]!.gateway}-`), `eventId ${ctx.eventId} is <gatewayId>-<seq>`);
  });

  test('clients are spread over both business-worker processes; onWorkerStart told each thread its indexes', async () => {
    const pids = new Map<number, Set<number>>();
    for (const c of all) {
      const r = await c.request({ worker: true });
      const info = r.info as { processIndex: number; threadIndex: number; pid: number } | null;
      assert.ok(info !== null, `onWorkerStart ran in the thread that handled ${c.id} before its events`);
      assert.equal(info.pid, r.pid, 'onWorkerStart info.pid is the worker process');
      assert.ok([0, 1].includes(info.processIndex), `processIndex ${info.processIndex} of 2 workers`);
      assert.ok([0, 1].includes(info.threadIndex), `threadIndex ${info.threadIndex} of 2 threads`);
      const indexes = pids.get(r.pid as number) ?? new Set<number>();
      indexes.add(info.processIndex);
      pids.set(r.pid as number, indexes);
    }
    assert.equal(pids.size, 2, `expected the ${all.length} clients to be handled by 2 worker processes, got pids ${[...pids.keys()].join(', ')}`);
    const indexOf = [...pids.values()].map((s) => [...s]);
    assert.deepEqual(indexOf.map((i) => i.length), [1, 1], 'one processIndex per worker process');
    assert.deepEqual(indexOf.map((i) => i[0]).sort(), [0, 1], 'the two worker processes have indexes 0 and 1');
  });

  test('getAllClientCount, getAllClientIdList, getAllClientSessions, getAllUidList, getAllUidCount sum over both gateways', async () => {
    const q = a[0]!;
    assert.equal(await q.call('getAllClientCount'), all.length);
    assert.deepEqual(sorted(await q.call<string[]>('getAllClientIdList')), sorted(all.map((c) => c.id)));
    const sessions = await q.call<Record<string, unknown>>('getAllClientSessions');
    assert.deepEqual(sorted(Object.keys(sessions)), sorted(all.map((c) => c.id)));
    for (const s of Object.values(sessions)) assert.deepEqual(s, {});
    assert.deepEqual(await q.call('getAllUidList'), []);
    assert.equal(await q.call('getAllUidCount'), 0);
    // One uid bound on both gateways counts once.
    await q.calls(['bindUid', a[1]!.id, 'c-u1'], ['bindUid', b[1]!.id, 'c-u1'], ['bindUid', b[2]!.id, 'c-u2']);
    assert.deepEqual(sorted(await b[3]!.call<string[]>('getAllUidList')), ['c-u1', 'c-u2']);
    assert.equal(await b[3]!.call('getAllUidCount'), 2);
    await q.calls(['unbindUid', a[1]!.id, 'c-u1'], ['unbindUid', b[1]!.id, 'c-u1'], ['unbindUid', b[2]!.id, 'c-u2']);
    assert.deepEqual(await b[3]!.call('getAllUidList'), []);
  });

  test('sendToClient and sendToCurrentClient reach clients on either gateway, in the order issued, for every data type', async () => {
    const [a0, a1] = [a[0]!, a[1]!];
    const [b0] = [b[0]!];
    await a0.call('sendToClient', b0.id, 'to-b0');
    assert.equal(await b0.next(), 'to-b0');
    await b0.call('sendToClient', a1.id, 'to-a1');
    assert.equal(await a1.next(), 'to-a1');
    await a0.call('sendToClient', a0.id, 'to-self');
    assert.equal(await a0.next(), 'to-self');
    // Data before the reply: both come from the same handler, in order.
    await a0.call('sendToCurrentClient', 'current');
    assert.equal(await a0.next(), 'current');
    await a0.calls(
      ['sendToClient', b0.id, '1'],
      ['sendToClient', b0.id, { n: 2, s: 'two' }],
      ['sendToClient', b0.id, 3],
      ['sendToClient', b0.id, ['four']],
      ['sendToClient', b0.id, bytesArg('five')],
      ['sendToClient', b0.id, true],
      ['sendToClient', b0.id, null],
    );
    assert.deepEqual(await b0.collect(7), ['1', '{"n":2,"s":"two"}', '3', '["four"]', 'five', 'true', 'null']);
  });

  test('sendToAll: everyone, only clientIds, everyone but exclude', async () => {
    const q = a[0]!;
    await q.calls(['sendToAll', 'all-1'], ['sendToAll', 'mark-1']);
    await expectLines(new Map(all.map((c) => [c, ['all-1']])), 'mark-1');

    await q.calls(['sendToAll', 'only', { clientIds: [a[1]!.id, b[1]!.id] }], ['sendToAll', 'mark-2']);
    await expectLines(
      new Map([
        [a[1]!, ['only']],
        [b[1]!, ['only']],
      ]),
      'mark-2',
    );

    const excluded = new Set([a[0]!, b[0]!]);
    await q.calls(['sendToAll', 'ex', { exclude: [a[0]!.id, b[0]!.id] }], ['sendToAll', 'mark-3']);
    await expectLines(new Map(all.filter((c) => !excluded.has(c)).map((c) => [c, ['ex']])), 'mark-3');
  });

  test('sendToUid reaches every connection of the uid on both gateways; an array of uids', async () => {
    const q = b[0]!;
    await q.calls(['bindUid', a[1]!.id, 'uid-x'], ['bindUid', b[1]!.id, 'uid-x'], ['bindUid', b[2]!.id, 'uid-y']);
    await q.calls(['sendToUid', 'uid-x', 'hi-x'], ['sendToUid', ['uid-x', 'uid-y'], 'hi-xy'], ['sendToUid', 'uid-nobody', 'lost'], ['sendToAll', 'mark-4']);
    await expectLines(
      new Map([
        [a[1]!, ['hi-x', 'hi-xy']],
        [b[1]!, ['hi-x', 'hi-xy']],
        [b[2]!, ['hi-xy']],
      ]),
      'mark-4',
    );
    await q.calls(['unbindUid', a[1]!.id, 'uid-x'], ['unbindUid', b[1]!.id, 'uid-x'], ['unbindUid', b[2]!.id, 'uid-y']);
    await q.calls(['sendToUid', ['uid-x', 'uid-y'], 'after-unbind'], ['sendToAll', 'mark-4b']);
    await expectLines(new Map(), 'mark-4b');
  });

  test('sendToGroup: members on both gateways, exclude, several groups deliver once', async () => {
    const q = a[0]!;
    await q.calls(
      ['joinGroup', a[1]!.id, 'g-1'],
      ['joinGroup', b[1]!.id, 'g-1'],
      ['joinGroup', a[2]!.id, 'g-1'],
      ['joinGroup', b[2]!.id, 'g-2'],
      ['joinGroup', a[1]!.id, 'g-2'],
    );
    await q.calls(
      ['sendToGroup', 'g-1', 'G1'],
      ['sendToGroup', 'g-1', 'G1x', { exclude: [b[1]!.id] }],
      ['sendToGroup', ['g-1', 'g-2'], 'G12'],
      ['sendToGroup', 'g-empty', 'nobody'],
      ['sendToAll', 'mark-5'],
    );
    await expectLines(
      new Map([
        [a[1]!, ['G1', 'G1x', 'G12']],
        [b[1]!, ['G1', 'G12']],
        [a[2]!, ['G1', 'G1x', 'G12']],
        [b[2]!, ['G12']],
      ]),
      'mark-5',
    );
    await q.calls(['ungroup', 'g-1'], ['ungroup', 'g-2']);
  });

  test('bindUid, unbindUid, isUidOnline, getClientIdByUid, getUidByClientId, batchGetClientIdByUid, isUidsOnline', async () => {
    const q = a[0]!;
    const [a3, b3] = [a[3]!, b[3]!];
    await q.calls(['bindUid', a3.id, 'q-u1'], ['bindUid', b3.id, 'q-u1']);
    assert.equal(await q.call('isUidOnline', 'q-u1'), true);
    assert.equal(await q.call('isUidOnline', 'q-none'), false);
    assert.deepEqual(sorted(await q.call<string[]>('getClientIdByUid', 'q-u1')), sorted([a3.id, b3.id]));
    assert.deepEqual(await q.call('getClientIdByUid', 'q-none'), []);
    assert.equal(await q.call('getUidByClientId', b3.id), 'q-u1');
    assert.equal(await q.call('getUidByClientId', a3.id), 'q-u1');
    assert.equal(await q.call('getUidByClientId', b[4]!.id), null);

    const batch = await q.call<Record<string, string[]>>('batchGetClientIdByUid', ['q-u1', 'q-none']);
    assert.deepEqual(sorted(batch['q-u1'] ?? []), sorted([a3.id, b3.id]));
    assert.deepEqual(batch['q-none'] ?? [], [], 'a uid with no client has no client ids');
    assert.deepEqual(await q.call('isUidsOnline', ['q-u1', 'q-none']), { 'q-u1': true, 'q-none': false });

    await q.call('unbindUid', b3.id, 'q-u1');
    assert.deepEqual(await q.call('getClientIdByUid', 'q-u1'), [a3.id]);
    assert.equal(await q.call('getUidByClientId', b3.id), null);
    assert.equal(await q.call('isUidOnline', 'q-u1'), true);
    await q.call('unbindUid', a3.id, 'q-u1');
    assert.equal(await q.call('isUidOnline', 'q-u1'), false);
    assert.deepEqual(await q.call('isUidsOnline', ['q-u1']), { 'q-u1': false });

    // Numeric uids travel as strings.
    await q.call('bindUid', b3.id, 42);
    assert.equal(await q.call('getUidByClientId', b3.id), '42');
    assert.equal(await q.call('isUidOnline', 42), true);
    assert.deepEqual(await q.call('getClientIdByUid', '42'), [b3.id]);
    await q.call('unbindUid', b3.id, 42);
    assert.equal(await q.call('isUidOnline', '42'), false);
  });

  test('joinGroup, leaveGroup, ungroup and every group query, summed over both gateways', async () => {
    const q = b[4]!;
    const [a0, b0, a3, b3] = [a[0]!, b[0]!, a[3]!, b[3]!];
    await q.calls(
      ['joinGroup', a0.id, 'q-g1'],
      ['joinGroup', b0.id, 'q-g1'],
      ['joinGroup', b3.id, 'q-g1'],
      ['joinGroup', a3.id, 'q-g2'],
      ['bindUid', a0.id, 'q-ua'],
      ['bindUid', b0.id, 'q-ub'],
      ['bindUid', b3.id, 'q-ua'],
    );
    assert.equal(await q.call('getClientCountByGroup', 'q-g1'), 3);
    assert.equal(await q.call('getClientCountByGroup', 'q-g2'), 1);
    assert.equal(await q.call('getClientCountByGroup', 'q-none'), 0);
    assert.deepEqual(sorted(await q.call<string[]>('getClientIdListByGroup', 'q-g1')), sorted([a0.id, b0.id, b3.id]));
    assert.deepEqual(await q.call('getClientIdListByGroup', 'q-none'), []);
    const sessions = await q.call<Record<string, unknown>>('getClientSessionsByGroup', 'q-g1');
    assert.deepEqual(sorted(Object.keys(sessions)), sorted([a0.id, b0.id, b3.id]));
    assert.deepEqual(sorted(await q.call<string[]>('getUidListByGroup', 'q-g1')), ['q-ua', 'q-ub'], 'uids are distinct across gateways');
    assert.equal(await q.call('getUidCountByGroup', 'q-g1'), 2);
    assert.deepEqual(await q.call('getUidListByGroup', 'q-g2'), []);
    assert.equal(await q.call('getUidCountByGroup', 'q-g2'), 0);

    const groups = await q.call<string[]>('getAllGroupIdList');
    assert.equal(new Set(groups).size, groups.length, `getAllGroupIdList has duplicates: ${JSON.stringify(groups)}`);
    assert.ok(groups.includes('q-g1') && groups.includes('q-g2'), `getAllGroupIdList: ${JSON.stringify(groups)}`);
    const groupUids = await q.call<Record<string, string[]>>('getAllGroupUidList');
    assert.deepEqual(sorted(groupUids['q-g1'] ?? []), ['q-ua', 'q-ub']);
    assert.deepEqual(groupUids['q-g2'] ?? [], []);
    const groupUidCount = await q.call<Record<string, number>>('getAllGroupUidCount');
    assert.equal(groupUidCount['q-g1'], 2);
    assert.equal(groupUidCount['q-g2'] ?? 0, 0);
    const groupClients = await q.call<Record<string, string[]>>('getAllGroupClientIdList');
    assert.deepEqual(sorted(groupClients['q-g1'] ?? []), sorted([a0.id, b0.id, b3.id]));
    assert.deepEqual(groupClients['q-g2'], [a3.id]);
    const groupCounts = await q.call<Record<string, number>>('getAllGroupClientIdCount');
    assert.equal(groupCounts['q-g1'], 3);
    assert.equal(groupCounts['q-g2'], 1);
    assert.deepEqual(await q.call('batchGetClientCountByGroup', ['q-g1', 'q-g2', 'q-none']), { 'q-g1': 3, 'q-g2': 1, 'q-none': 0 });

    await q.call('leaveGroup', b0.id, 'q-g1');
    assert.equal(await q.call('getClientCountByGroup', 'q-g1'), 2);
    assert.deepEqual(sorted(await q.call<string[]>('getClientIdListByGroup', 'q-g1')), sorted([a0.id, b3.id]));
    assert.deepEqual(sorted(await q.call<string[]>('getUidListByGroup', 'q-g1')), ['q-ua']);

    await q.calls(['ungroup', 'q-g1'], ['sendToGroup', 'q-g1', 'after-ungroup'], ['sendToAll', 'mark-6']);
    await expectLines(new Map(), 'mark-6');
    assert.equal(await q.call('getClientCountByGroup', 'q-g1'), 0);
    const after = await q.call<string[]>('getAllGroupIdList');
    assert.ok(!after.includes('q-g1') && after.includes('q-g2'), `getAllGroupIdList after ungroup: ${JSON.stringify(after)}`);
    assert.equal((await q.call<Record<string, number>>('getAllGroupClientIdCount'))['q-g1'] ?? 0, 0);

    await q.calls(['ungroup', 'q-g2'], ['unbindUid', a0.id, 'q-ua'], ['unbindUid', b0.id, 'q-ub'], ['unbindUid', b3.id, 'q-ua']);
    assert.equal(await q.call('getAllUidCount'), 0);
  });

  test('setSession replaces, updateSession deep-merges, getSession reads; the client\'s next event sees it', async () => {
    const q = a[0]!;
    const t = b[0]!;
    await q.call('setSession', t.id, { a: 1, nested: { x: 1, keep: 'k' } });
    assert.deepEqual(await q.call('getSession', t.id), { a: 1, nested: { x: 1, keep: 'k' } });
    assert.deepEqual(((await t.request({ ctx: true })).ctx as { session: unknown }).session, { a: 1, nested: { x: 1, keep: 'k' } });

    await q.call('updateSession', t.id, { nested: { y: 2, x: 10 }, b: 2 });
    const merged = { a: 1, nested: { x: 10, keep: 'k', y: 2 }, b: 2 };
    assert.deepEqual(await q.call('getSession', t.id), merged);
    assert.deepEqual(((await t.request({ ctx: true })).ctx as { session: unknown }).session, merged);

    // The client's own handler changes ctx.session; others see it once the handler is done.
    await t.request({ session: { set: { c: 3 }, del: ['a'] } });
    const own = { nested: { x: 10, keep: 'k', y: 2 }, b: 2, c: 3 };
    await eventually(() => q.call('getSession', t.id), (s) => isDeepStrictEqual(s, own), 'session after the handler');
    assert.deepEqual(await q.call('getSession', t.id), own);
    assert.deepEqual((await q.call<Record<string, unknown>>('getAllClientSessions'))[t.id], own);

    await q.call('setSession', t.id, { only: true });
    assert.deepEqual(await q.call('getSession', t.id), { only: true });
    assert.deepEqual(((await t.request({ ctx: true })).ctx as { session: unknown }).session, { only: true });

    assert.equal(await q.call('getSession', 'ffffffffffff000000000001'), null, 'getSession of an unknown client');
    await q.call('setSession', t.id, {});
  });

  test('raw option: bytes skip the encoder (no newline added)', async () => {
    const q = a[0]!;
    await q.calls(['sendToClient', b[0]!.id, 'abc', { raw: true }], ['sendToClient', b[0]!.id, 'def']);
    assert.equal(await b[0]!.next(), 'abcdef');
    await q.calls(['sendToAll', 'r1', { raw: true, clientIds: [b[1]!.id, a[1]!.id] }], ['sendToAll', 'mark-7']);
    await Promise.all(
      all.map(async (c) => {
        const want = c === a[1] || c === b[1] ? 'r1mark-7' : 'mark-7';
        assert.equal(await c.next(), want, `client ${c.id}`);
      }),
    );
    await q.calls(
      ['joinGroup', b[2]!.id, 'raw-g'],
      ['bindUid', a[2]!.id, 'raw-u'],
      ['sendToGroup', 'raw-g', 'r2', { raw: true }],
      ['sendToClient', b[2]!.id, 'r3'],
      ['sendToUid', 'raw-u', 'r4', { raw: true }],
      ['sendToClient', a[2]!.id, 'r5'],
      ['sendToClient', a[2]!.id, bytesArg('r6'), { raw: true }],
      ['sendToClient', a[2]!.id, 'r7'],
    );
    assert.equal(await b[2]!.next(), 'r2r3');
    assert.deepEqual(await a[2]!.collect(2), ['r4r5', 'r6r7']);
    await q.calls(['ungroup', 'raw-g'], ['unbindUid', a[2]!.id, 'raw-u']);
  });

  test('isOnline; the API works outside handlers (timer)', async () => {
    const q = b[1]!;
    assert.equal(await q.call('isOnline', a[0]!.id), true);
    assert.equal(await q.call('isOnline', b[0]!.id), true);
    assert.equal(await q.call('isOnline', 'ffffffffffff000000000001'), false);
    await q.request({ later: ['sendToClient', a[0]!.id, 'from-timer'], ms: 30 });
    assert.equal(await a[0]!.next(), 'from-timer');
  });

  test('closeClient sends its data after what was queued, then closes; closeCurrentClient; destroyClient; destroyCurrentClient', async () => {
    const extra = await Promise.all([0, 1, 2, 3, 4, 5, 6, 7].map(() => ApiClient.connect(port)));
    all.push(...extra);
    const q = a[0]!;
    const [c1, c2, c3, c4, c5] = extra;

    await q.calls(['sendToClient', c1!.id, 'first'], ['closeClient', c1!.id, 'bye']);
    assert.deepEqual(await c1!.collect(2), ['first', 'bye']);
    await c1!.line.waitClosed();

    await q.call('closeClient', c2!.id);
    await c2!.line.waitClosed();

    c3!.line.sendJson({ id: 99, call: 'closeCurrentClient', args: ['bye-self'] });
    assert.equal(await c3!.next(), 'bye-self');
    await c3!.line.waitClosed();

    await q.call('destroyClient', c4!.id);
    await c4!.line.waitClosed();

    c5!.line.sendJson({ id: 98, call: 'destroyCurrentClient', args: [] });
    await c5!.line.waitClosed();

    const gone = [c1!, c2!, c3!, c4!, c5!];
    all = all.filter((c) => !gone.includes(c));
    for (const c of gone) {
      await eventually(() => q.call<boolean>('isOnline', c.id), (v) => v === false, `isOnline(${c.id}) after close`);
    }
    await eventually(() => q.call<number>('getAllClientCount'), (n) => n === all.length, 'getAllClientCount after closes');
  });
});
