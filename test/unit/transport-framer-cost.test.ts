// Guards the framers' cost model: a long message arriving in many small chunks
// must cost time linear in its size. A framer that rescans or re-concatenates
// what it holds on every chunk takes minutes here instead of milliseconds; the
// bound is loose so a busy machine does not fail the test.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ClientCodec } from '../../src/types.js';
import { chunksOf, listener, recordingFramer } from './transport-framer-harness.js';

const SIZE = 4 * 1024 * 1024;
const CHUNK = 64;
const BOUND_MS = 3000;

function timeFeeding(config: ReturnType<typeof listener>, stream: Buffer, codec: ClientCodec | null = null) {
  const { framer, payloads } = recordingFramer(config, codec);
  const chunks = chunksOf(stream, CHUNK);
  const started = performance.now();
  for (const c of chunks) framer.push(c);
  return { ms: performance.now() - started, payloads, buffered: framer.buffered };
}

/** A codec that answers only when the whole message is in, in O(1): the framer's own cost is what is measured. */
const completeOnlyCodec: ClientCodec = {
  input: (b) => (b.length < 4 ? 0 : b.length >= b.readUInt32BE(0) ? b.readUInt32BE(0) : 0),
  decode: (m) => m.subarray(4),
  encode: (d) => d,
};

describe('framer cost for a 4 MiB message in 64-byte chunks', () => {
  it('text', () => {
    const stream = Buffer.concat([Buffer.alloc(SIZE, 'a'), Buffer.from('\n')]);
    const r = timeFeeding(listener('text', { maxMessageSize: SIZE }), stream);
    assert.equal(r.payloads.length, 1);
    assert.equal(r.payloads[0]!.length, SIZE);
    assert.ok(r.ms < BOUND_MS, `took ${r.ms.toFixed(0)} ms`);
  });

  it('frame', () => {
    const header = Buffer.alloc(4);
    header.writeUInt32BE(SIZE);
    const r = timeFeeding(listener('frame', { maxMessageSize: SIZE }), Buffer.concat([header, Buffer.alloc(SIZE, 1)]));
    assert.equal(r.payloads[0]?.length, SIZE);
    assert.ok(r.ms < BOUND_MS, `took ${r.ms.toFixed(0)} ms`);
  });

  it('custom', () => {
    const stream = Buffer.alloc(SIZE + 4, 2);
    stream.writeUInt32BE(SIZE + 4);
    const r = timeFeeding(listener('custom', { maxMessageSize: SIZE + 4, codec: '/unused' }), stream, completeOnlyCodec);
    assert.equal(r.payloads[0]?.length, SIZE);
    assert.ok(r.ms < BOUND_MS, `took ${r.ms.toFixed(0)} ms`);
  });
});
