/**
 * The package users install is `gatehousejs` (`gatehouse` on npm is someone
 * else's); its command stays `gatehouse`. Apps import the package by that name,
 * and nothing in the repository imports it by the old one.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { pathToFileURL, fileURLToPath } from 'node:url';
import { test } from 'node:test';
import { Gateway } from '../../src/index.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { name: string; bin: Record<string, string>; exports: Record<string, unknown> };

test('the package is gatehousejs; its command is gatehouse', () => {
  assert.equal(pkg.name, 'gatehousejs');
  assert.deepEqual(Object.keys(pkg.bin), ['gatehouse']);
  assert.equal(pkg.bin.gatehouse, 'dist/src/cli/main.js');
  const lock = JSON.parse(readFileSync(join(ROOT, 'package-lock.json'), 'utf8')) as { name: string; packages: Record<string, { name?: string }> };
  assert.equal(lock.name, 'gatehousejs');
  assert.equal(lock.packages['']!.name, 'gatehousejs');
});

test('nothing in the repository imports the package by its old name', () => {
  const found: string[] = [];
  const walk = (dir: string): void => {
    for (const name of readdirSync(dir)) {
      if (['node_modules', 'dist', 'build', '.git', 'results'].includes(name)) continue;
      const p = join(dir, name);
      if (statSync(p).isDirectory()) walk(p);
      else if (/\.(ts|js|mjs|cjs|md)$/.test(name) && /(from |import\()'gatehouse(\/[^']*)?'/.test(readFileSync(p, 'utf8'))) found.push(relative(ROOT, p));
    }
  };
  for (const dir of ['src', 'test', 'examples', 'bench', 'docs', 'scripts']) walk(join(ROOT, dir));
  if (/(from |import\()'gatehouse(\/[^']*)?'/.test(readFileSync(join(ROOT, 'README.md'), 'utf8'))) found.push('README.md');
  assert.deepEqual(found, []);
});

test("an app outside the repository, with the package in its node_modules, imports 'gatehousejs' and gets this package's API", async () => {
  const app = mkdtempSync(join(tmpdir(), 'gh-pkg-'));
  try {
    mkdirSync(join(app, 'node_modules'));
    symlinkSync(ROOT, join(app, 'node_modules', 'gatehousejs'), 'dir');
    writeFileSync(join(app, 'package.json'), JSON.stringify({ type: 'module' }));
    writeFileSync(join(app, 'probe.js'), "export { Gateway } from 'gatehousejs';\n");
    const loaded = (await import(pathToFileURL(join(app, 'probe.js')).href)) as { Gateway: typeof Gateway };
    assert.equal(typeof loaded.Gateway.sendToAll, 'function');
    assert.equal(loaded.Gateway, Gateway, 'the same module as the built package (dist/src/index.js)');
  } finally {
    rmSync(app, { recursive: true, force: true });
  }
});
