/**
 * The real worker core (links, dispatcher, piscina pool with 2 threads) against
 * a fake gateway: ordering, sessions under pipelining, acks after commands,
 * parallelism, isolation of slow and failing handlers.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, test } from 'node:test';
import { Socket } from 'node:net';
import { CommandOp, EventKind, FrameDecoder, FrameType, PayloadKind, decodeAck } from '../../src/protocol/index.js';
import { startHarness, type Harness } from '../fixtures/worker-config.js';
import type { FakeGateway, FakeLink } from '../helpers/fake-gateway.js';

let h: Harness;
let gw: FakeGateway;
let link: FakeLink;

before(async () => {
  h = await startHarness({ threads: 2 });
  gw = h.gateways[0]!;
  link = await gw.link();
});
after(async () => {
  await h.close();
});

/** Sends several events in one write, as a gateway does with a pipelined packet. */
function pipelined(send: () => void): void {
  link.socket.cork();
  send();
  link.socket.uncork();
}

function connect(): string {
  const id = gw.newClientId();
  link.send(id, EventKind.Connect);
  return id;
}

async function reply(id: string, n: number, what = `${n} replies`): Promise<string[]> {
  await link.waitFor(() => link.textsTo(id).length >= n, 5000, what);
  return link.textsTo(id);
}

function receivedIndex(pred: (r: FakeLink['received'][number]) => boolean): number {
  return link.received.findIndex(pred);
}

test('the link opens with a handshake and grants the configured credits', () => {
  assert.deepEqual(link.received[0], { type: 'credit', n: 8192 });
});

test('onWorkerStart ran once in each thread, with thread indexes 0..T-1', () => {
  const lines = readFileSync(h.logFile, 'utf8').trim().split('\n').filter((l) => l.startsWith('start')).sort();
  assert.deepEqual(lines, ['start 0 0', 'start 0 1']);
});

test('a nickname then 20 pipelined lines: each line sees the nickname, in order, and is acked after its reply', async () => {
  const id = gw.newClientId();
  const seqs: number[] = [];
  pipelined(() => {
    seqs.push(link.send(id, EventKind.Connect));
    seqs.push(link.send(id, EventKind.Message, 'ann'));
    for (let i = 1; i <= 20; i++) seqs.push(link.send(id, EventKind.Message, `line ${i}`));
  });
  const texts = await reply(id, 22);
  const expected = [`hello ${id} from text-7000`, 'welcome ann', ...Array.from({ length: 20 }, (_, i) => `ann: line ${i + 1}`)];
  assert.deepEqual(texts, expected);
  await link.waitFor(() => seqs.every((s) => link.ackedSeqs().includes(s)), 2000, 'acks');
  // The nickname's Session command reached the gateway, and every event's ack comes after its reply.
  assert.deepEqual(gw.session(id), { nick: 'ann' });
  for (let i = 0; i < seqs.length; i++) {
    const sent = receivedIndex((r) => r.type === 'command' && r.head === id && r.text === expected[i]);
    const acked = receivedIndex((r) => r.type === 'ack' && r.seqs.includes(seqs[i]!));
    assert.ok(sent >= 0 && acked > sent, `event ${i}: reply at ${sent}, ack at ${acked}`);
  }
});

test("a handler's reply and its ack leave the worker in one write (a worker killed after the reply left cannot leave its event unacked)", async () => {
  const id = connect();
  link.send(id, EventKind.Message, 'ann');
  await reply(id, 2);
  // Every write call of the worker's side of the link, as the frames it carried (the worker runs in this process).
  const calls: { types: number[]; acked: number[] }[] = [];
  const record = (bytes: Buffer): void => {
    const call = { types: [] as number[], acked: [] as number[] };
    new FrameDecoder().push(bytes, (type, body) => {
      call.types.push(type);
      if (type === FrameType.Ack) call.acked.push(...decodeAck(body));
    });
    calls.push(call);
  };
  type Internal = { _write: (chunk: Buffer, enc: string, cb: () => void) => void; _writev: (chunks: { chunk: Buffer }[], cb: () => void) => void };
  const proto = Socket.prototype as unknown as Internal;
  const { _write, _writev } = proto;
  proto._write = function (this: Socket, chunk, enc, cb) {
    if (this !== link.socket) record(chunk);
    return _write.call(this, chunk, enc, cb);
  };
  proto._writev = function (this: Socket, chunks, cb) {
    if (this !== link.socket) record(Buffer.concat(chunks.map((c) => c.chunk)));
    return _writev.call(this, chunks, cb);
  };
  try {
    for (let i = 1; i <= 20; i++) {
      const seq = link.send(id, EventKind.Message, `one ${i}`);
      await link.waitFor(() => link.ackedSeqs().includes(seq), 2000, `the ack of line ${i}`);
      assert.equal(link.textsTo(id).at(-1), `ann: one ${i}`);
      const call = calls.find((c) => c.acked.includes(seq));
      assert.ok(call !== undefined, `line ${i}: a write carried its ack`);
      assert.ok(call.types.indexOf(FrameType.Command) >= 0 && call.types.indexOf(FrameType.Command) < call.types.indexOf(FrameType.Ack),
        `line ${i}: its reply and then its ack in one write, not ${JSON.stringify(call.types)}`);
    }
  } finally {
    proto._write = _write;
    proto._writev = _writev;
  }
});

test('session patches carry increasing patch ids; acked patches fold, unacked ones stay visible', async () => {
  const id = connect();
  await reply(id, 1);
  // Two changes and a read in one packet: the read sees both (carried in the thread).
  pipelined(() => {
    link.send(id, EventKind.Message, '!set a 1');
    link.send(id, EventKind.Message, '!set b 2');
    link.send(id, EventKind.Message, '!session');
  });
  assert.deepEqual(JSON.parse((await reply(id, 4)).at(-1)!), { a: 1, b: 2 });
  // The gateway applied both patches; the next event comes without session bytes (folded).
  link.send(id, EventKind.Message, '!session');
  assert.deepEqual(JSON.parse((await reply(id, 5)).at(-1)!), { a: 1, b: 2 });

  // A patch still on its way when another worker changes the session: the event
  // brings the gateway's session (without c), and the pending patch still shows.
  gw.holdPatches();
  link.send(id, EventKind.Message, '!set c 3');
  await reply(id, 6);
  gw.changeSession(id, { d: 4 });
  link.send(id, EventKind.Message, '!session');
  assert.deepEqual(JSON.parse((await reply(id, 7)).at(-1)!), { a: 1, b: 2, d: 4, c: 3 });
  gw.releasePatches();
  link.send(id, EventKind.Message, '!session');
  assert.deepEqual(JSON.parse((await reply(id, 8)).at(-1)!), { a: 1, b: 2, d: 4, c: 3 });
  assert.deepEqual(gw.session(id), { a: 1, b: 2, d: 4, c: 3 });

  const ids = link.commands(CommandOp.Session).map((c) => (c.head as { p: number }).p);
  assert.deepEqual(ids, Array.from({ length: ids.length }, (_, i) => i + 1), 'patch ids count up from 1 on the link');
});

test("a change of another client's session made here is part of that client's view", async () => {
  const a = connect();
  const b = connect();
  await reply(a, 1);
  await reply(b, 1);
  link.send(b, EventKind.Message, `!update-other ${a} {"x": {"y": 1}}`);
  await reply(b, 2);
  link.send(a, EventKind.Message, '!session');
  assert.deepEqual(JSON.parse((await reply(a, 2)).at(-1)!), { x: { y: 1 } });
  const merge = link.commands(CommandOp.Session).find((c) => (c.head as { c: string }).c === a)!;
  assert.equal((merge.head as { k: number }).k, 3);
});

test('two clients whose handlers block 200 ms run on two threads at once', async () => {
  const a = connect();
  const b = connect();
  await reply(a, 1);
  await reply(b, 1);
  const t0 = performance.now();
  pipelined(() => {
    link.send(a, EventKind.Message, '!block 200');
    link.send(b, EventKind.Message, '!block 200');
  });
  await reply(a, 2);
  await reply(b, 2);
  const ms = performance.now() - t0;
  assert.ok(ms < 350, `both finished after ${ms.toFixed(0)} ms`);
});

test('a slow async handler delays neither another client nor the pool, and its own next event waits for it', async () => {
  const slow = connect();
  const fast = connect();
  await reply(slow, 1);
  await reply(fast, 1);
  const t0 = performance.now();
  pipelined(() => {
    link.send(slow, EventKind.Message, '!sleep 400');
    link.send(slow, EventKind.Message, 'me');
  });
  await new Promise((r) => setTimeout(r, 20));
  for (let i = 0; i < 5; i++) link.send(fast, EventKind.Message, i === 0 ? 'bob' : `hi ${i}`);
  await reply(fast, 6);
  assert.ok(performance.now() - t0 < 250, 'the other client was answered while the slow one slept');
  assert.deepEqual(link.textsTo(slow).slice(1), []);
  const texts = await reply(slow, 3);
  assert.deepEqual(texts.slice(1), ['slept 400', 'welcome me']);
});

test('a handler that throws affects only its own event', async () => {
  const id = connect();
  const seqs: number[] = [];
  pipelined(() => {
    seqs.push(link.send(id, EventKind.Message, 'zed'));
    seqs.push(link.send(id, EventKind.Message, '!throw'));
    seqs.push(link.send(id, EventKind.Message, 'still here'));
  });
  assert.deepEqual((await reply(id, 3)).slice(1), ['welcome zed', 'zed: still here']);
  await link.waitFor(() => seqs.every((s) => link.ackedSeqs().includes(s)), 2000, 'acks');
});

test('bad input to the API is a TypeError naming the method and the argument', async () => {
  const id = connect();
  link.send(id, EventKind.Message, '!bad');
  assert.equal(
    (await reply(id, 2)).at(-1),
    'TypeError: Gateway.sendToClient: clientId must be a client id (24 lowercase hex characters), got "not-a-client-id"',
  );
});

test('binary and json payloads reach onMessage as a Buffer and as the parsed value', async () => {
  const id = connect();
  link.send(id, EventKind.Message, Buffer.from([1, 2, 3]), { payloadKind: PayloadKind.Binary });
  await reply(id, 2);
  const bin = link.commands(CommandOp.SendToClient).filter((c) => c.head === id).at(-1)!;
  assert.deepEqual([...bin.data], [...Buffer.from('bytes:'), 1, 2, 3]);
  assert.equal(bin.flags & 0x02, 0x02, 'sent as binary');
  link.send(id, EventKind.Message, JSON.stringify('!thread'), { payloadKind: PayloadKind.Json });
  assert.match((await reply(id, 3)).at(-1)!, /^thread [01]$/);
});

test('after its close event a client is forgotten, and onClose gets the reason', async () => {
  const before = h.worker.stats().clients;
  const id = connect();
  await reply(id, 1);
  assert.equal(h.worker.stats().clients, before + 1);
  link.send(id, EventKind.Close, 'client closed');
  await link.waitFor(() => link.commands(CommandOp.SendToAll).some((c) => c.text === `left ${id} (client closed)`), 2000, 'onClose');
  await link.waitFor(() => h.worker.stats().clients === before || undefined, 2000, 'state dropped');
});
