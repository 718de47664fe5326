import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { FrameOptions, ListenerConfig } from '../../src/config/types.js';
import { PayloadKind } from '../../src/protocol/constants.js';
import { createEncoder } from '../../src/gateway/transport/encoder.js';
import type { ClientCodec } from '../../src/types.js';
import lineCodec from '../fixtures/codecs/line.js';
import TotalLengthCodec from '../fixtures/codecs/total-length.js';
import { chunksOf, feed, frameListener, listener, recordingFramer } from './transport-framer-harness.js';

describe('encoder', () => {
  it('ends text and json messages with a newline', () => {
    assert.deepEqual(createEncoder(listener('text'), null)(Buffer.from('hi')), Buffer.from('hi\n'));
    assert.deepEqual(createEncoder(listener('json'), null)(Buffer.from('{"a":1}')), Buffer.from('{"a":1}\n'));
    assert.deepEqual(createEncoder(listener('text'), null)(Buffer.alloc(0)), Buffer.from('\n'));
  });

  it('writes frame headers exactly as configured', () => {
    const cases: [FrameOptions, number[]][] = [
      [{ headerSize: 2, endian: 'big', lengthIncludesHeader: false }, [0x00, 0x03]],
      [{ headerSize: 2, endian: 'little', lengthIncludesHeader: false }, [0x03, 0x00]],
      [{ headerSize: 2, endian: 'big', lengthIncludesHeader: true }, [0x00, 0x05]],
      [{ headerSize: 4, endian: 'big', lengthIncludesHeader: false }, [0x00, 0x00, 0x00, 0x03]],
      [{ headerSize: 4, endian: 'little', lengthIncludesHeader: true }, [0x07, 0x00, 0x00, 0x00]],
    ];
    for (const [options, headerBytes] of cases) {
      const out = createEncoder(frameListener(options), null)(Buffer.from('abc'));
      assert.deepEqual(out, Buffer.concat([Buffer.from(headerBytes), Buffer.from('abc')]), JSON.stringify(options));
    }
  });

  it('refuses data too long for a 2-byte header with a RangeError, counting the header when it is included', () => {
    const plain = createEncoder(frameListener({ headerSize: 2, endian: 'big', lengthIncludesHeader: false }), null);
    assert.equal(plain(Buffer.alloc(0xffff)).length, 0xffff + 2);
    assert.throws(() => plain(Buffer.alloc(0x10000)), RangeError);
    const including = createEncoder(frameListener({ headerSize: 2, endian: 'big', lengthIncludesHeader: true }), null);
    assert.equal(including(Buffer.alloc(0xfffd)).readUInt16BE(0), 0xffff);
    assert.throws(() => including(Buffer.alloc(0xfffe)), /too long for a 2-byte frame header \(at most 65533 bytes\)/);
  });

  it('uses the custom codec and keeps its `this`', () => {
    const encode = createEncoder(listener('custom', { codec: '/unused' }), TotalLengthCodec);
    assert.deepEqual(encode(Buffer.from('ab')), Buffer.from([0, 0, 0, 6, 0x61, 0x62]));
    const broken = createEncoder(listener('custom', { codec: '/unused' }), { ...lineCodec, encode: () => 'x' as unknown as Buffer });
    assert.throws(() => broken(Buffer.from('a')), /custom codec encode\(\) returned string; expected a Buffer/);
    assert.throws(() => createEncoder(listener('custom'), null), TypeError);
  });

  it('does not encode websocket messages', () => {
    assert.throws(() => createEncoder(listener('websocket'), null), TypeError);
  });

  describe('round trip: what the encoder writes, the framer reads back', () => {
    const messages = ['hello', '', 'x'.repeat(3000), 'ünïcödé', '{"k":[1,2,3]}'];

    const roundTrip = (l: ListenerConfig, codec: ClientCodec | null = null) => {
      const encode = createEncoder(l, codec);
      const stream = Buffer.concat(messages.map((m) => encode(Buffer.from(m))));
      // json listeners deliver only lines that are JSON (the blank one and the plain words are not).
      const expected = l.protocol === 'json' ? messages.filter((m) => m.startsWith('{')) : messages;
      for (const size of [1, 7, stream.length]) {
        const { framer, payloads } = recordingFramer(l, codec);
        feed(framer, chunksOf(stream, size));
        assert.deepEqual(payloads.map((p) => p.toString('utf8')), expected, `${l.protocol} in chunks of ${size}`);
        assert.equal(framer.buffered, 0);
      }
    };

    it('text', () => roundTrip(listener('text')));
    it('json', () => roundTrip(listener('json')));
    for (const headerSize of [2, 4] as const) {
      for (const endian of ['big', 'little'] as const) {
        for (const lengthIncludesHeader of [false, true]) {
          it(`frame ${headerSize}/${endian}/${lengthIncludesHeader ? 'includes header' : 'payload only'}`, () =>
            roundTrip(frameListener({ headerSize, endian, lengthIncludesHeader })));
        }
      }
    }
    it('custom (line codec)', () => roundTrip(listener('custom', { codec: '/unused' }), lineCodec));
    it('custom (total-length codec)', () => roundTrip(listener('custom', { codec: '/unused' }), TotalLengthCodec));

    it('keeps payload kinds per protocol', () => {
      const kindsOf = (l: ListenerConfig, codec: ClientCodec | null) => {
        const { framer, deliveries } = recordingFramer(l, codec);
        framer.push(createEncoder(l, codec)(Buffer.from('m')));
        return deliveries.map((d) => ('kind' in d ? d.kind : 'invalid'));
      };
      assert.deepEqual(kindsOf(listener('text'), null), [PayloadKind.Text]);
      assert.deepEqual(kindsOf(listener('frame'), null), [PayloadKind.Binary]);
      assert.deepEqual(kindsOf(listener('custom', { codec: '/unused' }), lineCodec), [PayloadKind.Text]);
      assert.deepEqual(kindsOf(listener('custom', { codec: '/unused' }), TotalLengthCodec), [PayloadKind.Binary]);
    });
  });
});
