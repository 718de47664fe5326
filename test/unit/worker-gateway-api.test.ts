import assert from 'node:assert/strict';
import { afterEach, test } from 'node:test';
import { CommandFlag, CommandOp, SessionPatchKind, encodeBinaryCommandFrame, makeClientId, type SessionPatch } from '../../src/protocol/index.js';
import type { EventContext } from '../../src/types.js';
import { currentEvent, type CurrentEvent } from '../../src/worker/current-event.js';
import { Gateway, setGatewayApiBackend, type GatewayApiBackend } from '../../src/worker/gateway-api.js';

const A = '0123456789ab000000000001';
const B = 'ba9876543210000000000002';

interface Sent {
  gateway: string | null;
  op: number;
  flags: number;
  head: unknown;
  data: string | null;
}

class RecordingBackend implements GatewayApiBackend {
  commands: Sent[] = [];
  sessions: { clientId: string; patch: SessionPatch }[] = [];
  queries: { op: string; args: unknown[]; gateway: string | null }[] = [];
  answers: Record<string, unknown> = {};
  command(gateway: string | null, op: number, flags: number, head: unknown, data: Uint8Array | null): void {
    encodeBinaryCommandFrame(op as CommandOp, flags, head, data ?? undefined); // as the thread's outbox does: refuses lists over 65535
    this.commands.push({ gateway, op, flags, head, data: data === null ? null : Buffer.from(data).toString('utf8') });
  }
  session(clientId: string, patch: SessionPatch): void {
    this.sessions.push({ clientId, patch });
  }
  async query(op: string, args: unknown[], gateway: string | null): Promise<unknown> {
    this.queries.push({ op, args, gateway });
    return this.answers[op];
  }
}

function install(): RecordingBackend {
  const b = new RecordingBackend();
  setGatewayApiBackend(b);
  return b;
}

function running(clientId: string, session: Record<string, unknown> = {}): CurrentEvent {
  const ctx = { clientId, session } as EventContext;
  return { clientId, ctx, finished: false };
}

afterEach(() => setGatewayApiBackend(null));

test('outside a pool thread the API says where it works', () => {
  assert.throws(() => Gateway.sendToAll('x'), {
    name: 'Error',
    message: "Gateway.sendToAll: the Gateway API works only in a business worker's pool threads (handlers, their timers, onWorkerStart)",
  });
});

test('the *CurrentClient calls need a current client', () => {
  install();
  assert.throws(() => Gateway.sendToCurrentClient('x'), /Gateway.sendToCurrentClient: there is no current client here/);
  assert.throws(() => Gateway.closeCurrentClient(), /no current client/);
  const b = install();
  currentEvent.run(running(A), () => {
    Gateway.sendToCurrentClient('hi');
    Gateway.destroyCurrentClient();
  });
  assert.deepEqual(b.commands.map((c) => [c.gateway, c.op, c.head]), [
    ['0123456789ab', CommandOp.SendToClient, A],
    ['0123456789ab', CommandOp.DestroyClient, A],
  ]);
});

test('data: strings are text, bytes are binary, other values are their JSON text; raw is a flag', () => {
  const b = install();
  Gateway.sendToClient(A, 'héllo');
  Gateway.sendToClient(A, Buffer.from('bin'));
  Gateway.sendToClient(A, new TextEncoder().encode('ab').buffer as ArrayBuffer);
  Gateway.sendToClient(A, { type: 'msg', n: 1 }, { raw: true });
  Gateway.sendToClient(A, 42);
  Gateway.sendToClient(A, null);
  assert.deepEqual(
    b.commands.map((c) => [c.flags, c.data]),
    [
      [0, 'héllo'],
      [CommandFlag.Binary, 'bin'],
      [CommandFlag.Binary, 'ab'],
      [CommandFlag.Raw, '{"type":"msg","n":1}'],
      [0, '42'],
      [0, 'null'],
    ],
  );
});

test('bad arguments are TypeErrors naming the method and the argument, and send nothing', () => {
  const b = install();
  const cases: [() => void, string][] = [
    [() => Gateway.sendToClient('nope', 'x'), 'Gateway.sendToClient: clientId must be a client id (24 lowercase hex characters), got "nope"'],
    [() => Gateway.sendToClient(A, undefined as never), 'Gateway.sendToClient: data must be a string, bytes or a JSON value, got undefined'],
    [() => Gateway.sendToClient(A, NaN), 'Gateway.sendToClient: data must be a string, bytes or a JSON value, got NaN'],
    [() => Gateway.sendToClient(A, 'x', { raw: 1 } as never), 'Gateway.sendToClient: options.raw must be a boolean, got 1'],
    [() => Gateway.sendToUid('', 'x'), 'Gateway.sendToUid: uid must be a non-empty string or a finite number, got ""'],
    [() => Gateway.sendToGroup(['ok', {}] as never, 'x'), 'Gateway.sendToGroup: group[1] must be a non-empty string or a finite number, got an object'],
    [() => Gateway.sendToAll('x', { exclude: ['bad'] }), 'Gateway.sendToAll: options.exclude[0] must be a client id (24 lowercase hex characters), got "bad"'],
    [() => Gateway.bindUid(A, ''), 'Gateway.bindUid: uid must be a non-empty string or a finite number, got ""'],
    [() => Gateway.joinGroup(A, null as never), 'Gateway.joinGroup: group must be a non-empty string or a finite number, got null'],
    [() => Gateway.setSession(A, [] as never), 'Gateway.setSession: session must be a plain object, got an array'],
    [() => Gateway.updateSession(B, 'x' as never), 'Gateway.updateSession: partial must be a plain object, got "x"'],
  ];
  for (const [call, message] of cases) assert.throws(call, { name: 'TypeError', message });
  const cyclic: Record<string, unknown> = {};
  cyclic.self = cyclic;
  assert.throws(() => Gateway.sendToAll(cyclic), /Gateway.sendToAll: data is not JSON-serializable/);
  assert.deepEqual(b.commands, []);
});

test('client commands go to the gateway in the client id; uid, group and all sends to every gateway', () => {
  const b = install();
  Gateway.bindUid(A, 7);
  Gateway.joinGroup(B, 'room');
  Gateway.sendToUid([7, 'u8'], 'x');
  Gateway.sendToGroup('room', 'x', { exclude: [A] });
  Gateway.ungroup(3);
  Gateway.closeClient(B, 'bye');
  Gateway.sendToAll('x', { exclude: [A] });
  assert.deepEqual(
    b.commands.map((c) => [c.gateway, c.op, c.flags, c.head]),
    [
      ['0123456789ab', CommandOp.BindUid, 0, [A, '7']],
      ['ba9876543210', CommandOp.JoinGroup, 0, [B, 'room']],
      [null, CommandOp.SendToUid, 0, ['7', 'u8']],
      [null, CommandOp.SendToGroup, 0, { g: ['room'], x: [A] }],
      [null, CommandOp.Ungroup, 0, '3'],
      ['ba9876543210', CommandOp.CloseClient, CommandFlag.HasData, B],
      [null, CommandOp.SendToAll, 0, { x: [A] }],
    ],
  );
});

test('sendToAll to listed clients sends each gateway its own clients, minus the excluded', () => {
  const b = install();
  const A2 = '0123456789ab000000000009';
  Gateway.sendToAll('x', { clientIds: [A, B, A2], exclude: [A2] });
  assert.deepEqual(
    b.commands.map((c) => [c.gateway, c.head]),
    [
      ['0123456789ab', { c: [A] }],
      ['ba9876543210', { c: [B] }],
    ],
  );
});

test('session changes of the running client change ctx.session in place; others become Replace/Merge patches', () => {
  const b = install();
  const ev = running(A, { keep: 1, nested: { a: 1 } });
  currentEvent.run(ev, () => {
    Gateway.updateSession(A, { nested: { b: 2 } });
    assert.deepEqual(ev.ctx.session, { keep: 1, nested: { a: 1, b: 2 } });
    Gateway.setSession(A, { fresh: true });
    assert.deepEqual(ev.ctx.session, { fresh: true });
    Gateway.updateSession(B, { x: 1 });
  });
  ev.finished = true;
  const value = { later: 1 };
  currentEvent.run(ev, () => Gateway.setSession(A, value));
  value.later = 2; // the patch was copied at the call
  assert.deepEqual(b.sessions, [
    { clientId: B, patch: { kind: SessionPatchKind.Merge, value: { x: 1 } } },
    { clientId: A, patch: { kind: SessionPatchKind.Replace, value: { later: 1 } } },
  ]);
});

test('queries: client-addressed ones ask one gateway; answers are shaped per method', async () => {
  const b = install();
  b.answers = {
    isOnline: true,
    clientIdsByUid: { u1: [A, B] },
    uids: ['u1', 'u2'],
    groupClientIds: { g: [A, B], h: [A] },
    groupClientCounts: { g: 2 },
  };
  assert.equal(await Gateway.isOnline(A), true);
  assert.equal(await Gateway.isUidOnline('u1'), true);
  assert.deepEqual(await Gateway.getClientIdByUid('nobody'), []);
  assert.equal(await Gateway.getAllUidCount(), 2);
  assert.deepEqual(await Gateway.getAllGroupClientIdCount(), { g: 2, h: 1 });
  assert.deepEqual(await Gateway.isUidsOnline(['u1', 'u9']), { u1: true, u9: false });
  assert.deepEqual(await Gateway.batchGetClientCountByGroup(['g', 'z']), { g: 2, z: 0 });
  assert.deepEqual(b.queries[0], { op: 'isOnline', args: [A], gateway: '0123456789ab' });
  assert.deepEqual(b.queries[1], { op: 'clientIdsByUid', args: [['u1']], gateway: null });
  await assert.rejects(Gateway.getClientCountByGroup(''), { name: 'TypeError' });
});

test('long client and uid lists are split over several commands; what cannot be split fails naming the method', () => {
  const b = install();
  const ids = Array.from({ length: 4500 }, (_, i) => makeClientId('0123456789ab', i + 1));
  Gateway.sendToAll('x', { clientIds: ids });
  assert.deepEqual(b.commands.map((c) => (c.head as { c: string[] }).c.length), [2000, 2000, 500]);
  b.commands = [];
  Gateway.sendToUid(ids.map((_, i) => `user-${i}`), 'x');
  assert.deepEqual(b.commands.map((c) => (c.head as string[]).length), [2000, 2000, 500]);
  // A list is u16-counted in the binary layout: 65,535 excluded clients at most in one call.
  Gateway.sendToGroup('g', 'x', { exclude: ids });
  const many = Array.from({ length: 70_000 }, (_, i) => makeClientId('0123456789ab', i + 1));
  assert.throws(() => Gateway.sendToGroup('g', 'x', { exclude: many }), {
    name: 'RangeError',
    message: /^Gateway.sendToGroup: a list of 70000 exceeds 65535 entries \(too many groups or excluded clients in one call\)$/,
  });
});
