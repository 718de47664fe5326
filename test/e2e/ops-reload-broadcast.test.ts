/**
 * Zero-downtime reload under a broadcast load (issue 3, item 4): 1,000 text
 * clients on 2 gateways × 2 business workers; 12 of them each send a numbered
 * line every 100 ms that the app broadcasts to everyone (~120,000 deliveries/s),
 * and two `gatehouse reload` run back to back meanwhile. Every client must
 * receive every broadcast exactly once, and no connection may close.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { delay } from '../helpers/clients.js';
import { startOpsApp, type OpsApp } from '../helpers/ops-app.js';
import { describeRun, runCli } from '../helpers/ops-cli.js';
import { connectMany, destroyLoadClients, Ticker, waitUntil, type LoadClient } from '../helpers/ops-load.js';

const CLIENTS = 1000;
const SENDERS = 12;
const PERIOD_MS = 100;
/**
 * Lines per sender at most: 17 s of load, enough to span two slow reloads on a
 * busy machine, and 12 × 170 broadcasts × 1,000 clients ≈ 2 M deliveries at most.
 */
const MAX_PER_SENDER = 170;

let app: OpsApp;

before(async () => {
  app = await startOpsApp({ fixture: 'ops-load', gateways: 2, workers: 2, threads: 2, reloadTimeout: 20_000 });
});

after(async () => {
  destroyLoadClients();
  await app?.cluster.stop();
});

async function reload(): Promise<number> {
  const args = ['reload', app.appDir];
  const r = await runCli(args, 40_000);
  assert.equal(r.code, 0, `reload failed: ${describeRun(args, r)}\n${app.cluster.tail(30)}`);
  assert.match(r.stdout, /reloaded \(2 business workers replaced\)/, describeRun(args, r));
  return r.ms;
}

test('two reloads in a row while 1,000 clients chat: every broadcast reaches every client exactly once, none disconnected', { timeout: 85_000 }, async (t) => {
  const clients: LoadClient[] = await connectMany(app.cluster.port('tcp'), CLIENTS);

  // Each client's own round trip proves its gateway registered it before any broadcast.
  let greeted = 0;
  const junk: string[] = [];
  const seen = clients.map(() => new Uint8Array(SENDERS * MAX_PER_SENDER));
  let firstDeliveries = 0;
  let duplicates = 0;
  for (const c of clients) {
    c.onLine = (line, client) => {
      if (line.charCodeAt(0) === 98 /* b */) {
        const space = line.indexOf(' ', 2);
        const sender = Number(line.slice(2, space));
        const n = Number(line.slice(space + 1));
        if (Number.isInteger(sender) && Number.isInteger(n) && sender < SENDERS && n < MAX_PER_SENDER) {
          const slot = sender * MAX_PER_SENDER + n;
          const marks = seen[client.index]!;
          if (marks[slot] === 0) firstDeliveries++;
          else duplicates++;
          if (marks[slot]! < 255) marks[slot]!++;
          return;
        }
      }
      if (line.startsWith('gen ')) greeted++;
      else if (junk.length < 5) junk.push(line);
    };
    c.send('gen');
  }
  assert.ok(await waitUntil(() => greeted === CLIENTS, 20_000), `only ${greeted} of ${CLIENTS} clients were answered before the load`);

  const sent = new Array<number>(SENDERS).fill(0);
  const ticker = new Ticker(PERIOD_MS, () => {
    for (let s = 0; s < SENDERS; s++) if (sent[s]! < MAX_PER_SENDER) clients[s]!.send(`b ${s} ${sent[s]!++}`);
  });
  ticker.start();
  await delay(1500);
  const firstMs = await reload();
  const secondMs = await reload();
  const sentAtSecond = sent.reduce((a, b) => a + b, 0);
  await delay(1500);
  ticker.stop();

  const totalSent = sent.reduce((a, b) => a + b, 0);
  const expected = totalSent * CLIENTS;
  const complete = await waitUntil(() => firstDeliveries >= expected, 30_000, 100);
  const closed = clients.filter((c) => c.isClosed).length;
  t.diagnostic(`reloads took ${firstMs} ms and ${secondMs} ms; ${totalSent} broadcasts, ${firstDeliveries}/${expected} delivered, ${duplicates} duplicates, ${closed} closed`);

  assert.equal(closed, 0, `${closed} of ${CLIENTS} clients were disconnected`);
  if (!complete) {
    const examples: string[] = [];
    for (let i = 0; i < CLIENTS && examples.length < 5; i++) {
      const missing: string[] = [];
      for (let s = 0; s < SENDERS; s++) for (let n = 0; n < sent[s]!; n++) if (seen[i]![s * MAX_PER_SENDER + n] === 0) missing.push(`${s}/${n}`);
      if (missing.length > 0) examples.push(`client ${i} misses ${missing.length}: ${missing.slice(0, 8).join(' ')}`);
    }
    assert.fail(`${expected - firstDeliveries} of ${expected} deliveries missing: ${examples.join('; ')}`);
  }
  assert.equal(duplicates, 0, `a reload must deliver each broadcast exactly once: ${duplicates} duplicates`);
  assert.deepEqual(junk, [], 'no unexpected lines');
  assert.ok(sentAtSecond < SENDERS * MAX_PER_SENDER, `the load still ran when the second reload returned (${sentAtSecond} broadcasts sent by then)`);
});
