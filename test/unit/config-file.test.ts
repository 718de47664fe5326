/**
 * The config file in each of its forms: JSON, JavaScript (ESM and CommonJS),
 * TypeScript through tsx, and a function returning the configuration.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { ConfigError, findConfigFile, loadConfig } from '../../src/config/index.js';

const BODY = `{ events: './events.js', listeners: [{ protocol: 'text', port: 9000 }], worker: { threads: 3 } }`;

function app(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'gh-config-file-'));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}

async function threadsOf(files: Record<string, string>): Promise<number> {
  const c = await loadConfig(app(files), {}, {});
  assert.equal(c.listeners[0]!.port, 9000);
  return c.worker.threads;
}

test('JSON, .js, .mjs and .cjs config files are read', async () => {
  assert.equal(await threadsOf({ 'gatehouse.config.json': JSON.stringify({ events: './events.js', listeners: [{ protocol: 'text', port: 9000 }], worker: { threads: 3 } }) }), 3);
  assert.equal(await threadsOf({ 'gatehouse.config.mjs': `export default ${BODY};` }), 3);
  assert.equal(await threadsOf({ 'gatehouse.config.js': `export default ${BODY};`, 'package.json': '{"type":"module"}' }), 3);
  assert.equal(await threadsOf({ 'gatehouse.config.js': `module.exports = ${BODY};` }), 3);
  assert.equal(await threadsOf({ 'gatehouse.config.cjs': `module.exports = ${BODY};` }), 3);
  assert.equal(await threadsOf({ 'gatehouse.config.mjs': `export default async () => (${BODY});` }), 3, 'an async function returning the configuration');
});

test('TypeScript config files load through tsx, with types, enums and imports of other .ts files', async () => {
  const ts = `
    import type { GatehouseConfig } from 'gatehousejs';
    import { THREADS } from './threads.ts';
    enum Protocol { Text = 'text' }
    interface Listener { protocol: string; port: number }
    const listeners: Listener[] = [{ protocol: Protocol.Text, port: 9000 }];
    export default { events: './events.js', listeners, worker: { threads: THREADS } } satisfies GatehouseConfig;
  `;
  const threads = 'export const THREADS: number = 5;';
  assert.equal(await threadsOf({ 'gatehouse.config.ts': ts, 'threads.ts': threads, 'package.json': '{"type":"module"}' }), 5);
  // Without "type": "module" nearby, tsx compiles the file as CommonJS; the default export still arrives.
  assert.equal(await threadsOf({ 'gatehouse.config.ts': `const c: { events: string } & Record<string, unknown> = ${BODY};\nexport default c;` }), 3);
  assert.equal(await threadsOf({ 'gatehouse.config.mts': `export default (): object => (${BODY});` }), 3);
});

test('a changed config file is read anew by the same process', async () => {
  const dir = app({ 'gatehouse.config.mjs': `export default ${BODY};` });
  assert.equal((await loadConfig(dir, {}, {})).worker.threads, 3);
  const file = join(dir, 'gatehouse.config.mjs');
  writeFileSync(file, `export default ${BODY.replace('threads: 3', 'threads: 7')};`);
  const later = new Date(Date.now() + 5000);
  utimesSync(file, later, later);
  assert.equal((await loadConfig(dir, {}, {})).worker.threads, 7);
});

test('a broken or ambiguous config file is refused with a message naming it', async () => {
  const cases: [Record<string, string>, RegExp][] = [
    [{ 'gatehouse.config.json': '{ "events": ' }, /gatehouse\.config\.json is not valid JSON: /],
    [{ 'gatehouse.config.ts': 'export default { events: ;' }, /gatehouse\.config\.ts could not be loaded: /],
    [{ 'gatehouse.config.mjs': 'throw new Error("boom")' }, /gatehouse\.config\.mjs could not be loaded: boom$/],
    [{ 'gatehouse.config.mjs': 'export default () => { throw new Error("no db") }' }, /gatehouse\.config\.mjs: the configuration function failed: no db$/],
    [{ 'gatehouse.config.mjs': 'export default 42' }, /gatehouse\.config\.mjs must describe an object \(got number\)$/],
    [{ 'gatehouse.config.json': '[]' }, /gatehouse\.config\.json must describe an object \(got a list\)$/],
    [{ 'gatehouse.config.json': '{}', 'gatehouse.config.ts': 'export default {}' }, /has 2 config files \(gatehouse\.config\.json, gatehouse\.config\.ts\); keep one$/],
    [{ 'other.txt': '' }, /^no gatehouse\.config\.\{json,js,mjs,ts\} in /],
  ];
  for (const [files, message] of cases) {
    await assert.rejects(loadConfig(app(files), {}, {}), (err: unknown) => err instanceof ConfigError && message.test(err.message), String(message));
  }
  const dir = app({ 'settings.yaml': 'a: 1' });
  await assert.rejects(loadConfig(join(dir, 'settings.yaml'), {}, {}), /a config file must be \.json, \.js, \.mjs, \.cjs, \.ts, \.mts or \.cts$/);
  assert.equal(findConfigFile(join(dir, 'settings.yaml')), join(dir, 'settings.yaml'), 'a file given directly is used as is');
});
