// Gateway API queries (docs/protocol.md "Queries"): every op, errors keep the link.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CommandOp, SessionPatchKind } from '../../src/protocol/constants.js';
import { TestGateway, listenerConfig } from '../helpers/gateway-test-engine.js';

test('every query op answers about this gateway', async (t) => {
  const gw = await TestGateway.start({ listeners: [listenerConfig('text')] });
  t.after(() => gw.close());
  const w = await gw.worker({ autoAck: true });
  const ids: string[] = [];
  for (let i = 0; i < 3; i++) {
    await gw.tcpClient('text');
    ids.push((await w.nextEvent()).clientId);
  }
  const [a, b, c] = ids as [string, string, string];
  w.command(CommandOp.BindUid, [a, 'ann']);
  w.command(CommandOp.BindUid, [b, 'bob']);
  w.command(CommandOp.BindUid, [c, 'bob']);
  w.command(CommandOp.JoinGroup, [a, 'room']);
  w.command(CommandOp.JoinGroup, [b, 'room']);
  w.command(CommandOp.JoinGroup, [c, 'lobby']);
  w.command(CommandOp.Session, { c: a, p: 1, k: SessionPatchKind.Replace }, JSON.stringify({ nick: 'ann' }));
  const q = async (op: string, ...args: unknown[]) => {
    const r = await w.query(op, args);
    assert.equal(r.ok, true, `${op}: ${JSON.stringify(r.result)}`);
    return r.result;
  };
  const sorted = (v: unknown) => [...(v as string[])].sort();

  assert.equal(await q('isOnline', a), true);
  assert.equal(await q('isOnline', 'ffffffffffff000000000001'), false);
  const byUid = (await q('clientIdsByUid', ['ann', 'bob', 'nobody'])) as Record<string, string[]>;
  assert.deepEqual(byUid.ann, [a]);
  assert.deepEqual(sorted(byUid.bob), sorted([b, c]));
  assert.deepEqual(byUid.nobody, []);
  assert.equal(await q('uidByClientId', a), 'ann');
  assert.equal(await q('uidByClientId', 'ffffffffffff000000000001'), null);
  assert.equal(await q('clientCount'), 3);
  assert.equal(await q('clientCount', 'room'), 2);
  assert.equal(await q('clientCount', 'nowhere'), 0);
  assert.deepEqual(sorted(await q('clientIds')), sorted(ids));
  assert.deepEqual(sorted(await q('clientIds', 'room')), sorted([a, b]));
  assert.deepEqual(await q('clientSessions', 'room'), { [a]: { nick: 'ann' }, [b]: {} });
  assert.equal(Object.keys((await q('clientSessions')) as object).length, 3);
  assert.deepEqual(sorted(await q('uids')), ['ann', 'bob']);
  assert.deepEqual(sorted(await q('uids', 'room')), ['ann', 'bob']);
  assert.deepEqual(await q('uids', 'lobby'), ['bob']);
  assert.deepEqual(sorted(await q('groups')), ['lobby', 'room']);
  const gu = (await q('groupUids')) as Record<string, string[]>;
  assert.deepEqual(sorted(gu.room), ['ann', 'bob']);
  assert.deepEqual(gu.lobby, ['bob']);
  const gc = (await q('groupClientIds')) as Record<string, string[]>;
  assert.deepEqual(sorted(gc.room), sorted([a, b]));
  assert.deepEqual(await q('groupClientCounts', ['room', 'lobby', 'none']), { room: 2, lobby: 1, none: 0 });
  assert.deepEqual(await q('session', a), { nick: 'ann' });
  assert.equal(await q('session', 'ffffffffffff000000000001'), null);
  const stats = (await q('stats')) as Record<string, unknown>;
  assert.equal(stats.connections, 3);
  assert.equal(stats.gatewayId, gw.engine.gatewayId);
  for (const key of ['messagesIn', 'messagesOut', 'bytesIn', 'bytesOut', 'writes', 'eventsAcked']) assert.equal(typeof stats[key], 'number');
  // Every counter of stats(), and nothing else, whichever engine wrote the JSON (order is not part of it).
  assert.deepEqual(Object.keys(stats).sort(), Object.keys(gw.stats()).sort());
});

test('an unknown op or bad arguments get an error reply and the link stays', async (t) => {
  const gw = await TestGateway.start();
  t.after(() => gw.close());
  const w = await gw.worker();
  const unknown = await w.query('noSuchOp', []);
  assert.equal(unknown.ok, false);
  assert.match(String(unknown.result), /unknown query op "noSuchOp"/);
  const proto = await w.query('__proto__', []);
  assert.equal(proto.ok, false);
  const bad = await w.query('isOnline', [42]);
  assert.equal(bad.ok, false);
  assert.match(String(bad.result), /isOnline: args must be \[clientId\]/);
  const badList = await w.query('clientIdsByUid', ['u']);
  assert.equal(badList.ok, false);
  assert.equal(w.closed, false);
  assert.equal((await w.query('clientCount', [])).result, 0);
  assert.equal(gw.stats().queries, 5);
});
