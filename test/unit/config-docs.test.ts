/**
 * docs/configuration.md documents every setting with its variable, and the
 * defaults it states are the ones the code applies.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { envNameOf, LISTENER_SETTINGS, resolveConfig, SETTINGS } from '../../src/config/index.js';

const DOC = readFileSync(fileURLToPath(new URL('../../../docs/configuration.md', import.meta.url)), 'utf8');

/** The text of one `## ` section of the doc. */
function sectionOf(title: string): string {
  const start = DOC.indexOf(`\n## ${title}\n`);
  assert.ok(start >= 0, `docs/configuration.md has a "## ${title}" section`);
  const end = DOC.indexOf('\n## ', start + 1);
  return DOC.slice(start, end < 0 ? undefined : end);
}

/** Table rows of a section as cells, keyed by the first cell's backticked name. */
function rows(text: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const line of text.split('\n')) {
    const m = /^\| `([^`]+)` \|(.*)\|$/.exec(line);
    if (m && !out.has(m[1]!)) out.set(m[1]!, m[2]!.split('|').map((c) => c.trim()));
  }
  return out;
}

function valueAt(obj: unknown, path: string): unknown {
  return path.split('.').reduce<unknown>((o, k) => (o as Record<string, unknown> | undefined)?.[k], obj);
}

test('every setting is documented with its environment variable', () => {
  const table = rows(sectionOf('Settings'));
  const listenerTable = rows(sectionOf('Listeners'));
  for (const s of SETTINGS) {
    const row = table.get(s.path);
    assert.ok(row, `docs/configuration.md has no row for ${s.path}`);
    assert.equal(row[0], `\`${envNameOf(s.path)}\``, `the variable of ${s.path}`);
  }
  for (const s of LISTENER_SETTINGS) {
    const row = listenerTable.get(s.path);
    assert.ok(row, `docs/configuration.md has no listener row for ${s.path}`);
    assert.equal(row[0], `\`${envNameOf(`listeners.<i>.${s.path}`).replace('_<I>_', '_<i>_')}\``, `the variable of listeners.<i>.${s.path}`);
  }
});

test('the documented defaults are the applied ones', () => {
  const config = resolveConfig({ events: './e.js', listeners: [{ protocol: 'frame', port: 1 }] }, '/srv/app');
  const documented = [
    ...[...rows(sectionOf('Settings'))].map(([name, cells]) => ({ name, cells, actual: valueAt(config, name) })),
    ...[...rows(sectionOf('Listeners'))].map(([name, cells]) => ({ name, cells, actual: valueAt(config.listeners[0], name) })),
  ];
  let compared = 0;
  for (const { name, cells, actual } of documented) {
    const doc = cells[1]!.replace(/ \(.*\)$/, '');
    if (actual === undefined) continue;
    let expected: unknown;
    if (/^-?\d+$/.test(doc)) expected = Number(doc);
    else if (doc === '1 MiB') expected = 1024 * 1024;
    else if (doc === 'true' || doc === 'false') expected = doc === 'true';
    else if (doc === 'null') expected = null;
    else if (doc === '`[]`') expected = [];
    else if (doc === "`''`") expected = '';
    else if (/^`[^`<$]+`$/.test(doc) && typeof actual === 'string') expected = doc.slice(1, -1);
    else continue;
    assert.deepEqual(actual, expected, `documented default of ${name}`);
    compared++;
  }
  assert.ok(compared >= 25, `only ${compared} defaults could be compared`);
});
