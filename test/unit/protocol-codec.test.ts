import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  CommandFlag,
  CommandOp,
  EventKind,
  FrameDecoder,
  FrameType,
  LinkProtocolError,
  PayloadKind,
  decodeAck,
  decodeAuth,
  decodeBinaryCommand,
  decodeEvent,
  decodeHello,
  decodeQuery,
  decodeReply,
  encodeAck,
  encodeAuth,
  encodeBinaryCommandFrame,
  encodeEventFrame,
  encodeFrame,
  encodeHello,
  encodeQueryFrame,
  encodeReplyFrame,
  gatewayProof,
  isClientId,
  makeClientId,
  newGatewayId,
  newNonce,
  proofMatches,
  workerProof,
  gatewayIdOf,
} from '../../src/protocol/index.js';

function framesOf(bytes: Buffer, split: number): { type: number; body: Buffer }[] {
  const d = new FrameDecoder(1024);
  const out: { type: number; body: Buffer }[] = [];
  for (let i = 0; i < bytes.length; i += split) {
    d.push(bytes.subarray(i, i + split), (type, body) => out.push({ type, body: Buffer.from(body) }));
  }
  assert.equal(d.buffered, 0);
  return out;
}

test('frames survive any split of the stream', () => {
  const stream = Buffer.concat([
    encodeFrame(FrameType.Credit, Buffer.from([0, 0, 0, 7])),
    encodeFrame(FrameType.Drain),
    encodeFrame(FrameType.Reject, Buffer.from('bye')),
  ]);
  for (const split of [1, 2, 3, 5, 7, stream.length]) {
    const frames = framesOf(stream, split);
    assert.deepEqual(
      frames.map((f) => f.type),
      [FrameType.Credit, FrameType.Drain, FrameType.Reject],
    );
    assert.equal(frames[2]!.body.toString(), 'bye');
    assert.equal(frames[1]!.body.length, 0);
  }
});

test('an oversized or empty frame is a protocol error', () => {
  const d = new FrameDecoder(16);
  const big = Buffer.alloc(4);
  big.writeUInt32BE(17, 0);
  assert.throws(() => d.push(big, () => {}), LinkProtocolError);
  assert.throws(() => new FrameDecoder().push(Buffer.alloc(4), () => {}), /length 0/);
});

test('client ids: fixed length, carry the gateway id, distinct per connection', () => {
  const gw = newGatewayId();
  assert.match(gw, /^[0-9a-f]{12}$/);
  const a = makeClientId(gw, 1);
  const b = makeClientId(gw, 2 ** 40);
  assert.equal(a.length, 24);
  assert.equal(b.length, 24);
  assert.notEqual(a, b);
  assert.ok(isClientId(a) && isClientId(b));
  assert.equal(gatewayIdOf(b), gw);
  assert.ok(!isClientId('xyz') && !isClientId(a.toUpperCase()) && !isClientId(42));
});

test('event frames round-trip with session, info and payload kinds', () => {
  const clientId = makeClientId(newGatewayId(), 99);
  const frame = encodeEventFrame({
    seq: 4_000_000_000,
    kind: EventKind.Message,
    clientId,
    sessionVersion: 7,
    patchAck: 3,
    redelivery: true,
    payloadKind: PayloadKind.Json,
    session: Buffer.from('{"nick":"ann"}'),
    info: Buffer.from('{"listener":"tcp"}'),
    payload: Buffer.from('{"x":1}'),
  });
  const [f] = framesOf(frame, 3);
  assert.equal(f!.type, FrameType.Event);
  const e = decodeEvent(f!.body);
  assert.equal(e.seq, 4_000_000_000);
  assert.equal(e.kind, EventKind.Message);
  assert.equal(e.clientId, clientId);
  assert.equal(e.sessionVersion, 7);
  assert.equal(e.patchAck, 3);
  assert.equal(e.redelivery, true);
  assert.equal(e.payloadKind, PayloadKind.Json);
  assert.equal(e.session?.toString(), '{"nick":"ann"}');
  assert.equal(e.info?.toString(), '{"listener":"tcp"}');
  assert.equal(e.payload.toString(), '{"x":1}');

  const bare = decodeEvent(framesOf(encodeEventFrame({ seq: 1, kind: EventKind.Connect, clientId, sessionVersion: 1, patchAck: 0 }), 64)[0]!.body);
  assert.equal(bare.session, null);
  assert.equal(bare.info, null);
  assert.equal(bare.payload.length, 0);
  assert.equal(bare.redelivery, false);
});

test('malformed events are refused, not misread', () => {
  assert.throws(() => decodeEvent(Buffer.alloc(5)), LinkProtocolError);
  const clientId = makeClientId(newGatewayId(), 1);
  const body = encodeEventFrame({ seq: 1, kind: EventKind.Message, clientId, sessionVersion: 1, patchAck: 0, session: Buffer.from('{}') }).subarray(5);
  body.writeUInt32BE(1000, 26); // session length overruns the frame
  assert.throws(() => decodeEvent(body), /overruns/);
  const badKind = Buffer.from(body);
  badKind[4] = 9;
  assert.throws(() => decodeEvent(badKind), /unknown kind/);
});

test('commands, queries, replies and acks round-trip', () => {
  const cmd = encodeBinaryCommandFrame(CommandOp.SendToGroup, CommandFlag.Binary, { g: ['a', 'b'], x: [] }, Buffer.from([1, 2, 3]));
  const c = decodeBinaryCommand(framesOf(cmd, 4)[0]!.body);
  assert.equal(c.op, CommandOp.SendToGroup);
  assert.equal(c.flags, CommandFlag.Binary);
  assert.deepEqual(c.names, ['a', 'b']);
  assert.deepEqual([...c.data], [1, 2, 3]);
  assert.throws(() => decodeBinaryCommand(Buffer.from([99, 0])), /unknown op/);

  const q = decodeQuery(framesOf(encodeQueryFrame(12, 'clientCount', ['room']), 2)[0]!.body);
  assert.deepEqual(q, { id: 12, op: 'clientCount', args: ['room'] });
  const r = decodeReply(framesOf(encodeReplyFrame(12, false, 'nope'), 100)[0]!.body);
  assert.deepEqual(r, { id: 12, ok: false, result: 'nope' });
  assert.deepEqual(decodeAck(encodeAck([1, 2, 4_294_967_295])), [1, 2, 4_294_967_295]);
  assert.throws(() => decodeAck(Buffer.from([0, 0, 0, 2, 0])), LinkProtocolError);
});

test('Hello: the worker speaks the newest version both sides know, and refuses a gateway it shares none with', () => {
  const nonce = newNonce();
  const hello = (oldest: number, description: object) => {
    const u16 = Buffer.alloc(2);
    u16.writeUInt16BE(oldest, 0);
    return Buffer.concat([u16, nonce, Buffer.from(JSON.stringify({ gatewayId: 'abcdefabcdef', pid: 1, listeners: [], ...description }))]);
  };
  assert.equal(decodeHello(Buffer.concat(encodeHello(nonce, { gatewayId: 'abcdefabcdef', pid: 1, listeners: [] }))).version, 3);
  assert.equal(decodeHello(hello(1, { protocolVersion: 2 })).version, 2, 'a version-2 gateway (accepts 1 and 2)');
  assert.equal(decodeHello(hello(3, { protocolVersion: 4 })).version, 3, 'a version-4 gateway (accepts 3 and 4)');
  assert.throws(() => decodeHello(hello(1, {})), {
    name: 'LinkProtocolError',
    message: 'hello: protocol version 1 is not supported (this side speaks 2 and 3)',
  });
  assert.throws(() => decodeHello(hello(4, { protocolVersion: 5 })), {
    name: 'LinkProtocolError',
    message: 'hello: protocol versions 4 to 5 are not supported (this side speaks 2 and 3)',
  });
});

test('handshake proofs: the right secret verifies, a wrong one does not, the secret is never sent', () => {
  const ng = newNonce();
  const nw = newNonce();
  const hello = decodeHello(Buffer.concat(encodeHello(ng, { gatewayId: 'abcdefabcdef', pid: 1, listeners: [] })));
  assert.deepEqual(hello.nonce, ng);
  const mac = workerProof('s3cret', ng, nw);
  const authBytes = Buffer.concat(encodeAuth(nw, mac, { workerId: 'w0', pid: 2 }));
  assert.equal(authBytes.includes(Buffer.from('s3cret')), false);
  const auth = decodeAuth(authBytes);
  assert.ok(proofMatches(workerProof('s3cret', ng, auth.nonce), auth.mac));
  assert.ok(!proofMatches(workerProof('other', ng, auth.nonce), auth.mac));
  assert.ok(!proofMatches(gatewayProof('s3cret', ng, nw), mac), 'gateway and worker proofs differ');
  const wrongVersion = Buffer.concat(encodeAuth(nw, mac, { workerId: 'w0', pid: 2 }));
  wrongVersion.writeUInt16BE(9, 0);
  assert.throws(() => decodeAuth(wrongVersion), /version 9 is not supported/);
});
