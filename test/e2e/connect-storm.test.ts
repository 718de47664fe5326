/**
 * A connect storm (issue 8, item 6; docs/worker.md "Connect storms"): 10,000
 * text clients connect at ~20,000/s to one gateway and one business worker,
 * the app welcomes each on connect, and a broadcast sent 2 s after the last
 * handshake must reach all 10,000. The kernel's listen-queue overflow counter
 * (TcpExtListenOverflows, /proc/net/netstat) must not move: an overflowed
 * handshake, with SYN cookies on, leaves a client that believes it is
 * connected while the gateway never sees it. The clients are the bench's C
 * load generator in a child process (helpers/storm-loader.ts: 20,000 open
 * files per process here, and a Node client could not open 20,000/s).
 *
 * TcpExtListenOverflows is the network namespace's counter, and other
 * engineers' tests and benches on this machine move it too; what is asserted
 * is the same event counted on this gateway's listening socket only (its
 * `ss -m` drop count, bumped with ListenOverflows on every overflow). Both
 * are printed.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, before, test } from 'node:test';
import type * as KernelCounters from '../../bench/lib/kernel-counters.js';
import { REPO_ROOT, fixtureApp, freePort, startCluster, type Cluster } from '../helpers/cluster.js';
import { ENGINE_UNDER_TEST } from '../helpers/engine-under-test.js';
import { nodeHasReusePort } from '../../src/gateway/engine-js/own-listening-socket.js';
import { runStorm, withStormLock } from '../helpers/storm-loader.js';

const CLIENTS = 10_000;
const RATE = 20_000;
const BROADCAST_DELAY_MS = 2000;
const CLIENTS_DEADLINE_MS = 40_000;
/** The other engine's copy of this file may be storming: wait for it (its own run is bounded by the deadline above). */
const LOCK_WAIT_MS = 60_000;

/** The bench's readers of the kernel's counters (TcpExt of this network namespace, one listener's drops). */
const kernel = (await import(pathToFileURL(join(REPO_ROOT, 'bench', 'lib', 'kernel-counters.js')).href)) as typeof KernelCounters;

/**
 * The native engine takes the storm on one gateway. A JS gateway needs about
 * 100 µs of CPU per connection, more than one core can give at 20,000/s, so
 * the JS engine takes it on two where each can have an accept queue of its
 * own (Node 22.12+, own-listening-socket.ts); on an older Node two JS
 * gateways would share one queue, which does not help (docs/worker.md).
 */
const GATEWAYS = ENGINE_UNDER_TEST === 'js' && nodeHasReusePort() ? 2 : 1;

let cluster: Cluster;
let opsPort: number;

before(async () => {
  opsPort = await freePort();
  cluster = await startCluster({
    app: {
      events: fixtureApp('storm'),
      listeners: [{ name: 'tcp', protocol: 'text' }],
      gateway: { count: GATEWAYS, opsPort },
      worker: { count: 1, threads: 2 },
    },
    readyTimeoutMs: 30_000,
  });
});

after(async () => {
  await cluster?.stop();
});

/** The storm's outcome, measured once by the first test, judged by both. */
let storm: { detail: string; overflows: number; broadcastReceived: number } | null = null;

test(`10,000 clients connecting at 20,000/s: all accepted and welcomed (${ENGINE_UNDER_TEST})`, { timeout: 150_000 }, async () => {
  const port = cluster.port('tcp');
  const { before, r, afterStorm } = await withStormLock(LOCK_WAIT_MS, async () => {
    const before = { ...kernel.tcpExt(), listener: kernel.listenerDrops(port) };
    const r = await runStorm({ port, clients: CLIENTS, rate: RATE, broadcastDelayMs: BROADCAST_DELAY_MS, deadlineMs: CLIENTS_DEADLINE_MS });
    return { before, r, afterStorm: { ...kernel.tcpExt(), listener: kernel.listenerDrops(port) } };
  });
  const each = await Promise.all(
    Array.from({ length: GATEWAYS }, async (_, i) => (await (await fetch(`http://127.0.0.1:${opsPort + i}/stats`)).json()) as Record<string, unknown>),
  );
  const sum = (key: string): number => each.reduce((n, s) => n + Number(s[key]), 0);
  const stats = {
    engine: each[0]!.engine,
    connectionsAccepted: sum('connectionsAccepted'),
    connectionsRefused: sum('connectionsRefused'),
    heldForConnect: sum('heldForConnect'),
    heldForConnectDrops: sum('heldForConnectDrops'),
  };
  const moved = afterStorm.listener - before.listener;
  const detail =
    `${JSON.stringify(r)}\nkernel: this listener's drops +${moved}; namespace: ListenOverflows +${afterStorm.listenOverflows - before.listenOverflows}, ` +
    `ListenDrops +${afterStorm.listenDrops - before.listenDrops}\n` +
    `${GATEWAYS} gateway(s): engine ${String(stats.engine)}, accepted ${String(stats.connectionsAccepted)}, refused ${String(stats.connectionsRefused)}, ` +
    `heldForConnect ${String(stats.heldForConnect)}, heldForConnectDrops ${String(stats.heldForConnectDrops)}`;
  storm = { detail, overflows: moved, broadcastReceived: r.broadcastReceived };
  // What the storm achieved, for whoever reads the test log (timings are not asserted: they vary with the machine).
  console.log(`# storm (${ENGINE_UNDER_TEST}): ${detail}`);
  assert.equal(stats.engine, ENGINE_UNDER_TEST, detail);
  assert.equal(r.connected, CLIENTS, `every handshake completed: ${detail}`);
  assert.equal(r.failed + r.closed, 0, `no connection failed or was closed: ${detail}`);
  assert.equal(stats.connectionsAccepted, CLIENTS, `the gateway accepted every client: ${detail}`);
  assert.equal(r.welcomed, CLIENTS, `every client was welcomed: ${detail}`);
});

/**
 * The JS engine on Node 20 does not meet these two: it needs ~100 µs of CPU
 * per connection (Node's net.Socket, its welcome write, the link), so at
 * 20,000/s on this 2-core machine its accept queue (4,096) fills; the kernel
 * drops handshakes, and only the clients' retransmissions bring them in, one
 * to several seconds late — some after the broadcast, which they then miss
 * (docs/worker.md, "Connect storms"). Todos, visibly failing, rather than
 * asserted away. On Node 22.12+ (two gateways, a queue each) they are asserted.
 */
const JS_TODO =
  ENGINE_UNDER_TEST === 'js' && GATEWAYS === 1
    ? `JS engine on Node ${process.versions.node}: one accept queue overflows at 20,000/s on this machine (docs/worker.md, "Connect storms")`
    : false;

test(`a broadcast 2 s after the last handshake reaches all 10,000 (${ENGINE_UNDER_TEST})`, { todo: JS_TODO }, () => {
  assert.ok(storm !== null, 'the storm ran');
  assert.equal(storm.broadcastReceived, CLIENTS, `the broadcast reached every client: ${storm.detail}`);
});

test(`the kernel's listen queue never overflowed during the storm (${ENGINE_UNDER_TEST})`, { todo: JS_TODO }, () => {
  assert.ok(storm !== null, 'the storm ran');
  assert.equal(storm.overflows, 0, `the listener dropped handshakes: ${storm.detail}`);
});
