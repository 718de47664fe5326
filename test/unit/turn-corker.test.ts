/**
 * The turn corker: one writev per stream per burst, and a writer's "last"
 * chunks (the worker's acks) in the same writev as what was written before
 * them, never in a write of their own.
 */
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { test } from 'node:test';
import { TurnCorker } from '../../src/util/turn-corker.js';

/** A stream that records each write call it gets as the list of chunks it carried. */
function recorder(): { stream: Writable; writes: string[][] } {
  const writes: string[][] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, cb) {
      writes.push([chunk.toString()]);
      cb();
    },
    writev(chunks, cb) {
      writes.push(chunks.map((c) => (c.chunk as Buffer).toString()));
      cb();
    },
  });
  return { stream, writes };
}

const tick = (): Promise<void> => new Promise((r) => setImmediate(r));

test('what a burst writes goes to the stream in one write, at the end of the microtask burst', async () => {
  const corker = new TurnCorker();
  const { stream, writes } = recorder();
  corker.write(stream, 'a');
  corker.write(stream, 'b');
  assert.deepEqual(writes, []);
  await Promise.resolve();
  assert.deepEqual(writes, [['a', 'b']]);
});

test('last chunks follow everything written before the uncork, in the same write', async () => {
  const corker = new TurnCorker();
  const { stream, writes } = recorder();
  let calls = 0;
  const acks: string[] = [];
  const last = (): void => {
    calls++;
    if (acks.length > 0) corker.write(stream, `ack(${acks.splice(0).join(',')})`);
  };
  corker.write(stream, 'reply1');
  acks.push('1');
  assert.equal(corker.beforeUncork(stream, last), true);
  corker.write(stream, 'reply2'); // written after the ack was asked for: the ack still comes last
  acks.push('2');
  assert.equal(corker.beforeUncork(stream, last), true); // the same callback again: kept once
  await tick();
  assert.deepEqual(writes, [['reply1', 'reply2', 'ack(1,2)']]);
  assert.equal(calls, 1);
  // The next burst starts clean: no callback left behind.
  corker.write(stream, 'reply3');
  await tick();
  assert.deepEqual(writes.at(-1), ['reply3']);
  assert.equal(calls, 1);
});

test('last chunks alone cork the stream and go out in the same burst', async () => {
  const corker = new TurnCorker();
  const { stream, writes } = recorder();
  corker.beforeUncork(stream, () => corker.write(stream, 'ack'));
  await Promise.resolve();
  assert.deepEqual(writes, [['ack']]);
});

test('release runs the last chunks before uncorking (a stream about to end keeps its acks)', () => {
  const corker = new TurnCorker();
  const { stream, writes } = recorder();
  corker.write(stream, 'reply');
  corker.beforeUncork(stream, () => corker.write(stream, 'ack'));
  corker.release(stream);
  assert.deepEqual(writes, [['reply', 'ack']]);
});

test('a destroyed stream takes no last chunks', () => {
  const corker = new TurnCorker();
  const { stream } = recorder();
  stream.destroy();
  assert.equal(corker.beforeUncork(stream, () => assert.fail('never called')), false);
});
