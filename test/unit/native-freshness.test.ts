/**
 * scripts/native-freshness.js: the [native] test copies and `npm test` tell a
 * stale addon (a C++ source or binding.gyp newer than the binary) from a fresh one.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';

// From dist/test/unit/ to the project's scripts/ (plain JavaScript, not compiled).
const script = new URL('../../../scripts/native-freshness.js', import.meta.url).href;
const { staleSources } = (await import(script)) as { staleSources(root: string): string[] | null };

function project(): { root: string; at(path: string, seconds: number): void } {
  const root = mkdtempSync(join(tmpdir(), 'gh-freshness-'));
  mkdirSync(join(root, 'build', 'Release'), { recursive: true });
  mkdirSync(join(root, 'native', 'src', 'core'), { recursive: true });
  const at = (path: string, seconds: number): void => {
    const p = join(root, path);
    writeFileSync(p, 'x');
    utimesSync(p, seconds, seconds);
  };
  return { root, at };
}

test('a missing addon is null; an addon newer than every source is fresh', () => {
  const { root, at } = project();
  try {
    at('binding.gyp', 1000);
    at('native/src/core/a.cc', 1000);
    assert.equal(staleSources(root), null);
    at('build/Release/gatehouse.node', 2000);
    assert.deepEqual(staleSources(root), []);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('a source or binding.gyp newer than the addon is named, nested folders included', () => {
  const { root, at } = project();
  try {
    at('build/Release/gatehouse.node', 2000);
    at('native/src/core/a.cc', 1000);
    at('native/src/core/b.h', 3000);
    at('binding.gyp', 3000);
    assert.deepEqual(staleSources(root)!.sort(), ['binding.gyp', join('native', 'src', 'core', 'b.h')]);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
