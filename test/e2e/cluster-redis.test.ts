/**
 * Two deployments of one app on Redis, as two machines would run them: each
 * its own supervisor (own process group), gateways and workers, its listeners
 * and TCP worker links on its own loopback address (127.0.0.2 and 127.0.0.3),
 * one real redis-server started from the system binary. They find each other
 * only through Redis (no register), and then behave as one deployment: a
 * private message from a client on A reaches a uid on B, a group spans both,
 * counts and lists are global, client ids are unique across both. Then the
 * faults: a Redis restart (without persistence: the directory is rebuilt by
 * the heartbeats) while messages keep flowing, a gateway killed (its entry
 * expires within the TTL and queries stop counting its clients), a worker
 * process killed (the other deployment's worker carries on).
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { ApiClient } from '../helpers/api-client.js';
import { eventually } from '../helpers/clients.js';
import { fixtureApp, freePort, startCluster, type Cluster } from '../helpers/cluster.js';
import { redisSkipReason, startRedis, type RedisServer } from '../helpers/redis-server.js';

const skip = redisSkipReason();
const TTL_MS = 2000;
const SECRET = 'cluster-test-secret';
const NAME = `cluster-${process.pid}`;
const PREFIX = `gatehouse:${NAME}:`;

let redis: RedisServer;
const deployments: { cluster: Cluster; host: string }[] = [];
const clients: ApiClient[] = [];
/** The gateway the kill test took down (its clients are gone). */
let killedGateway = '';

async function deployment(host: string): Promise<Cluster> {
  const cluster = await startCluster({
    app: {
      name: NAME,
      events: fixtureApp('api'),
      secretKey: SECRET,
      listeners: [{ name: 'api', protocol: 'text', host }],
      gateway: { count: 2, linkHost: host, linkPort: await freePort() },
      worker: { count: 1, threads: 2 },
      queryTimeout: 3000,
    },
    env: { GATEHOUSE_REDIS: redis.url, GATEHOUSE_CLUSTER_PRESENCE_TTL: String(TTL_MS) },
  });
  deployments.push({ cluster, host });
  return cluster;
}

async function client(d: number, label: string): Promise<ApiClient> {
  const { cluster, host } = deployments[d]!;
  const c = await ApiClient.connect(cluster.port('api'), label, host);
  clients.push(c);
  return c;
}

/** Gateway ids announced in Redis right now (presence keys that have not expired). */
async function announced(): Promise<string[]> {
  const keys = (await redis.cli('KEYS', `${PREFIX}{gateways}:gateway:*`)).split('\n').filter((k: string) => k !== '');
  return keys.map((k: string) => k.slice(k.lastIndexOf(':') + 1)).sort();
}

function gatewayIds(cluster: Cluster): string[] {
  return cluster.lines.filter((l) => l.role === 'gateway' && l.msg === 'gateway ready').map((l) => l.gatewayId as string);
}

function pidOf(cluster: Cluster, role: string, index: number): number {
  return Number(readFileSync(join(cluster.runDir, `${role}-${index}.pid`), 'utf8').trim());
}

/** Until every worker links to all four gateways (its own two by Unix socket, the other two learned from Redis). */
async function meshed(): Promise<void> {
  await eventually(async () => {
    const ids = deployments.flatMap((d) => gatewayIds(d.cluster));
    const learned = deployments.map((d) => d.cluster.lines.filter((l) => l.msg === 'linking to a gateway learned from Redis').length);
    return ids.length === 4 && learned.every((n) => n >= 2);
  }, (ok) => ok, 'every worker linked to the other deployment\'s gateways', 15_000);
}

before(async () => {
  if (skip !== undefined) return;
  redis = await startRedis();
  await deployment('127.0.0.2');
  await deployment('127.0.0.3');
  await meshed();
});

after(async () => {
  await Promise.all(clients.map((c) => c.close().catch(() => {})));
  await Promise.all(deployments.map((d) => d.cluster.stop()));
  await redis?.stop();
});

test('the two deployments find each other in Redis: four gateways announced, no register started', { skip }, async () => {
  assert.deepEqual(await announced(), deployments.flatMap((d) => gatewayIds(d.cluster)).sort());
  for (const { cluster } of deployments) {
    assert.equal(cluster.lines.filter((l) => l.role === 'register').length, 0, 'no embedded register with Redis');
    const links = cluster.lines.filter((l) => l.msg === 'linking to a gateway learned from Redis');
    assert.ok(links.every((l) => String(l.link).startsWith('tcp:127.0.0.')), `linked by TCP: ${links.map((l) => l.link).join(', ')}`);
  }
});

test('a private message from A reaches a uid on B, a group spans both, counts and lists are global, ids are unique', { skip }, async () => {
  const a = await client(0, 'alice@A');
  const b = await client(1, 'bob@B');
  const b2 = await client(1, 'carol@B');
  assert.notEqual(a.id, b.id);
  assert.equal(new Set([a.id, b.id, b2.id]).size, 3);
  assert.ok(gatewayIds(deployments[0]!.cluster).includes(a.gateway) && gatewayIds(deployments[1]!.cluster).includes(b.gateway));

  await a.call('bindUid', a.id, 'alice');
  await b.call('bindUid', b.id, 'bob');
  await b2.call('bindUid', b2.id, 'carol');
  await a.call('sendToUid', 'bob', 'hello bob from A');
  assert.equal(await b.next(), 'hello bob from A');

  await a.call('joinGroup', a.id, 'room');
  await b.call('joinGroup', b.id, 'room');
  await b2.call('sendToGroup', 'room', 'to the room');
  assert.equal(await a.next(), 'to the room');
  assert.equal(await b.next(), 'to the room');

  assert.equal(await a.call('getAllClientCount'), 3);
  assert.equal(await b.call('getAllClientCount'), 3);
  assert.deepEqual(((await a.call('getAllUidList')) as string[]).sort(), ['alice', 'bob', 'carol']);
  assert.deepEqual(((await b2.call('getClientIdListByGroup', 'room')) as string[]).sort(), [a.id, b.id].sort());
  assert.equal(await b.call('isUidOnline', 'alice'), true);
  await b.call('sendToAll', 'everyone');
  for (const c of [a, b, b2]) assert.equal(await c.next(), 'everyone');
});

test('a Redis restart while messages flow: nothing lost, the directory comes back within the TTL', { skip }, async () => {
  const sender = await client(0, 'sender@A');
  const receiver = await client(1, 'receiver@B');
  await receiver.call('bindUid', receiver.id, 'receiver');
  const before = await announced();
  const N = 200;
  let sent = 0;
  const sending = (async () => {
    for (; sent < N; sent++) {
      await sender.call('sendToUid', 'receiver', `m${sent}`);
      if (sent % 20 === 0) await sleep(10);
    }
  })();
  await sleep(50);
  await redis.restart({ downMs: 300 });
  await sending;
  const got = await receiver.collect(N, 10_000);
  assert.deepEqual(got, Array.from({ length: N }, (_, i) => `m${i}`), 'every message once, in order');
  await eventually(announced, (now) => now.join() === before.join(), 'every gateway re-announced after the restart', TTL_MS * 2);
  assert.equal(await sender.call('getAllClientCount'), clients.length);
});

test('a gateway killed: its entry expires within the TTL and queries stop counting its clients', { skip }, async () => {
  const b = deployments[1]!.cluster;
  const onB = clients.filter((c) => gatewayIds(b).includes(c.gateway));
  const victim = onB[0]!.gateway;
  killedGateway = victim;
  const index = b.lines.find((l) => l.msg === 'gateway ready' && l.gatewayId === victim)!.index as number;
  const countedBefore = await clients[0]!.call<number>('getAllClientCount');
  const onVictim = clients.filter((c) => c.gateway === victim).length;
  const killedAt = Date.now();
  process.kill(pidOf(b, 'gateway', index), 'SIGKILL');
  await eventually(announced, (now) => !now.includes(victim), `gateway ${victim}'s entry expired`, TTL_MS + 3000);
  const expiredAfter = Date.now() - killedAt;
  assert.ok(expiredAfter <= TTL_MS + 1500, `expired ${expiredAfter} ms after the kill (TTL ${TTL_MS} ms)`);
  await eventually(() => clients[0]!.call<number>('getAllClientCount'), (n) => n === countedBefore - onVictim, 'the count without its clients', 5000);
  console.log(`# gateway killed: entry gone after ${expiredAfter} ms (TTL ${TTL_MS} ms); count ${countedBefore} → ${countedBefore - onVictim}`);
});

test('a worker process killed: the other deployment\'s worker carries on with its clients\' events', { skip }, async () => {
  const b = deployments[1]!.cluster;
  // A fresh client: B's clients may all have been on the gateway the previous test killed.
  const onB = await client(1, 'dave@B');
  assert.notEqual(onB.gateway, killedGateway);
  const killed = pidOf(b, 'worker', 0);
  const otherWorker = pidOf(deployments[0]!.cluster, 'worker', 0);
  process.kill(killed, 'SIGKILL');
  // Before B's supervisor has a new worker running, A's worker handles B's clients.
  const first = await onB.request({ worker: true });
  assert.equal(first.pid, otherWorker, 'the first event after the kill is handled by A\'s worker');
  const pids = new Set<number>();
  for (let i = 0; i < 20; i++) pids.add((await onB.request({ worker: true })).pid as number);
  assert.ok(!pids.has(killed), `no event went to the killed worker (handled by ${[...pids].join(', ')})`);
  assert.equal(await onB.call('isUidOnline', 'alice'), true, 'queries still answer cluster-wide');
});
