/**
 * The worker's side of a link is bounded (worker.linkOutputLimit): a gateway
 * that stops reading while a handler floods its client gets a closed link
 * (policy close: the events not acked come back from the gateway) or has the
 * commands past the bound dropped and counted (policy drop), and the worker's
 * memory for that link stays near the bound.
 */
import assert from 'node:assert/strict';
import { afterEach, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { EventKind } from '../../src/protocol/index.js';
import { startHarness, type Harness } from '../fixtures/worker-config.js';

const LIMIT = 1024 * 1024;
let h: Harness | undefined;

afterEach(async () => {
  await h?.close();
  h = undefined;
});

async function poll(check: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(10);
  }
}

/** Connects a client whose gateway then stops reading, and has its handler send 200 × 64 KiB (12.5 MiB). */
async function floodStalledLink(policy: 'close' | 'drop') {
  h = await startHarness({ threads: 1, worker: { linkOutputLimit: LIMIT, linkOutputPolicy: policy } });
  const gw = h.gateways[0]!;
  const link = await gw.link();
  const id = gw.newClientId();
  link.send(id, EventKind.Connect);
  link.send(id, EventKind.Message, 'flooder');
  await link.waitFor(() => link.ackedSeqs().length === 2, 5000, 'the first events acked');
  link.socket.pause();
  const seq = link.send(id, EventKind.Message, '!flood 200 64');
  return { gw, link, id, seq };
}

test("policy drop: the commands past the bound are dropped and counted, the link stays, what was kept arrives with the ack", async () => {
  const { link, id, seq } = await floodStalledLink('drop');
  const worker = h!.worker;
  await poll(() => worker.stats().linkOutputDrops > 0, 5000, 'drops counted');
  await sleep(100);
  const drops = worker.stats().linkOutputDrops;
  assert.ok(drops >= 150, `most of the 12.5 MiB past the 1 MiB bound was dropped: ${drops} of 201 commands`);
  assert.equal(worker.stats().linkOutputCloses, 0);
  assert.equal(worker.stats().links, 1, 'the link stays open');

  link.socket.resume();
  await link.waitFor(() => link.ackedSeqs().includes(seq), 5000, 'the flood event acked (acks are never dropped)');
  const kept = link.textsTo(id).filter((t) => t.length === 64 * 1024).length + (link.textsTo(id).includes('flooded') ? 1 : 0);
  assert.equal(kept + drops, 201, `every command was either delivered or counted as dropped (${kept} delivered, ${drops} dropped)`);
});

test('policy close: the link is closed and counted; the worker links again and the gateway can redeliver', async () => {
  const { gw } = await floodStalledLink('close');
  const worker = h!.worker;
  await poll(() => worker.stats().linkOutputCloses === 1, 5000, 'the close counted');
  assert.equal(worker.stats().linkOutputDrops, 0);
  // The worker reconnects; the new link works.
  const again = await gw.link(1);
  const id = gw.newClientId();
  again.send(id, EventKind.Connect);
  again.send(id, EventKind.Message, 'after');
  await again.waitFor(() => again.ackedSeqs().length === 2, 5000, 'events on the new link acked');
});
