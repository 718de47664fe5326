/**
 * A gateway process that dies takes only its own clients with it: clients of
 * the other gateway stay connected and served, and the supervisor starts a new
 * gateway (with a new gateway id) that serves new clients.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { LineClient, closeAllClients, delay, eventually } from '../helpers/clients.js';
import { fixtureApp, startCluster, type Cluster } from '../helpers/cluster.js';

let cluster: Cluster;

before(async () => {
  cluster = await startCluster({
    app: { events: fixtureApp('echo'), listeners: [{ name: 'tcp', protocol: 'text' }] },
    flags: ['--gateways', '2', '--workers', '1', '--threads', '1'],
  });
});

after(async () => {
  closeAllClients();
  await cluster?.stop();
});

async function connect(): Promise<{ c: LineClient; gatewayId: string }> {
  const c = await LineClient.connect(cluster.port('tcp'));
  c.send('id');
  const id = /^id ([0-9a-f]{24})$/.exec(await c.next())?.[1];
  assert.ok(id, 'a client id');
  return { c, gatewayId: id.slice(0, 12) };
}

/** pid of the gateway process with this gateway id, from its log lines. */
function gatewayPid(gatewayId: string): number {
  const line = cluster.lines.find((l) => l.role === 'gateway' && l.gatewayId === gatewayId && typeof l.pid === 'number');
  assert.ok(line, `a log line of gateway ${gatewayId}`);
  return line.pid as number;
}

test('killing one gateway closes only its clients; the supervisor restarts it', async () => {
  const byGateway = new Map<string, LineClient[]>();
  // The kernel picks which gateway accepts; it can favour one for a while, so keep trying (bounded).
  for (let i = 0; i < 300 && byGateway.size < 2; i++) {
    const { c, gatewayId } = await connect();
    const held = byGateway.get(gatewayId) ?? [];
    if (held.length < 3) byGateway.set(gatewayId, [...held, c]);
    else await c.close();
    await delay(5);
  }
  assert.equal(byGateway.size, 2, 'clients landed on both gateways');
  const [victimId, survivorId] = [...byGateway.keys()] as [string, string];
  const pid = gatewayPid(victimId);

  process.kill(pid, 'SIGKILL');
  for (const c of byGateway.get(victimId)!) await c.waitClosed(5000);

  for (const c of byGateway.get(survivorId)!) {
    c.send('still here');
    assert.equal(await c.next(), 'S:still here', 'a client of the surviving gateway is still served');
    assert.equal(c.isClosed, false);
  }

  await cluster.waitForLog((l) => l.role === 'supervisor' && /gateway exited; restarting/.test(String(l.msg)), 'the restart log line');
  const seen = new Set<string>();
  await eventually(
    async () => {
      const { c, gatewayId } = await connect();
      seen.add(gatewayId);
      await c.close();
      return seen;
    },
    (s) => [...s].some((id) => id !== victimId && id !== survivorId),
    'a client served by the restarted gateway (a new gateway id)',
    15_000,
  );
  assert.ok(!seen.has(victimId), 'the dead gateway id is never handed out again');
});
