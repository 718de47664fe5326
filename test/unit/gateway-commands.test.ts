// Gateway API commands from a worker link (docs/protocol.md "Commands"), on a
// link of version LINK_VERSION: the newest by default; gateway-commands-v2.test.ts
// runs this whole file again as a version-2 worker (a rolling upgrade).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CommandFlag, CommandOp, FrameType, PROTOCOL_VERSION } from '../../src/protocol/constants.js';
import type { FakeWorker } from '../helpers/fake-worker.js';
import { TcpClient, TestGateway, listenerConfig, waitFor } from '../helpers/gateway-test-engine.js';

const LINK_VERSION = Number(process.env.GATEHOUSE_TEST_LINK_VERSION ?? PROTOCOL_VERSION);

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A gateway with a text listener, an auto-acking worker and `n` text clients with their ids. */
async function setup(t: { after(fn: () => unknown): void }, n: number, extra: Parameters<typeof TestGateway.start>[0] = {}) {
  const gw = await TestGateway.start({ listeners: [listenerConfig('text')], ...extra });
  t.after(() => gw.close());
  const w = await gw.worker({ autoAck: true, version: LINK_VERSION });
  const clients: TcpClient[] = [];
  const ids: string[] = [];
  for (let i = 0; i < n; i++) {
    clients.push(await gw.tcpClient('text'));
    ids.push((await w.nextEvent()).clientId);
  }
  return { gw, w, clients, ids };
}

/** Waits until the worker's commands so far are executed (a query after them is answered), and output had time to arrive. */
async function settle(_gw: TestGateway, w: FakeWorker): Promise<void> {
  await w.query('clientCount', []);
  await sleep(20);
}

/** Each client ends up with exactly these lines. */
async function expectLines(gw: TestGateway, w: FakeWorker, clients: TcpClient[], expected: string[][]): Promise<void> {
  for (let i = 0; i < expected.length; i++) await clients[i]!.waitForLines(expected[i]!.length);
  await settle(gw, w);
  for (let i = 0; i < expected.length; i++) assert.deepEqual(clients[i]!.lines, expected[i], `client ${i}`);
}

test(`the link speaks version ${LINK_VERSION}`, async (t) => {
  const { gw } = await setup(t, 0);
  assert.deepEqual(gw.logs.filter((l) => l.msg === 'worker link open').map((l) => l.protocolVersion), [LINK_VERSION]);
});

test('sendToClient writes the data framed by the listener; ids not held are ignored and counted', async (t) => {
  const { gw, w, clients, ids } = await setup(t, 2);
  w.command(CommandOp.SendToClient, ids[1], 'hi there');
  w.command(CommandOp.SendToClient, 'ffffffffffff000000000001', 'nobody');
  w.command(CommandOp.SendToClient, 'not-an-id', 'nobody');
  assert.deepEqual(await clients[1]!.waitForLines(1), ['hi there']);
  await settle(gw, w);
  assert.equal(clients[0]!.received.length, 0);
  assert.equal(gw.stats().commandsForGoneClients, 2);
  assert.equal(gw.stats().messagesOut, 1);
});

test('sendToAll: everyone, only `c`, all but `x`', async (t) => {
  const { gw, w, clients, ids } = await setup(t, 3);
  w.command(CommandOp.SendToAll, {}, 'all');
  w.command(CommandOp.SendToAll, { c: [ids[0], ids[2], ids[2], 'ffffffffffff000000000009'] }, 'some');
  w.command(CommandOp.SendToAll, { x: [ids[1]] }, 'not1');
  w.command(CommandOp.SendToAll, { c: [ids[0], ids[1]], x: [ids[0]] }, 'c-and-x');
  await settle(gw, w);
  assert.deepEqual(await clients[0]!.waitForLines(3), ['all', 'some', 'not1']);
  assert.deepEqual(await clients[1]!.waitForLines(2), ['all', 'c-and-x']);
  assert.deepEqual(await clients[2]!.waitForLines(3), ['all', 'some', 'not1']);
});

test('uids: bind, rebind replaces, unbind; sendToUid reaches each bound client once', async (t) => {
  const { gw, w, clients, ids } = await setup(t, 3);
  w.command(CommandOp.BindUid, [ids[0], 'u1']);
  w.command(CommandOp.BindUid, [ids[1], 'u1']);
  w.command(CommandOp.BindUid, [ids[2], 'u2']);
  w.command(CommandOp.SendToUid, ['u1'], 'to-u1');
  w.command(CommandOp.SendToUid, ['u1', 'u2', 'u1', 'nobody'], 'to-both');
  w.command(CommandOp.BindUid, [ids[1], 'u3']); // one uid per client: leaves u1
  w.command(CommandOp.UnbindUid, [ids[0], 'u-other']); // not its uid: no change
  w.command(CommandOp.SendToUid, ['u1'], 'u1-again');
  w.command(CommandOp.UnbindUid, [ids[0], 'u1']);
  w.command(CommandOp.SendToUid, ['u1'], 'u1-empty');
  await expectLines(gw, w, clients, [['to-u1', 'to-both', 'u1-again'], ['to-u1', 'to-both'], ['to-both']]);
  assert.deepEqual((await w.query('clientIdsByUid', [['u1', 'u3']])).result, { u1: [], u3: [ids[1]] });
});

test('groups: join, leave, ungroup; sendToGroup with exclude and overlapping groups', async (t) => {
  const { gw, w, clients, ids } = await setup(t, 3);
  w.command(CommandOp.JoinGroup, [ids[0], 'g1']);
  w.command(CommandOp.JoinGroup, [ids[1], 'g1']);
  w.command(CommandOp.JoinGroup, [ids[1], 'g2']);
  w.command(CommandOp.JoinGroup, [ids[2], 'g2']);
  w.command(CommandOp.JoinGroup, [ids[2], 'g2']); // twice: no effect
  w.command(CommandOp.SendToGroup, { g: ['g1', 'g2'] }, 'both-groups');
  w.command(CommandOp.SendToGroup, { g: ['g2'], x: [ids[2]] }, 'g2-but-2');
  w.command(CommandOp.LeaveGroup, [ids[0], 'g1']);
  w.command(CommandOp.SendToGroup, { g: ['g1'] }, 'g1-after-leave');
  w.command(CommandOp.Ungroup, 'g2');
  w.command(CommandOp.SendToGroup, { g: ['g2'] }, 'g2-after-ungroup');
  await expectLines(gw, w, clients, [['both-groups'], ['both-groups', 'g2-but-2', 'g1-after-leave'], ['both-groups']]);
  assert.deepEqual((await w.query('groups', [])).result, ['g1']);
  assert.deepEqual((await w.query('groupClientIds', [])).result, { g1: [ids[1]] });
});

test('a closed client leaves its uid and groups at once', async (t) => {
  const { w, clients, ids } = await setup(t, 2);
  w.command(CommandOp.BindUid, [ids[0], 'u']);
  w.command(CommandOp.JoinGroup, [ids[0], 'g']);
  w.command(CommandOp.JoinGroup, [ids[1], 'g']);
  await w.query('clientCount', []);
  clients[0]!.destroy();
  await waitFor('the close event', () => (w.events.length === 3 ? true : undefined));
  assert.deepEqual((await w.query('groupClientIds', [])).result, { g: [ids[1]] });
  assert.deepEqual((await w.query('uids', [])).result, []);
  assert.equal((await w.query('clientCount', ['g'])).result, 1);
});

test('closeClient sends everything queued, then its data, then closes; destroyClient closes at once', async (t) => {
  const { gw, w, clients, ids } = await setup(t, 2);
  const batch = [];
  for (let i = 0; i < 50; i++) batch.push(w.commandFrame(CommandOp.SendToClient, ids[0], `m${i}`));
  batch.push(w.commandFrame(CommandOp.CloseClient, ids[0], 'bye', CommandFlag.HasData));
  batch.push(w.commandFrame(CommandOp.SendToClient, ids[0], 'after close'));
  w.send(Buffer.concat(batch));
  await clients[0]!.waitClosed();
  assert.deepEqual(clients[0]!.lines, [...Array.from({ length: 50 }, (_, i) => `m${i}`), 'bye']);
  // Without HasData the data is not sent.
  w.command(CommandOp.SendToClient, ids[1], 'last');
  w.command(CommandOp.DestroyClient, ids[1]);
  await clients[1]!.waitClosed();
  assert.ok(clients[1]!.lines.length <= 1);
  await waitFor('close events', () => (w.events.filter((e) => e.kind === 4).length === 2 ? true : undefined));
  assert.equal(gw.stats().connections, 0);
});

test('the Raw flag writes the bytes without the listener framing', async (t) => {
  const { gw, w, clients, ids } = await setup(t, 1, {
    listeners: [listenerConfig('text'), listenerConfig('frame')],
  });
  w.command(CommandOp.SendToClient, ids[0], 'raw-bytes', CommandFlag.Raw);
  w.command(CommandOp.SendToClient, ids[0], '|framed');
  await clients[0]!.waitForBytes('raw-bytes|framed\n'.length);
  assert.equal(clients[0]!.text, 'raw-bytes|framed\n');

  const f = await gw.tcpClient('frame');
  const fid = (await w.nextEvent()).clientId;
  w.command(CommandOp.SendToClient, fid, Buffer.from([1, 2]));
  w.command(CommandOp.SendToClient, fid, Buffer.from([3]), CommandFlag.Raw);
  await f.waitForBytes(7);
  assert.deepEqual([...f.received], [0, 0, 0, 2, 1, 2, 3]);
});

test('one broadcast is encoded per listener: text, frame and websocket (text and binary frames)', async (t) => {
  const gw = await TestGateway.start({
    listeners: [listenerConfig('text'), listenerConfig('frame'), listenerConfig('websocket')],
  });
  t.after(() => gw.close());
  const w = await gw.worker({ autoAck: true, version: LINK_VERSION });
  const text = await gw.tcpClient('text');
  const frame = await gw.tcpClient('frame');
  const ws = await gw.wsClient('websocket');
  await w.eventCount(4);
  w.command(CommandOp.SendToAll, {}, 'hello');
  w.command(CommandOp.SendToAll, {}, Buffer.from([0xff, 0x00]), CommandFlag.Binary);
  const msgs = await ws.waitForMessages(2);
  assert.deepEqual(msgs.map((m) => [m.binary, [...m.data]]), [
    [false, [...Buffer.from('hello')]],
    [true, [0xff, 0x00]],
  ]);
  await text.waitForBytes(9);
  assert.deepEqual(text.received, Buffer.concat([Buffer.from('hello\n'), Buffer.from([0xff, 0x00, 0x0a])]));
  await frame.waitForBytes(13);
  assert.deepEqual([...frame.received], [0, 0, 0, 5, ...Buffer.from('hello'), 0, 0, 0, 2, 0xff, 0x00]);
  // Raw on websocket: the worker wrote a whole frame itself.
  w.command(CommandOp.SendToAll, {}, Buffer.from([0x81, 0x02, 0x68, 0x69]), CommandFlag.Raw | CommandFlag.Binary);
  const raw = await ws.waitForMessages(3);
  assert.equal(raw[2]!.data.toString(), 'hi');
});

test('a message the listener cannot encode is counted and logged, others still get it', async (t) => {
  const gw = await TestGateway.start({
    listeners: [listenerConfig('text'), listenerConfig('frame', { frame: { headerSize: 2, endian: 'big', lengthIncludesHeader: false } })],
  });
  t.after(() => gw.close());
  const w = await gw.worker({ autoAck: true, version: LINK_VERSION });
  const text = await gw.tcpClient('text');
  await gw.tcpClient('frame');
  await w.eventCount(2);
  w.command(CommandOp.SendToAll, {}, 'y'.repeat(70000));
  await text.waitForLines(1);
  assert.equal(gw.stats().encodeErrors, 1);
  assert.ok(gw.logs.some((l) => /could not be encoded/.test(l.msg)));
});

test('invalid session data for a live client closes the link with a logged reason', async (t) => {
  const gw = await TestGateway.start();
  t.after(() => gw.close());
  const w = await gw.worker({ autoAck: true, version: LINK_VERSION });
  await gw.tcpClient('text');
  const id = (await w.nextEvent()).clientId;
  w.command(CommandOp.Session, { c: id, p: 1, k: 2 }, '[1,2]');
  await w.waitClosed();
  assert.match(w.rejected!, /session: patch data of client .* is invalid/);
  assert.ok(gw.logs.some((l) => typeof l.reason === 'string' && /session: patch data of client .* is invalid/.test(l.reason)));
});

test('a malformed command closes only that link, with a clear logged reason', async (t) => {
  const gw = await TestGateway.start();
  t.after(() => gw.close());
  const good = await gw.worker({ version: LINK_VERSION });
  const id = Buffer.alloc(12, 1);
  const cases: [string, Buffer, string][] = [
    ['truncated id', Buffer.from([CommandOp.SendToClient, 0, 1, 2, 3]), 'command: sendToClient: arguments overrun the frame'],
    ['stray flag', Buffer.concat([Buffer.from([CommandOp.DestroyClient, 0x01]), id]), 'command: destroyClient: flag bits 0x01 are not defined for this op'],
    ['forged count', Buffer.from([CommandOp.SendToAll, CommandFlag.Only, 0xff, 0xff]), 'command: sendToAll: arguments overrun the frame'],
    ['bad UTF-8 group', Buffer.from([CommandOp.SendToGroup, 0, 0, 1, 0, 1, 0xff]), 'command: sendToGroup: a uid or group is not valid UTF-8'],
    ['bad patch kind', Buffer.concat([Buffer.from([CommandOp.Session, 0]), id, Buffer.from([0, 0, 0, 1, 9])]), 'command: session: patch kind 9 is not 1, 2 or 3'],
    ['trailing bytes', Buffer.from([CommandOp.Ungroup, 0, 0, 1, 0x61, 0x62]), 'command: ungroup: 1 bytes after the arguments of an op without data'],
  ];
  for (const [name, body, reason] of cases) {
    const w = await gw.worker({ version: LINK_VERSION });
    w.frame(FrameType.Command, body);
    await w.waitClosed();
    assert.equal(w.rejected, reason, name);
    assert.ok(gw.logs.some((l) => l.reason === reason), `${name}: logged`);
  }
  assert.equal(good.closed, false);
  assert.equal((await good.query('clientCount', [])).result, 0);
  assert.equal(gw.stats().linkErrors, cases.length);
});
