#!/usr/bin/env node
// SVG charts of saved bench results: `node bench/charts.js <results.json>... [--out DIR] [--name NAME]`.
// Several files are merged into one dataset, so three separate runs of the same comparison are drawn
// together as medians with min–max ranges; each run is tagged with its file so that round 1 of one
// file stays a different round from round 1 of the next.
// Writes <base>-<chart>.svg and prints the paths. <base> is the first file without .json, unless
// --out (a folder; default the first file's) or --name (default the first file's name) says otherwise.
import { readFileSync, mkdirSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { isDeepStrictEqual, parseArgs } from 'node:util';
import { writeCharts } from './lib/charts.js';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { out: { type: 'string' }, name: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
});
if (values.help || positionals.length === 0) {
  console.error('usage: node bench/charts.js <results.json>... [--out DIR] [--name NAME]');
  process.exit(values.help ? 0 : 2);
}

const files = positionals.map((path) => ({ path, source: basename(path).replace(/\.json$/, ''), results: JSON.parse(readFileSync(path, 'utf8')) }));
const first = files[0].results;
// The charts' titles name one machine: say so when the files do not agree, rather than hide it.
const other = files.find((f) => !isDeepStrictEqual(pickMachine(f.results.machine), pickMachine(first.machine)));
if (other) console.error(`warning: ${other.path} was measured on another machine or Node than ${files[0].path}; the titles name the first`);

const unique = (xs) => [...new Set(xs.filter((x) => x !== undefined))];
const merged = {
  ...first,
  name: values.name ?? unique(files.map((f) => f.results.name)).join(' + '),
  date: unique(files.map((f) => f.results.date)).join(', '),
  runs: files.flatMap((f) => (f.results.runs ?? []).map((r) => ({ ...r, source: f.source }))),
};

const dir = values.out ?? dirname(files[0].path);
mkdirSync(dir, { recursive: true });
const base = join(dir, values.name ?? files[0].source);
for (const path of await writeCharts(merged, base)) console.log(path);

/** What the titles say of a machine; the background load differs from run to run on the same machine. */
function pickMachine(m) {
  return { cpus: m?.cpus, cpuModel: m?.cpuModel, node: m?.node };
}
