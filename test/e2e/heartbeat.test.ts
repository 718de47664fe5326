/**
 * Heartbeat with gateway.pingInterval 0.2 s, pingNotResponseLimit 2 and
 * pingData "ping": a silent client gets the ping data and is closed after
 * about interval × limit (well within 1.2 s); a client that sends every 100 ms
 * stays connected; onClose tells the reason.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { closeAllClients, delay, LineClient, RawClient } from '../helpers/clients.js';
import { fixtureApp, startCluster, type Cluster } from '../helpers/cluster.js';

let cluster: Cluster;
let port: number;

before(async () => {
  cluster = await startCluster({
    app: {
      events: fixtureApp('echo'),
      listeners: [{ name: 'tcp', protocol: 'text' }],
      gateway: { pingInterval: 0.2, pingNotResponseLimit: 2, pingData: 'ping' },
      worker: { threads: 1 },
    },
  });
  port = cluster.port('tcp');
});

after(async () => {
  closeAllClients();
  await cluster?.stop();
});

/** A client that sends a line every 100 ms until stopped; its echoes and pings are dropped. */
async function activeClient(label: string): Promise<{ client: LineClient; stop: () => Promise<void>; sent: () => number; echoed: () => number }> {
  const client = await LineClient.connect(port, { label });
  let n = 0;
  let echoed = 0;
  client.ignore = (line) => {
    if (line.startsWith('S:beat ')) {
      echoed++;
      return true;
    }
    return line === 'ping';
  };
  let running = true;
  const loop = (async () => {
    while (running && !client.isClosed) {
      client.send(`beat ${n++}`);
      await delay(100);
    }
  })();
  return {
    client,
    sent: () => n,
    echoed: () => echoed,
    stop: async () => {
      running = false;
      await loop;
    },
  };
}

describe('heartbeat', () => {
  test('a silent client receives pingData and is closed after interval × limit; onClose says why', async () => {
    const observer = await activeClient('observer');
    observer.client.send('observe');
    assert.equal(await observer.client.next(), 'observing');

    const silent = await RawClient.connect(port, { label: 'silent' });
    silent.write('id\n');
    const first = await silent.waitFor((b) => b.includes(0x0a), 'its client id');
    const since = Date.now();
    const id = /^id ([0-9a-f]{24})\n/.exec(first.toString())?.[1];
    assert.ok(id, `expected "id <clientId>", got ${JSON.stringify(first.toString())}`);

    const closed = await silent.waitClosed(2500);
    const after = closed.at - since;
    assert.ok(after >= 150 && after <= 1200, `the silent client was closed ${after} ms after its last message (expected about 400-600 ms)`);
    const rest = silent.received.subarray(first.indexOf(0x0a) + 1).toString();
    assert.ok(rest.includes('ping'), `expected pingData "ping" before the close, got ${JSON.stringify(rest)}`);

    const notice = await observer.client.next(3000);
    assert.match(notice, new RegExp(`^closed ${id} `), 'onClose of the silent client');
    assert.match(notice, /heartbeat/i, 'the close reason names the heartbeat');
    assert.equal(observer.client.isClosed, false, 'the observer, sending every 100 ms, is still connected');
    await observer.stop();
    await observer.client.close();
  });

  test('a client that sends every 100 ms stays connected and answered', async () => {
    const active = await activeClient('active');
    await delay(1500);
    await active.stop();
    assert.equal(active.client.isClosed, false, `closed after ${active.sent()} messages`);
    active.client.send('still here');
    assert.equal(await active.client.next(), 'S:still here');
    assert.equal(active.echoed(), active.sent(), 'every beat was answered');
    await active.client.close();
  });
});
