/**
 * Two gateways serve one port each way they can (supervisor/gateway-ports.ts,
 * gateway/engine-js/own-listening-socket.ts): native gateways, and JS
 * gateways on a Node with net's `reusePort` (22.12+), bind a listening
 * socket each with SO_REUSEPORT — an accept queue per gateway, so a connect
 * storm is drained in parallel (docs/worker.md, "Connect storms"); JS gateways
 * on an older Node share the cluster primary's one socket. Either way every
 * client reaches a gateway.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { after, before, test } from 'node:test';
import { nodeHasReusePort } from '../../src/gateway/engine-js/own-listening-socket.js';
import { LineClient } from '../helpers/clients.js';
import { fixtureApp, startCluster, type Cluster } from '../helpers/cluster.js';
import { ENGINE_UNDER_TEST } from '../helpers/engine-under-test.js';

/** The listening sockets on 127.0.0.1:port, and the pids holding them, as the kernel reports them. */
function listeningSockets(port: number): { sockets: number; pids: Set<number> } {
  const out = execFileSync('ss', ['-ltnpH', `sport = :${port}`], { encoding: 'utf8' });
  const lines = out.split('\n').filter((l) => l.includes(`127.0.0.1:${port}`));
  const pids = new Set<number>();
  for (const l of lines) for (const m of l.matchAll(/pid=(\d+)/g)) pids.add(Number(m[1]));
  return { sockets: lines.length, pids };
}

const OWN_SOCKETS = ENGINE_UNDER_TEST === 'native' || nodeHasReusePort();
let cluster: Cluster;

before(async () => {
  cluster = await startCluster({
    app: {
      events: fixtureApp('echo'),
      listeners: [
        { name: 'tcp', protocol: 'text' },
        { name: 'ws', protocol: 'websocket' },
      ],
      gateway: { count: 2 },
      worker: { count: 1, threads: 1 },
    },
  });
});

after(async () => {
  await cluster?.stop();
});

test(`two gateways: ${OWN_SOCKETS ? 'a listening socket each' : "the cluster primary's shared socket"} (${ENGINE_UNDER_TEST}, Node ${process.versions.node})`, () => {
  for (const name of ['tcp', 'ws']) {
    const port = cluster.port(name);
    const { sockets, pids } = listeningSockets(port);
    if (OWN_SOCKETS) {
      assert.equal(sockets, 2, `${name}: one listening socket per gateway on port ${port}`);
      assert.equal(pids.size, 2, `${name}: held by two processes: ${[...pids].join(', ')}`);
    } else {
      assert.equal(sockets, 1, `${name}: one shared listening socket on port ${port}`);
    }
  }
});

test(`clients are served (${ENGINE_UNDER_TEST})`, async () => {
  const clients = await Promise.all(Array.from({ length: 8 }, () => LineClient.connect(cluster.port('tcp'))));
  try {
    for (const [i, c] of clients.entries()) {
      c.send(`hello ${i}`);
      assert.equal(await c.next(), `S:hello ${i}`);
    }
  } finally {
    await Promise.all(clients.map((c) => c.close()));
  }
});
