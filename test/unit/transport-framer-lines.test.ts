import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { PayloadKind } from '../../src/protocol/constants.js';
import { FramingError } from '../../src/gateway/transport/framer.js';
import { chunksOf, deliveriesForEverySplit, feed, listener, recordingFramer } from './transport-framer-harness.js';

const text = (message: string) => ({ message, kind: PayloadKind.Text });
const json = (message: string) => ({ message, kind: PayloadKind.Json });

describe('text framer', () => {
  it('delivers lines for every split of the stream, CRLF tolerated, empty lines kept', () => {
    const stream = Buffer.from('hello\nworld\r\n\n\r\nlast\rinner\r\npartial');
    for (const { chunks, deliveries, buffered } of deliveriesForEverySplit(listener('text'), stream)) {
      const where = `split ${chunks.map((c) => c.length).join('+')}`;
      assert.deepEqual(deliveries, [text('hello'), text('world'), text(''), text(''), text('last\rinner')], where);
      assert.equal(buffered, 'partial'.length, where);
    }
  });

  it('delivers many lines of one chunk as views of it, without copying', () => {
    const { framer, deliveries, payloads } = recordingFramer(listener('text'));
    const chunk = Buffer.from('a\nbb\nccc\n');
    framer.push(chunk);
    assert.deepEqual(deliveries, [text('a'), text('bb'), text('ccc')]);
    for (const p of payloads) assert.equal(p.buffer, chunk.buffer, 'payload should be a view of the chunk');
    assert.equal(framer.buffered, 0);
  });

  it('assembles a line spread over many chunks once, and counts what it holds', () => {
    const { framer, deliveries } = recordingFramer(listener('text'));
    const line = 'x'.repeat(10_000);
    const chunks = chunksOf(Buffer.from(`${line}\n`), 7);
    for (let i = 0; i < chunks.length - 1; i++) {
      framer.push(chunks[i]!);
      assert.equal(framer.buffered, (i + 1) * 7);
    }
    framer.push(chunks[chunks.length - 1]!);
    assert.deepEqual(deliveries, [text(line)]);
    assert.equal(framer.buffered, 0);
  });

  it('passes bytes through unchanged (no UTF-8 validation on text)', () => {
    const { framer, payloads } = recordingFramer(listener('text'));
    framer.push(Buffer.from([0xe2, 0x82, 0xac, 0xff, 0x0a]));
    assert.deepEqual(payloads, [Buffer.from([0xe2, 0x82, 0xac, 0xff])]);
  });

  describe('size limit', () => {
    const limited = listener('text', { maxMessageSize: 8 });

    it('accepts a line of exactly the limit, with LF or CRLF, split anywhere', () => {
      for (const stream of ['12345678\n', '12345678\r\n']) {
        for (const { deliveries } of deliveriesForEverySplit(limited, Buffer.from(stream))) {
          assert.deepEqual(deliveries, [text('12345678')]);
        }
      }
    });

    it('rejects a line one byte over the limit, however it is split', () => {
      for (const chunks of [[Buffer.from('123456789\n')], chunksOf(Buffer.from('123456789\n'), 1)]) {
        const { framer, deliveries } = recordingFramer(limited);
        assert.throws(
          () => feed(framer, chunks),
          (err: unknown) => err instanceof FramingError && err.reason === 'message too large (limit 8 bytes)',
        );
        assert.deepEqual(deliveries, []);
      }
    });

    it('fails as soon as more than the limit is held without a newline', () => {
      const { framer } = recordingFramer(limited);
      framer.push(Buffer.from('12345678'));
      assert.equal(framer.buffered, 8);
      assert.throws(() => framer.push(Buffer.from('9')), /message too large \(limit 8 bytes\)/);
    });

    it('waits for the next byte when the byte over the limit is a \\r a \\n may strip', () => {
      const { framer, deliveries } = recordingFramer(limited);
      framer.push(Buffer.from('12345678\r'));
      assert.equal(framer.buffered, 9);
      framer.push(Buffer.from('\n'));
      assert.deepEqual(deliveries, [text('12345678')]);
      const second = recordingFramer(limited);
      second.framer.push(Buffer.from('12345678\r'));
      assert.throws(() => second.framer.push(Buffer.from('x')), FramingError);
    });

    it('rejects an over-long line that ends within one chunk after shorter ones', () => {
      const { framer, deliveries } = recordingFramer(limited);
      assert.throws(() => framer.push(Buffer.from('ok\n123456789\nnever\n')), FramingError);
      assert.deepEqual(deliveries, [text('ok')]);
    });

    it('stays failed: every later push throws the same error and nothing is held', () => {
      const { framer, deliveries } = recordingFramer(limited);
      let first: unknown;
      try {
        framer.push(Buffer.from('123456789'));
      } catch (err) {
        first = err;
      }
      assert.ok(first instanceof FramingError);
      assert.equal(framer.buffered, 0);
      assert.throws(() => framer.push(Buffer.from('\nok\n')), (err) => err === first);
      assert.deepEqual(deliveries, []);
    });
  });
});

describe('json framer', () => {
  it('delivers valid JSON lines as Json, reports invalid ones and keeps going, for every split', () => {
    const stream = Buffer.from('{"a":1}\r\n[1,2]\n{bad\n"str"\n\n  \t\r\n42\n');
    for (const { chunks, deliveries } of deliveriesForEverySplit(listener('json'), stream)) {
      const where = `split ${chunks.map((c) => c.length).join('+')}`;
      assert.equal(deliveries.length, 5, where);
      assert.deepEqual(deliveries[0], json('{"a":1}'), where);
      assert.deepEqual(deliveries[1], json('[1,2]'), where);
      const invalid = deliveries[2]!;
      assert.ok('invalid' in invalid, where);
      assert.match(invalid.invalid, /^invalid JSON: .+/, where);
      assert.equal(invalid.line, '{bad', where);
      assert.deepEqual(deliveries[3], json('"str"'), where);
      assert.deepEqual(deliveries[4], json('42'), where);
    }
  });

  it('reports bytes that are not UTF-8 instead of parsing replacement characters', () => {
    const { framer, deliveries } = recordingFramer(listener('json'));
    framer.push(Buffer.concat([Buffer.from('"'), Buffer.from([0xff]), Buffer.from('"\n')]));
    assert.deepEqual(deliveries, [{ invalid: 'invalid JSON: not valid UTF-8', line: '"\xff"' }]);
  });

  it('keeps the connection usable after invalid lines (no throw, nothing held)', () => {
    const { framer, deliveries } = recordingFramer(listener('json'));
    framer.push(Buffer.from('}\n{\n'));
    framer.push(Buffer.from('{"ok":true}\n'));
    assert.equal(deliveries.length, 3);
    assert.deepEqual(deliveries[2], json('{"ok":true}'));
    assert.equal(framer.buffered, 0);
  });

  it('applies the size limit to JSON lines too', () => {
    const limited = listener('json', { maxMessageSize: 7 });
    const { framer, deliveries } = recordingFramer(limited);
    framer.push(Buffer.from('{"a":1}\n'));
    assert.deepEqual(deliveries, [json('{"a":1}')]);
    assert.throws(() => framer.push(Buffer.from('{"a":12}\n')), /message too large \(limit 7 bytes\)/);
  });
});
