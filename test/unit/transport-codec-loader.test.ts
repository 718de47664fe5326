import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';
import { loadClientCodec } from '../../src/gateway/transport/codec-loader.js';

const fixture = (name: string) => fileURLToPath(new URL(`../fixtures/codecs/${name}.js`, import.meta.url));

describe('loadClientCodec', () => {
  it('loads a default-exported object', async () => {
    const codec = await loadClientCodec(fixture('line'));
    assert.equal(codec.input(Buffer.from('ab\ncd')), 3);
    assert.equal(codec.decode(Buffer.from('ab\n')), 'ab');
    assert.deepEqual(codec.encode(Buffer.from('x')), Buffer.from('x\n'));
  });

  it('loads a default-exported class with static methods, keeping `this`', async () => {
    const codec = await loadClientCodec(fixture('total-length'));
    assert.deepEqual(codec.encode(Buffer.from('a')), Buffer.from([0, 0, 0, 5, 0x61]));
    assert.equal(codec.input(Buffer.from([0, 0, 0, 5])), 5);
  });

  it('loads named exports when there is no default export', async () => {
    const codec = await loadClientCodec(fixture('named-exports'));
    assert.equal(codec.input(Buffer.from('xyz')), 1);
    assert.deepEqual(codec.decode(Buffer.from('x')), Buffer.from('x'));
  });

  it('names the missing functions exactly', async () => {
    const missingDecode = fixture('missing-decode');
    await assert.rejects(loadClientCodec(missingDecode), {
      message: `custom codec ${missingDecode} must export input(), decode() and encode() functions (missing: decode)`,
    });
    const notACodec = fixture('no-functions');
    await assert.rejects(loadClientCodec(notACodec), {
      message: `custom codec ${notACodec} must export input(), decode() and encode() functions (missing: input, decode, encode)`,
    });
  });

  it('reports a module that fails to import, with its error as cause', async () => {
    const path = fixture('throws-on-import');
    await assert.rejects(loadClientCodec(path), (err: unknown) => {
      assert.ok(err instanceof Error);
      assert.equal(err.message, `cannot load custom codec ${path}: codec fixture failed on purpose`);
      assert.ok(err.cause instanceof Error);
      return true;
    });
    const absent = fixture('does-not-exist');
    await assert.rejects(loadClientCodec(absent), new RegExp(`^Error: cannot load custom codec ${absent}: `));
  });

  it('requires an absolute path', async () => {
    await assert.rejects(loadClientCodec('codecs/line.js'), /custom codec path must be absolute \(got "codecs\/line\.js"\)/);
  });
});
