/**
 * Discovery across several registers and through register outages: workers
 * union the lists, an outage makes nobody forget anybody, a restarted register
 * is re-announced to and re-subscribed; and the worker's policy for which
 * learned gateways it links to (DiscoveredLinks).
 */
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { createLogger } from '../../src/log/logger.js';
import { formatLinkAddress, type LinkAddress } from '../../src/protocol/link-address.js';
import { registerAddresses } from '../../src/register/addresses.js';
import { GatewayAnnouncer } from '../../src/register/announcer.js';
import { DiscoveredLinks, type ManagedLink } from '../../src/register/discovered-links.js';
import { GatewayDirectory } from '../../src/register/gateway-directory.js';
import type { GatewayAnnouncement } from '../../src/register/messages.js';
import { RegisterServer } from '../../src/register/server.js';

const logger = createLogger('test', {}, 'silent');
const cleanups: (() => Promise<unknown> | void)[] = [];
after(async () => {
  for (const c of cleanups.reverse()) await c();
});
const FAST = { pingMs: 200, firstRetryMs: 20, maxRetryMs: 100 };

function announcement(id: string, over: Partial<GatewayAnnouncement> = {}): GatewayAnnouncement {
  return { gatewayId: id, name: 'app', address: { tcp: `127.0.0.1:${7000 + parseInt(id.slice(-2), 16)}`, unix: `/tmp/r-${id}/gateway-0.sock` }, host: 'machine-a', runDir: `/tmp/r-${id}`, ...over };
}

async function register(port = 0, settleMs = 6000): Promise<{ server: RegisterServer; address: string }> {
  const server = new RegisterServer({ secretKey: 'k', logger, graceMs: 3000, settleMs });
  const address = await server.listen('127.0.0.1', port);
  cleanups.push(() => server.close());
  return { server, address };
}

function announcer(registers: string[], gateway: GatewayAnnouncement): GatewayAnnouncer {
  const a = new GatewayAnnouncer({ registers, secretKey: 'k', logger, gateway, ...FAST });
  a.start();
  cleanups.push(() => a.stop());
  return a;
}

function directory(registers: string[]) {
  const events: string[] = [];
  const dir = new GatewayDirectory({ registers, secretKey: 'k', logger, onJoin: (g) => events.push(`join ${g.gatewayId}`), onLeave: (g) => events.push(`leave ${g.gatewayId}`), ...FAST });
  dir.start();
  cleanups.push(() => dir.stop());
  return { dir, events };
}

async function until(cond: () => boolean, what: string, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(10);
  }
}

const portOf = (address: string): number => Number(address.slice(address.lastIndexOf(':') + 1));

test('with two registers, gateways announce to both and workers see the union, once per gateway', async () => {
  const r1 = await register();
  const r2 = await register();
  announcer([r1.address, r2.address], announcement('a00000000001'));
  announcer([r2.address], announcement('a00000000002')); // known to one register only
  const { dir, events } = directory([r1.address, r2.address]);
  await until(() => dir.gateways().length === 2 && dir.snapshots === 2, 'both lists');
  await until(() => r1.server.gateways().length === 1 && r2.server.gateways().length === 2, 'the announcements');
  assert.deepEqual(events.sort(), ['join a00000000001', 'join a00000000002']);
  // One register going away forgets nobody: the other still lists both, and a register's last list is kept anyway.
  await r2.server.close();
  await sleep(300);
  assert.deepEqual(dir.gateways().map((g) => g.gatewayId).sort(), ['a00000000001', 'a00000000002']);
  assert.equal(events.length, 2);
});

test('a register restart: nobody forgets anything during the outage; gateways re-announce and workers re-subscribe when it is back', async () => {
  const r = await register();
  const port = portOf(r.address);
  const gw = announcer([r.address], announcement('b00000000001'));
  const { dir, events } = directory([r.address]);
  await until(() => events.length === 1, 'first list');
  await r.server.close(); // killed
  await sleep(400);
  assert.equal(dir.connected, 0);
  assert.equal(gw.announcedTo, 0);
  assert.deepEqual(events, ['join b00000000001'], 'an outage is not a leave');

  // Whoever reconnects first, worker or gateway, the worker sees no leave: a restarted register's lists only add until it settled.
  const back = await register(port);
  await until(() => back.server.gateways().length === 1, 're-announce to the restarted register');
  await until(() => dir.snapshots === 2, 're-subscribe');
  assert.deepEqual(back.server.gateways().map((g) => g.gatewayId), ['b00000000001']);
  assert.deepEqual(events, ['join b00000000001'], 'the same list again: no leave, no second join');
  announcer([r.address], announcement('b00000000002'));
  await until(() => events.length === 2, 'a join after the restart');
  assert.equal(events[1], 'join b00000000002');
});

test('a register that comes back without a gateway it used to list reports it as gone, once it has settled', async () => {
  const r = await register();
  const port = portOf(r.address);
  const gw = announcer([r.address], announcement('c00000000001'));
  const { events } = directory([r.address]);
  await until(() => events.length === 1, 'first list');
  await r.server.close();
  await gw.stop(); // the gateway went away while the register was down
  const back = await register(port, 500);
  // While settling, its list (still empty: gateways may be on their way back) removes nothing.
  await until(() => back.server.stats().subscribers === 1, 're-subscribe');
  await sleep(200);
  assert.deepEqual(events, ['join c00000000001']);
  await until(() => events.length === 2, 'the leave found by the complete list');
  assert.deepEqual(events, ['join c00000000001', 'leave c00000000001']);
});

/** A link that records what happened to it; `open` is set by the test. */
class FakeLink implements ManagedLink {
  connection: unknown = null;
  started = false;
  stopped = false;
  constructor(readonly address: LinkAddress) {}
  start(): void {
    this.started = true;
  }
  stop(): Promise<void> {
    this.stopped = true;
    return Promise.resolve();
  }
}

test('a worker links to learned gateways by TCP, never to its own local gateways or twice to one address', async () => {
  const r = await register();
  const links: FakeLink[] = [];
  const linked = new Set<string>(['a0000000000f']);
  const discovered = new DiscoveredLinks({
    registers: [r.address],
    secretKey: 'k',
    runDir: '/tmp/mine',
    host: 'this-host',
    configured: [{ kind: 'unix', path: '/tmp/mine/gateway-0.sock' }, { kind: 'tcp', host: '10.0.0.9', port: 7300 }],
    hasLink: (id) => linked.has(id),
    createLink: (address) => {
      const l = new FakeLink(address);
      links.push(l);
      return l;
    },
    logger,
    ...FAST,
  });
  discovered.start();
  cleanups.push(() => discovered.stop());

  const remote = announcer([r.address], announcement('d00000000001', { host: 'other-host', address: { tcp: '10.0.0.5:7300', unix: '/x.sock' } }));
  announcer([r.address], announcement('d00000000002', { host: 'this-host', runDir: '/tmp/mine' })); // our own local gateway
  announcer([r.address], announcement('d00000000003', { host: 'other-host', address: { tcp: '10.0.0.9:7300', unix: '/y.sock' } })); // in worker.gateways
  announcer([r.address], announcement('a0000000000f', { host: 'other-host', address: { tcp: '10.0.0.6:7300', unix: '/z.sock' } })); // already linked by id
  announcer([r.address], announcement('d00000000004', { host: 'other-host', address: { tcp: null, unix: '/w.sock' } })); // no TCP: unreachable
  announcer([r.address], announcement('d00000000005', { host: 'this-host', runDir: '/tmp/other-app', address: { tcp: null, unix: '/tmp/other-app/gateway-0.sock' } }));
  await until(() => r.server.gateways().length === 6 && discovered.directory.gateways().length === 6, 'every announcement');
  await sleep(50);
  assert.deepEqual(links.map((l) => formatLinkAddress(l.address)).sort(), ['tcp:10.0.0.5:7300', 'unix:/tmp/other-app/gateway-0.sock']);
  assert.ok(links.every((l) => l.started));

  // A gateway restarted on the same address (new id) keeps the same link.
  announcer([r.address], announcement('d00000000006', { host: 'other-host', address: { tcp: '10.0.0.5:7300', unix: '/x.sock' } }));
  await until(() => discovered.directory.gateways().length === 7, 'the restarted gateway');
  assert.equal(links.length, 2);

  // The first id at that address leaves; the restarted gateway is still listed there, so the link stays.
  const tcpLink = links.find((l) => l.address.kind === 'tcp')!;
  await remote.stop();
  await until(() => discovered.directory.gateways().length === 6, 'the first leave');
  discovered.linkClosed('tcp:10.0.0.5:7300');
  assert.equal(tcpLink.stopped, false, 'a gateway still listed keeps its link retrying');
  // A register outage stops no link either.
  await r.server.close();
  await sleep(300);
  assert.equal(discovered.directory.connected, 0);
  discovered.linkClosed('tcp:10.0.0.5:7300');
  assert.ok(links.every((l) => !l.stopped), 'an outage does not stop links');
});

test('a learned link whose gateways all left stops once it closes (and at once when it was not open)', async () => {
  const r = await register();
  const links: FakeLink[] = [];
  const discovered = new DiscoveredLinks({
    registers: [r.address],
    secretKey: 'k',
    runDir: '/tmp/mine',
    host: 'this-host',
    configured: [],
    hasLink: () => false,
    createLink: (address) => {
      const l = new FakeLink(address);
      links.push(l);
      return l;
    },
    logger,
    ...FAST,
  });
  discovered.start();
  cleanups.push(() => discovered.stop());
  const open = announcer([r.address], announcement('e00000000001', { host: 'other-host' }));
  const never = announcer([r.address], announcement('e00000000002', { host: 'other-host' }));
  await until(() => links.length === 2, 'two links');
  links[0]!.connection = {};
  await open.stop();
  await never.stop();
  await until(() => discovered.directory.gateways().length === 0, 'both leaves');
  assert.equal(links[0]!.stopped, false, 'open: kept until it closes');
  assert.equal(links[1]!.stopped, true, 'never opened: stopped at once');
  discovered.linkClosed(formatLinkAddress(links[0]!.address));
  assert.equal(links[0]!.stopped, true);
  assert.deepEqual(discovered.addresses(), []);
});

test('which registers a process uses: GATEHOUSE_REGISTERS from the supervisor, else register.addresses, never a guess', () => {
  type Config = Parameters<typeof registerAddresses>[0];
  const withAddresses = (addresses: string[]): Config => ({ register: { embedded: true, host: '127.0.0.1', port: 1236, addresses } }) as unknown as Config;
  const config = withAddresses(['10.0.0.1:1236']);
  assert.deepEqual(registerAddresses(config, { GATEHOUSE_REGISTERS: '127.0.0.1:4000, [::1]:4001,' }), ['127.0.0.1:4000', '[::1]:4001']);
  assert.deepEqual(registerAddresses(config, { GATEHOUSE_REGISTERS: '' }), [], 'the supervisor said: none');
  assert.deepEqual(registerAddresses(config, {}), ['10.0.0.1:1236']);
  // Embedded but started without a supervisor (unit tests, tools): no register at the default port is assumed.
  assert.deepEqual(registerAddresses(withAddresses([]), {}), []);
});
