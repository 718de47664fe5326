/**
 * A worker forgets a client once its gateway says it moved it to another
 * worker (Forget, protocol version 2), not only when the link closes; should
 * the client come back, its first event brings the session and the handlers
 * go on from it.
 */
import assert from 'node:assert/strict';
import { afterEach, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { EventKind } from '../../src/protocol/index.js';
import { startHarness, type Harness } from '../fixtures/worker-config.js';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

async function poll(check: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 5000;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(10);
  }
}

test('Forget: the client state goes; back on the link, its session comes with its next event', async () => {
  h = await startHarness({ threads: 1 });
  const gw = h.gateways[0]!;
  const link = await gw.link();
  const [alice, bob] = [gw.newClientId(), gw.newClientId()];
  for (const id of [alice, bob]) {
    link.send(id, EventKind.Connect);
    link.send(id, EventKind.Message, id === alice ? 'alice' : 'bob');
  }
  await link.waitFor(() => link.ackedSeqs().length === 4, 5000, 'four events acked');
  await poll(() => h!.worker.stats().clients === 2, 'two clients known');

  gw.forget(link, alice);
  await poll(() => h!.worker.stats().clientsForgotten === 1, 'alice forgotten');
  assert.equal(h.worker.stats().clients, 1, 'only bob is left');

  // Alice comes back: the gateway sends her session again, and her nickname is still there.
  link.send(alice, EventKind.Message, 'hi');
  await link.waitFor(() => link.textsTo(alice).includes('alice: hi') || undefined, 5000, "alice's line");
  assert.equal(h.worker.stats().clients, 2);
});
