/**
 * Sessions and order: a session change is visible to the client's next event
 * (also when the events were pipelined in one write), a handler's ctx.session
 * patch and another client's concurrent updateSession of other keys are both
 * kept, and every client's messages are handled in order while many clients
 * run in parallel on 2 gateways × 2 workers × 2 threads.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { isDeepStrictEqual } from 'node:util';
import { closeAllClients, delay, eventually, LineClient } from '../helpers/clients.js';
import { fixtureApp, startCluster, type Cluster } from '../helpers/cluster.js';

let cluster: Cluster;

async function cmdClient(label: string): Promise<LineClient> {
  return LineClient.connect(cluster.port('cmd'), { label });
}

async function clientId(c: LineClient): Promise<string> {
  c.send('id');
  const id = await c.next();
  assert.match(id, /^[0-9a-f]{24}$/);
  return id;
}

before(async () => {
  cluster = await startCluster({
    app: {
      events: fixtureApp('session'),
      listeners: [
        { name: 'cmd', protocol: 'text' },
        { name: 'nick', protocol: 'text' },
      ],
      gateway: { count: 2 },
      worker: { count: 2, threads: 2 },
    },
  });
});

after(async () => {
  closeAllClients();
  await cluster?.stop();
});

describe('sessions', () => {
  test('session changes persist from one event to the next; deleted keys stay deleted', async () => {
    const c = await cmdClient('persist');
    c.send('set a 1');
    assert.equal(await c.next(), 'ok');
    c.send('set b two words');
    assert.equal(await c.next(), 'ok');
    c.send('get');
    assert.deepEqual(JSON.parse(await c.next()), { a: '1', b: 'two words' });
    c.send('del a');
    assert.equal(await c.next(), 'ok');
    c.send('get');
    assert.deepEqual(JSON.parse(await c.next()), { b: 'two words' });
    // The same, pipelined: each event sees the previous one's change.
    c.write('set x 1\nset y 2\ndel x\nset b 3\nget\n');
    assert.deepEqual(await c.collect(4), ['ok', 'ok', 'ok', 'ok']);
    assert.deepEqual(JSON.parse(await c.next()), { b: '3', y: '2' });
    await c.close();
  });

  test('a handler\'s ctx.session change and a concurrent updateSession of another key by another client are both kept', async () => {
    const target = await cmdClient('target');
    const other = await cmdClient('other');
    const targetId = await clientId(target);

    // target's handler sets "mine", then awaits 500 ms before its patch goes out;
    // meanwhile other's handler merges "theirs" into target's session.
    const sent = Date.now();
    target.send('slowset mine 1 500');
    await delay(100);
    other.send(`update ${targetId} {"theirs":2,"nested":{"q":1}}`);
    assert.equal(await other.next(), 'ok');
    assert.ok(Date.now() - sent < 450, 'the other client\'s update was answered while the slow handler still ran');
    assert.equal(await target.next(), 'ok');

    const both = { mine: '1', theirs: 2, nested: { q: 1 } };
    target.send('get');
    assert.deepEqual(JSON.parse(await target.next()), both, 'target\'s next event sees both changes');
    await eventually(
      async () => {
        other.send(`getSession ${targetId}`);
        return JSON.parse(await other.next()) as unknown;
      },
      (s) => isDeepStrictEqual(s, both),
      'getSession(target) holds both changes',
    );

    // The other way round: the update lands first, then target's handler changes another key.
    other.send(`update ${targetId} {"nested":{"r":2}}`);
    assert.equal(await other.next(), 'ok');
    target.write('set late 3\nget\n');
    assert.equal(await target.next(), 'ok');
    const last = JSON.parse(await target.next()) as Record<string, unknown>;
    assert.equal(last.late, '3');
    assert.equal(last.mine, '1');
    assert.equal(last.theirs, 2);
    // The merge may or may not be visible to an event forwarded before it landed; it must be there eventually.
    await eventually(
      async () => {
        target.send('get');
        return JSON.parse(await target.next()) as unknown;
      },
      (s) => isDeepStrictEqual(s, { mine: '1', theirs: 2, nested: { q: 1, r: 2 }, late: '3' }),
      'target sees the merged session',
    );
    await target.close();
    await other.close();
  });
});

describe('order', () => {
  test('each client\'s messages are handled in order, with its session carried forward, under parallel load', async () => {
    const CLIENTS = 6;
    const MESSAGES = 300;
    const CHUNK = 25;
    const clients = await Promise.all(Array.from({ length: CLIENTS }, (_, i) => cmdClient(`order-${i}`)));
    const started = Date.now();
    const results = await Promise.all(
      clients.map(async (c) => {
        const receiving = c.collect(MESSAGES, 60_000);
        for (let i = 0; i < MESSAGES; i += CHUNK) {
          let chunk = '';
          for (let j = i; j < Math.min(MESSAGES, i + CHUNK); j++) chunk += `n m${j}\n`;
          c.write(chunk);
          await delay(1);
        }
        return receiving;
      }),
    );
    const elapsed = Date.now() - started;
    results.forEach((lines, ci) => {
      for (let j = 0; j < MESSAGES; j++) {
        if (lines[j] !== `${j + 1} m${j}`) {
          assert.fail(`client ${ci}: answer ${j} is ${JSON.stringify(lines[j])}, expected "${j + 1} m${j}"; answers ${j - 2}..${j + 2}: ${JSON.stringify(lines.slice(Math.max(0, j - 2), j + 3))}`);
        }
      }
    });
    assert.ok(elapsed < 60_000, `took ${elapsed} ms`);
    await Promise.all(clients.map((c) => c.close()));
  });

  test('pipelining: a nickname and 20 lines in one write yield 20 lines from that nickname (several clients at once)', async () => {
    const clients = await Promise.all([0, 1, 2, 3].map((i) => LineClient.connect(cluster.port('nick'), { label: `pipeline-${i}` })));
    await Promise.all(
      clients.map(async (c, i) => {
        const nick = `nick${i}`;
        let packet = `${nick}\n`;
        for (let j = 1; j <= 20; j++) packet += `line ${j} from ${nick}\n`;
        c.write(packet);
        const got = await c.collect(21);
        const want = [`Hello ${nick}`, ...Array.from({ length: 20 }, (_, j) => `${nick}: line ${j + 1} from ${nick}`)];
        assert.deepEqual(got, want, `client ${i}`);
      }),
    );
    await Promise.all(clients.map((c) => c.close()));
  });
});
