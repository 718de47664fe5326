/**
 * The worker's side of a gateway link: handshake both ways, credits, ping,
 * reconnects to a restarted gateway (with a new gateway id), readiness.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { CommandOp, EventKind, FrameType, GATEWAY_STOPPING, encodeFrame, gatewayLinkPath } from '../../src/protocol/index.js';
import { createLogger } from '../../src/log/logger.js';
import { GatewayLink, type GatewayLinkHandlers } from '../../src/worker/gateway-link.js';
import type { LinkConnection } from '../../src/worker/link-connection.js';
import { WorkerProcess } from '../../src/worker/worker-process.js';
import { testConfig } from '../fixtures/worker-config.js';
import { FakeGateway } from '../helpers/fake-gateway.js';

const dir = mkdtempSync(join(tmpdir(), 'gh-link-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const logger = createLogger('test', {}, 'silent');

function linkTo(path: string, secret: string) {
  const opened: LinkConnection[] = [];
  const closed: string[] = [];
  const handlers: GatewayLinkHandlers = {
    open: (c) => opened.push(c),
    event: () => {},
    reply: () => {},
    drained: () => {},
    close: (c) => closed.push(c.gatewayId),
  };
  const link = new GatewayLink({ kind: 'unix', path }, { secret, credits: 100, workerId: 'test', logger, handlers });
  link.start();
  return { link, opened, closed };
}

test('with the same secret the link opens and grants credits; pings are answered', async () => {
  const gw = await FakeGateway.start({ path: join(dir, 'ok.sock'), secret: 's3cret' });
  const { link, opened } = linkTo(gw.path, 's3cret');
  const fl = await gw.link();
  await fl.waitFor(() => fl.credits === 100, 2000, 'credits');
  assert.equal(opened[0]!.gatewayId, gw.gatewayId);
  fl.socket.write(encodeFrame(FrameType.Ping, Buffer.from('12345678')));
  const pong = await fl.waitFor(() => fl.received.find((r) => r.type === 'pong'), 2000, 'pong');
  assert.equal((pong as { bytes: Buffer }).bytes.toString(), '12345678');
  link.stop();
  await gw.close();
});

test('a worker with the wrong secret is rejected and never opens; it keeps retrying', async () => {
  const gw = await FakeGateway.start({ path: join(dir, 'wrong.sock'), secret: 'right' });
  const { link, opened } = linkTo(gw.path, 'wrong');
  await sleep(300);
  assert.equal(opened.length, 0);
  assert.ok(gw.accepted >= 2, `retried (${gw.accepted} attempts)`);
  link.stop();
  await gw.close();
});

test("a gateway that cannot prove the secret is refused: Reject 'authentication failed'", async () => {
  const gw = await FakeGateway.start({ path: join(dir, 'forged.sock'), forgeWelcome: true });
  const { link, opened } = linkTo(gw.path, '');
  const fl = await gw.link();
  await fl.waitFor(() => fl.received.find((r) => r.type === 'reject'), 2000, 'reject');
  assert.deepEqual(fl.received.find((r) => r.type === 'reject'), { type: 'reject', reason: 'authentication failed' });
  assert.equal(opened.length, 0);
  link.stop();
  await gw.close();
});

test('a restarted gateway (new gateway id) is linked again', async () => {
  const path = join(dir, 'restart.sock');
  const first = await FakeGateway.start({ path });
  const { link, opened, closed } = linkTo(path, '');
  await first.link();
  await first.close();
  const second = await FakeGateway.start({ path });
  await second.link();
  await sleep(10);
  assert.deepEqual(closed, [first.gatewayId]);
  assert.deepEqual(opened.map((c) => c.gatewayId), [first.gatewayId, second.gatewayId]);
  assert.equal(link.connection?.gatewayId, second.gatewayId);
  link.stop();
  await second.close();
});

test('the worker is ready only once every gateway is linked; after a gateway restart its clients are served again', async () => {
  const runDir = mkdtempSync(join(dir, 'run-'));
  const config = testConfig(runDir, { gateways: 2, threads: 1 });
  const gw0 = await FakeGateway.start({ path: gatewayLinkPath(runDir, 0) });
  let readyAt = 0;
  const worker = new WorkerProcess({ index: 0, config, logger, onReady: () => (readyAt = Date.now()) });
  await gw0.link();
  await sleep(150);
  assert.equal(readyAt, 0, 'not ready with one gateway of two');
  const gw1 = await FakeGateway.start({ path: gatewayLinkPath(runDir, 1) });
  assert.equal(await worker.ready, 2);

  // Gateway 1 restarts: a new id, a new link, and its clients are served.
  await gw1.close();
  const gw1b = await FakeGateway.start({ path: gatewayLinkPath(runDir, 1) });
  const fl = await gw1b.link();
  const id = gw1b.newClientId();
  fl.send(id, EventKind.Connect);
  await fl.waitFor(() => fl.textsTo(id).length === 1, 3000, 'hello');
  await worker.stop();
  await gw0.close();
  await gw1b.close();
});

test('a gateway whose versions the worker knows none of is refused at Hello, naming both', async () => {
  const cases: [number, string][] = [
    [1, 'hello: protocol version 1 is not supported (this side speaks 2 and 3)'],
    [5, 'hello: protocol versions 4 to 5 are not supported (this side speaks 2 and 3)'],
  ];
  for (const [version, reason] of cases) {
    const gw = await FakeGateway.start({ path: join(dir, `v${version}.sock`), version });
    const { link, opened } = linkTo(gw.path, '');
    for (let i = 0; i < 200 && gw.helloRejects.length === 0; i++) await sleep(10);
    assert.equal(gw.helloRejects[0], reason);
    assert.equal(gw.links.length, 0, 'no Auth was sent');
    assert.equal(opened.length, 0);
    link.stop();
    await gw.close();
  }
});

test('rolling upgrade: one worker links to a version-2 gateway and a version-3 one, and speaks each its newest', async () => {
  const runDir = mkdtempSync(join(dir, 'run-'));
  const config = testConfig(runDir, { gateways: 2, threads: 1 });
  const old = await FakeGateway.start({ path: gatewayLinkPath(runDir, 0), version: 2 });
  const current = await FakeGateway.start({ path: gatewayLinkPath(runDir, 1) });
  const worker = new WorkerProcess({ index: 0, config, logger });
  assert.equal(await worker.ready, 2);
  const links = [await old.link(), await current.link()] as const;
  for (const fl of links) {
    const id = fl.gateway.newClientId();
    fl.send(id, EventKind.Connect);
    fl.send(id, EventKind.Message, 'alice'); // writes the session (a Session patch)
    fl.send(id, EventKind.Message, 'hi'); // sees it
    fl.send(id, EventKind.Close, 'bye');
    await fl.waitFor(() => fl.textsTo(id).length === 3, 3000, 'three replies');
    assert.match(fl.textsTo(id)[0]!, new RegExp(`^hello ${id} from `));
    assert.deepEqual(fl.textsTo(id).slice(1), ['welcome alice', 'alice: hi']);
    assert.equal(fl.commands(CommandOp.Session).length, 1);
  }
  // onClose's sendToAll goes to both gateways.
  for (const fl of links) await fl.waitFor(() => fl.commands(CommandOp.SendToAll).length === 2, 3000, 'both left lines');
  assert.deepEqual([...links[0].versions], [2]);
  assert.deepEqual([...links[1].versions], [3]);
  await worker.stop();
  await old.close();
  await current.close();
});

/** A logger whose lines (level, msg, reason) land in `lines`. */
function capturingLogger(): { lines: { level: number; msg: string; reason?: string }[]; log: ReturnType<typeof createLogger> } {
  const lines: { level: number; msg: string; reason?: string }[] = [];
  const destination = { write: (s: string) => void lines.push(JSON.parse(s)) };
  return { lines, log: createLogger('test', {}, 'info', { destination }) };
}

test("a gateway that stops says so, and the worker logs the link's close as info; a link that just drops is a warning", async () => {
  const path = join(dir, 'stopping.sock');
  const gw = await FakeGateway.start({ path });
  const { lines, log } = capturingLogger();
  const closed: string[] = [];
  const handlers: GatewayLinkHandlers = { open: () => {}, event: () => {}, reply: () => {}, drained: () => {}, close: (_c, reason) => closed.push(reason) };
  const link = new GatewayLink({ kind: 'unix', path }, { secret: '', credits: 10, workerId: 'test', logger: log, handlers });
  link.start();
  const first = await gw.link();
  await first.waitFor(() => first.credits === 10, 2000, 'credits');
  first.socket.end(encodeFrame(FrameType.Reject, Buffer.from(GATEWAY_STOPPING)));
  const second = await gw.link(1);
  await second.waitFor(() => second.credits === 10, 2000, 'credits again');
  second.socket.destroy();
  await gw.link(2);
  link.stop();
  await gw.close();
  const closes = lines.filter((l) => l.msg === 'gateway link closed');
  assert.deepEqual(
    closes.map((l) => [l.level, l.reason]),
    [
      [30, `closed by the gateway: ${GATEWAY_STOPPING}`],
      [40, 'closed by the gateway'],
    ],
  );
  assert.deepEqual(closed, [`closed by the gateway: ${GATEWAY_STOPPING}`, 'closed by the gateway']);
});
