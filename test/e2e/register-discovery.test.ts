/**
 * Discovery end to end, with real supervisors: app "hub" runs gateways (TCP
 * link listener) and its embedded register but no business workers; app
 * "remote" — standing for another machine: its own run directory, no
 * worker.gateways — has its own gateway and a business worker, and only the
 * hub's register address. The remote worker finds the hub's gateway through
 * the register and serves the hub's clients. Then the hub's register is killed:
 * no link breaks, the supervisor restarts it on the same port, and the gateways
 * re-announce and the worker re-subscribes.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { LineClient, closeAllClients } from '../helpers/clients.js';
import { fixtureApp, freePort, startCluster, type Cluster, type LogLine } from '../helpers/cluster.js';

const SECRET = 'register-e2e-secret';
let hub: Cluster;
let remote: Cluster;
let registerAddress = '';
let hubLinkPort = 0;

before(async () => {
  hubLinkPort = await freePort();
  hub = await startCluster({
    app: {
      name: 'hub',
      events: fixtureApp('echo'),
      listeners: [{ name: 'tcp', protocol: 'text' }],
      secretKey: SECRET,
      gateway: { count: 1, linkHost: '127.0.0.1', linkPort: hubLinkPort },
      worker: { count: 0 },
    },
  });
  const registers = hub.ready?.registers;
  assert.ok(Array.isArray(registers) && typeof registers[0] === 'string', `"gatehouse ready" names the register: ${JSON.stringify(hub.ready)}`);
  registerAddress = registers[0] as string;
  remote = await startCluster({
    app: {
      name: 'remote',
      events: fixtureApp('echo'),
      listeners: [{ name: 'tcp', protocol: 'text' }],
      secretKey: SECRET,
      gateway: { count: 1 },
      worker: { count: 1, threads: 1, gateways: [] },
      register: { embedded: false, addresses: [registerAddress] },
    },
  });
});

after(async () => {
  closeAllClients();
  await Promise.all([remote?.stop(), hub?.stop()]);
});

const learned = (l: LogLine): boolean => l.msg === 'linking to a gateway learned from the register';

test('a worker of another app finds the hub gateway through the register and serves its clients', async () => {
  const line = await remote.waitForLog(learned, 'the remote worker links to the hub gateway', 10_000);
  assert.equal(line.link, `tcp:127.0.0.1:${hubLinkPort}`);
  assert.equal(line.name, 'hub');
  // Its own gateway is announced to the same register but is linked by Unix socket only: no second link.
  await sleep(300);
  assert.deepEqual(remote.lines.filter(learned).map((l) => l.link), [`tcp:127.0.0.1:${hubLinkPort}`]);

  // The hub has no business worker: whoever answers is the remote one, over the learned TCP link.
  const c = await LineClient.connect(hub.port('tcp'));
  c.send('hello');
  assert.equal(await c.next(10_000), 'S:hello');
  c.send('again');
  assert.equal(await c.next(), 'S:again');
});

test('the register killed: no link breaks, it comes back on the same port, gateways re-announce and workers re-subscribe', async () => {
  const c = await LineClient.connect(hub.port('tcp'));
  c.send('before');
  assert.equal(await c.next(10_000), 'S:before');
  const runDir = hub.runDir;
  const pid = Number(readFileSync(join(runDir, 'register.pid'), 'utf8').trim());
  assert.ok(Number.isInteger(pid) && pid > 0);
  const announcedBefore = hub.lines.filter((l) => l.msg === 'announced to the register').length;
  const listsBefore = remote.lines.filter((l) => l.msg === 'gateway list received from the register').length;
  assert.ok(announcedBefore >= 1 && listsBefore >= 1);

  process.kill(pid, 'SIGKILL');
  // During the outage the client is still served through the existing link.
  for (let i = 0; i < 5; i++) {
    c.send(`during ${i}`);
    assert.equal(await c.next(), `S:during ${i}`);
    await sleep(50);
  }

  const again = await hub.waitForLog((l) => l.msg === 'register ready' && l.childPid !== pid, 'the register restarted', 15_000);
  assert.equal(again.address, registerAddress, 'restarted on the same address');
  await hub.waitForLog(
    () => hub.lines.filter((l) => l.msg === 'announced to the register').length > announcedBefore,
    'the hub gateway re-announced',
    15_000,
  );
  await remote.waitForLog(
    () => remote.lines.filter((l) => l.msg === 'gateway list received from the register').length > listsBefore,
    'the remote worker re-subscribed',
    15_000,
  );
  c.send('after');
  assert.equal(await c.next(), 'S:after');
  // The learned link never closed, and was never made twice.
  assert.equal(remote.lines.filter((l) => l.msg === 'gateway link closed').length, 0, remote.tail());
  assert.equal(remote.lines.filter(learned).length, 1);
  assert.equal(c.isClosed, false);
});
