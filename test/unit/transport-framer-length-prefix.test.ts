import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { FrameOptions } from '../../src/config/types.js';
import { PayloadKind } from '../../src/protocol/constants.js';
import { FramingError } from '../../src/gateway/transport/framer.js';
import { chunksOf, deliveriesForEverySplit, feed, frameListener, listener, recordingFramer } from './transport-framer-harness.js';

const binary = (message: string) => ({ message, kind: PayloadKind.Binary });

/** A header written independently of the code under test. */
function header(options: FrameOptions, payloadLength: number): Buffer {
  const length = payloadLength + (options.lengthIncludesHeader ? options.headerSize : 0);
  const bytes: number[] = [];
  for (let i = options.headerSize - 1; i >= 0; i--) bytes.push(Math.floor(length / 256 ** i) % 256);
  if (options.endian === 'little') bytes.reverse();
  return Buffer.from(bytes);
}

function frames(options: FrameOptions, ...payloads: string[]): Buffer {
  return Buffer.concat(payloads.flatMap((p) => [header(options, p.length), Buffer.from(p, 'latin1')]));
}

const variants: FrameOptions[] = [];
for (const headerSize of [2, 4] as const) {
  for (const endian of ['big', 'little'] as const) {
    for (const lengthIncludesHeader of [false, true]) variants.push({ headerSize, endian, lengthIncludesHeader });
  }
}
const describeVariant = (o: FrameOptions) =>
  `${o.headerSize}-byte ${o.endian}-endian${o.lengthIncludesHeader ? ', length includes header' : ''}`;

describe('frame framer', () => {
  for (const options of variants) {
    describe(describeVariant(options), () => {
      it('delivers messages, empty ones included, for every split', () => {
        const stream = Buffer.concat([frames(options, 'hello', '', 'x', 'bytes\n\r\x00\xff'), header(options, 3), Buffer.from('ab')]);
        for (const { chunks, deliveries, buffered } of deliveriesForEverySplit(frameListener(options), stream)) {
          const where = `split ${chunks.map((c) => c.length).join('+')}`;
          assert.deepEqual(deliveries, [binary('hello'), binary(''), binary('x'), binary('bytes\n\r\x00\xff')], where);
          assert.equal(buffered, options.headerSize + 2, where);
        }
      });

      it('accepts a payload of exactly the limit and rejects one byte more from the header alone', () => {
        const atLimit = recordingFramer(frameListener(options, 16));
        feed(atLimit.framer, chunksOf(frames(options, 'a'.repeat(16)), 5));
        assert.deepEqual(atLimit.deliveries, [binary('a'.repeat(16))]);

        const over = recordingFramer(frameListener(options, 16));
        // Only the header: the error must not wait for the body.
        assert.throws(
          () => over.framer.push(header(options, 17)),
          (err: unknown) => err instanceof FramingError && err.reason === 'message too large (limit 16 bytes)',
        );
        assert.equal(over.framer.buffered, 0);
      });

      it('rejects an oversized header even when it arrives byte by byte', () => {
        const { framer } = recordingFramer(frameListener(options, 16));
        const bytes = chunksOf(header(options, 17), 1);
        for (const b of bytes.slice(0, -1)) framer.push(b);
        assert.throws(() => framer.push(bytes[bytes.length - 1]!), /message too large \(limit 16 bytes\)/);
      });
    });
  }

  it('reads the declared length in the configured byte order (0x0102 is 258, not 513)', () => {
    const big = recordingFramer(frameListener({ headerSize: 2, endian: 'big', lengthIncludesHeader: false }));
    big.framer.push(Buffer.concat([Buffer.from([0x01, 0x02]), Buffer.alloc(257)]));
    assert.deepEqual(big.deliveries, []);
    assert.equal(big.framer.buffered, 2 + 257);
    big.framer.push(Buffer.alloc(1));
    assert.equal(big.payloads[0]?.length, 258);

    const little = recordingFramer(frameListener({ headerSize: 4, endian: 'little', lengthIncludesHeader: false }));
    little.framer.push(Buffer.concat([Buffer.from([0x02, 0x01, 0x00, 0x00]), Buffer.alloc(258)]));
    assert.equal(little.payloads[0]?.length, 258);
  });

  it('rejects a length smaller than the header it includes, and accepts one equal to it', () => {
    for (const headerSize of [2, 4] as const) {
      const options: FrameOptions = { headerSize, endian: 'big', lengthIncludesHeader: true };
      const ok = recordingFramer(frameListener(options));
      ok.framer.push(Buffer.from(headerSize === 2 ? [0, 2] : [0, 0, 0, 4]));
      assert.deepEqual(ok.deliveries, [binary('')]);

      const bad = recordingFramer(frameListener(options));
      assert.throws(
        () => bad.framer.push(Buffer.from(headerSize === 2 ? [0, 1] : [0, 0, 0, 3])),
        (err: unknown) => err instanceof FramingError && /^malformed frame: /.test(err.reason),
      );
    }
  });

  it('delivers messages within one chunk as views, and a split message as one buffer', () => {
    const options: FrameOptions = { headerSize: 4, endian: 'big', lengthIncludesHeader: false };
    const { framer, payloads } = recordingFramer(frameListener(options));
    const chunk = frames(options, 'one', 'two');
    framer.push(chunk);
    assert.ok(payloads.every((p) => p.buffer === chunk.buffer));
    const split = frames(options, 'x'.repeat(1000));
    feed(framer, chunksOf(split, 100));
    assert.equal(payloads[2]?.toString(), 'x'.repeat(1000));
    assert.equal(framer.buffered, 0);
  });

  it('refuses bad frame options with a clear error', () => {
    const bad = listener('frame', { frame: { headerSize: 3 as 2, endian: 'big', lengthIncludesHeader: false } });
    assert.throws(() => recordingFramer(bad), /frame\.headerSize must be 2 or 4 \(got 3\)/);
    const badEndian = listener('frame', { frame: { headerSize: 2, endian: 'middle' as 'big', lengthIncludesHeader: false } });
    assert.throws(() => recordingFramer(badEndian), /frame\.endian must be 'big' or 'little'/);
  });
});

describe('createFramer', () => {
  it('takes empty chunks anywhere without effect, for every protocol', () => {
    const streams: [ReturnType<typeof listener>, Buffer][] = [
      [listener('text'), Buffer.from('ab\n')],
      [listener('json'), Buffer.from('[1]\n')],
      [listener('frame'), Buffer.from([0, 0, 0, 2, 7, 8])],
    ];
    for (const [config, stream] of streams) {
      const { framer, payloads } = recordingFramer(config);
      for (const byte of chunksOf(stream, 1)) {
        framer.push(Buffer.alloc(0));
        framer.push(byte);
      }
      framer.push(Buffer.alloc(0));
      assert.equal(payloads.length, 1, config.protocol);
      assert.equal(framer.buffered, 0, config.protocol);
    }
  });

  it('does not frame websocket listeners', () => {
    assert.throws(() => recordingFramer(listener('websocket')), TypeError);
  });
});
