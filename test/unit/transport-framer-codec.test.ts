import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { PayloadKind } from '../../src/protocol/constants.js';
import { FramingError } from '../../src/gateway/transport/framer.js';
import type { ClientCodec } from '../../src/types.js';
import lineCodec from '../fixtures/codecs/line.js';
import TotalLengthCodec from '../fixtures/codecs/total-length.js';
import { chunksOf, deliveriesForEverySplit, feed, listener, recordingFramer } from './transport-framer-harness.js';

const text = (message: string) => ({ message, kind: PayloadKind.Text });
const binary = (message: string) => ({ message, kind: PayloadKind.Binary });

function totalLength(...bodies: string[]): Buffer {
  return Buffer.concat(bodies.map((b) => TotalLengthCodec.encode(Buffer.from(b, 'latin1'))));
}

/** A codec of single-byte-header messages (header = body length) whose behaviour a test can change. */
function scriptedCodec(overrides: Partial<ClientCodec> = {}): ClientCodec & { inputs: string[] } {
  const inputs: string[] = [];
  return {
    inputs,
    input(buffer) {
      inputs.push(buffer.toString('latin1'));
      return buffer.length === 0 ? 0 : buffer[0]! + 1 <= buffer.length ? buffer[0]! + 1 : 0;
    },
    decode: (message) => message.subarray(1),
    encode: (data) => Buffer.concat([Buffer.from([data.length]), data]),
    ...overrides,
  };
}

const custom = (maxMessageSize = 1024 * 1024) => listener('custom', { maxMessageSize, codec: '/unused' });

function expectFramingError(fn: () => void, reason: string | RegExp): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof FramingError, `expected a FramingError, got ${String(err)}`);
    if (typeof reason === 'string') assert.equal(err.reason, reason);
    else assert.match(err.reason, reason);
    return true;
  });
}

describe('custom codec framer', () => {
  it('delivers decoded strings as Text for every split (input answers when complete)', () => {
    const stream = Buffer.from('héllo\n\nsecond\npart');
    for (const { chunks, deliveries, buffered } of deliveriesForEverySplit(custom(), stream, lineCodec)) {
      const where = `split ${chunks.map((c) => c.length).join('+')}`;
      assert.deepEqual(deliveries, [text(Buffer.from('héllo').toString('latin1')), text(''), text('second')], where);
      assert.equal(buffered, 4, where);
    }
  });

  it('delivers decoded Buffers as Binary for every split (input gives the length before the body is in, as in Workerman)', () => {
    const stream = Buffer.concat([totalLength('first', '', 'third\x00\xff'), Buffer.from([0, 0, 0, 9, 0x61])]);
    for (const { chunks, deliveries, buffered } of deliveriesForEverySplit(custom(), stream, TotalLengthCodec)) {
      const where = `split ${chunks.map((c) => c.length).join('+')}`;
      assert.deepEqual(deliveries, [binary('first'), binary(''), binary('third\x00\xff')], where);
      assert.equal(buffered, 5, where);
    }
  });

  it('shows input() only bytes that start at a message boundary, and does not ask again once it gave a length', () => {
    const codec = scriptedCodec();
    const { framer, deliveries } = recordingFramer(custom(), codec);
    framer.push(Buffer.from('\x02ab\x03c'));
    framer.push(Buffer.from('d'));
    framer.push(Buffer.from('e\x00'));
    assert.deepEqual(deliveries, [binary('ab'), binary('cde'), binary('')]);
    assert.deepEqual(codec.inputs, ['\x02ab\x03c', '\x03c', '\x03cd', '\x03cde\x00', '\x00']);

    const early = { calls: 0 };
    const counting: ClientCodec = {
      input: (b) => (early.calls++, b.length >= 4 ? TotalLengthCodec.input(b) : 0),
      decode: (m) => TotalLengthCodec.decode(m),
      encode: (d) => d,
    };
    const r = recordingFramer(custom(), counting);
    feed(r.framer, chunksOf(totalLength('x'.repeat(100)), 10));
    assert.equal(early.calls, 1, 'input() is not called again while the announced length is incomplete');
    assert.deepEqual(r.deliveries, [binary('x'.repeat(100))]);
  });

  it('never overwrites a message it handed out, even when the codec returns the slice it was given', () => {
    const identity = scriptedCodec({ decode: (m) => m });
    const { framer, payloads } = recordingFramer(custom(), identity);
    const stream = Buffer.from('\x03abc\x02de\x04fghi\x01j'.repeat(20), 'latin1');
    feed(framer, chunksOf(stream, 3));
    const expected = ['\x03abc', '\x02de', '\x04fghi', '\x01j'];
    assert.equal(payloads.length, 80);
    payloads.forEach((p, i) => assert.equal(p.toString('latin1'), expected[i % 4], `message ${i}`));
  });

  it('closes on -1 from input()', () => {
    const { framer } = recordingFramer(custom(), TotalLengthCodec);
    expectFramingError(() => framer.push(Buffer.from([0, 0, 0, 3])), 'malformed frame: custom codec input() returned -1');
    assert.equal(framer.buffered, 0);
    expectFramingError(() => framer.push(totalLength('ok')), 'malformed frame: custom codec input() returned -1');
  });

  it('turns exceptions and wrong return values of the codec into codec errors', () => {
    const cases: [Partial<ClientCodec>, RegExp][] = [
      [{ input: () => { throw new Error('input boom'); } }, /^codec error: input boom$/],
      [{ decode: () => { throw new Error('decode boom'); } }, /^codec error: decode boom$/],
      [{ decode: () => 42 as unknown as Buffer }, /^codec error: decode\(\) returned number/],
      [{ input: () => 1.5 }, /^codec error: input\(\) returned 1\.5/],
      [{ input: () => -2 }, /^codec error: input\(\) returned -2/],
      [{ input: () => '3' as unknown as number }, /^codec error: input\(\) returned 3/],
    ];
    for (const [overrides, reason] of cases) {
      const { framer } = recordingFramer(custom(), scriptedCodec(overrides));
      expectFramingError(() => framer.push(Buffer.from('\x02ab')), reason);
    }
  });

  it('keeps the thrown error as the cause of a codec error', () => {
    const boom = new Error('boom');
    const { framer } = recordingFramer(custom(), scriptedCodec({ input: () => { throw boom; } }));
    assert.throws(() => framer.push(Buffer.from('x')), (err: unknown) => err instanceof FramingError && err.cause === boom);
  });

  it('accepts decode() returning a plain Uint8Array as Binary', () => {
    const { framer, deliveries } = recordingFramer(custom(), scriptedCodec({ decode: (m) => new Uint8Array(m.subarray(1)) as Buffer }));
    framer.push(Buffer.from('\x02hi'));
    assert.deepEqual(deliveries, [binary('hi')]);
  });

  describe('size limit', () => {
    it('accepts a message of exactly the limit and rejects a length one past it at once', () => {
      const atLimit = recordingFramer(custom(8), TotalLengthCodec);
      feed(atLimit.framer, chunksOf(totalLength('1234'), 1));
      assert.deepEqual(atLimit.deliveries, [binary('1234')]);

      const over = recordingFramer(custom(8), TotalLengthCodec);
      expectFramingError(() => over.framer.push(Buffer.from([0, 0, 0, 9])), 'message too large (limit 8 bytes)');
    });

    it('rejects when more than the limit is held while input() still asks for more', () => {
      const { framer } = recordingFramer(custom(8), lineCodec);
      framer.push(Buffer.from('1234567'));
      framer.push(Buffer.from('8'));
      assert.equal(framer.buffered, 8);
      expectFramingError(() => framer.push(Buffer.from('9')), 'message too large (limit 8 bytes)');
      const whole = recordingFramer(custom(8), lineCodec);
      expectFramingError(() => whole.framer.push(Buffer.from('123456789')), 'message too large (limit 8 bytes)');
    });
  });

  it('needs a codec', () => {
    assert.throws(() => recordingFramer(custom(), null), /protocol 'custom' needs a loaded codec/);
  });
});
