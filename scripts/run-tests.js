#!/usr/bin/env node
// Runs the compiled test files with node's test runner: `npm test [-- filter...]`.
// Filters are substrings of the test file paths. Ends with the runner's summary.
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const testRoot = join(root, 'dist', 'test');
const filters = process.argv.slice(2);

function collect(dir) {
  const out = [];
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) {
      if (name !== 'fixtures' && name !== 'helpers') out.push(...collect(p));
    } else if (name.endsWith('.test.js')) out.push(p);
  }
  return out;
}

const files = collect(testRoot).filter((f) => filters.length === 0 || filters.some((s) => relative(root, f).includes(s)));
if (files.length === 0) {
  console.error(`no test files match ${filters.join(' ') || '(all)'} under ${testRoot}; run "npm run build" first`);
  process.exit(1);
}
const args = ['--test', '--test-concurrency=2', ...files];
const r = spawnSync(process.execPath, args, { stdio: 'inherit', cwd: root });
process.exit(r.status ?? 1);
