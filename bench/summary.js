#!/usr/bin/env node
/**
 * The median and the range of every headline figure over several runs of one
 * comparison (each run its own result file: `bench/run.js` never overwrites
 * one), per server, protocol and N, as Markdown — what docs/benchmarks.md
 * quotes. Ratios between servers are of the medians, with the range over
 * every pair of runs.
 *
 *   node bench/summary.js bench/results/2026-12-04-curve-{1,2,3}.json [--out FILE]
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { basename } from 'node:path';
import { parseArgs } from 'node:util';
import { median, oneOffRate, TARGETS } from './lib/report.js';

const { values, positionals } = parseArgs({ allowPositionals: true, options: { out: { type: 'string' } } });
if (positionals.length === 0) {
  console.error('usage: node bench/summary.js <results.json>... [--out FILE]');
  process.exit(2);
}
const files = positionals.map((f) => ({ file: basename(f), results: JSON.parse(readFileSync(f, 'utf8')) }));
const runs = files.flatMap(({ file, results }) => results.runs.map((r) => ({ ...r, file })));

function onlyOneProcess(r, value) {
  return (r.serverProcesses ?? 1) > 1 ? undefined : value;
}

/** The figures, each a [title, from a run, unit] — a run lacking one leaves it out. */
const FIGURES = [
  ['held by the server', (r) => r.heldByServer, ''],
  ['connect time', (r) => r.connectSeconds, ' s'],
  ['server RSS per idle connection', (r) => r.memory?.bytesPerConnection, ' B'],
  ['kernel memory per connection', (r) => r.kernel?.bytesPerConnection, ' B'],
  ['listen overflows', (r) => r.kernel?.listenOverflows, ''],
  ['one broadcast to all, first: last delivery', (r) => r.fanout?.lastDeliveryMs, ' ms'],
  ['one broadcast to all, warm: last delivery', (r) => (r.fanout?.warm?.length ? median(r.fanout.warm.map((w) => w.lastDeliveryMs)) : undefined), ' ms'],
  ['one broadcast to all, first: server CPU', (r) => r.fanout?.serverCpuSeconds, ' s'],
  ['one broadcast to all, first: loaders CPU', (r) => r.fanout?.loadersCpuSeconds, ' s'],
  // A sender's own copies pace these two phases; with several server processes they come back at its own
  // process's pace while the others queue (bench/lib/targets.js, unboundedRelay): one-process servers only.
  ['sustained broadcast deliveries/s', (r) => onlyOneProcess(r, r.broadcast?.deliveriesPerSecond), ''],
  ['deliveries per server CPU-second', (r) => onlyOneProcess(r, r.broadcast?.deliveriesPerServerCpuSecond), ''],
  ['server CPU per delivery at the fixed load', (r) => onlyOneProcess(r, r.fixedLoad?.serverCpuNsPerDelivery), ' ns'],
  ['one-off broadcast deliveries/s (warm)', oneOffRate, ''],
  ['round trip p50', (r) => r.latencyUs?.p50, ' µs'],
  ['round trip p99', (r) => r.latencyUs?.p99, ' µs'],
  ['round trip p99.9', (r) => r.latencyUs?.p999, ' µs'],
  ['group deliveries/s', (r) => r.groups?.deliveriesPerSecond, ''],
  ['group delivery p50', (r) => r.groups?.latencyUs?.p50, ' µs'],
  ['group delivery p99', (r) => r.groups?.latencyUs?.p99, ' µs'],
];

const fmt = (n) => (Math.abs(n) >= 100 ? Math.round(n).toLocaleString('en-US') : String(+n.toFixed(2)));
const keys = [...new Set(runs.filter((r) => !r.error).map((r) => `${r.connections}|${r.protocol}|${r.target}`))].sort((a, b) => {
  const [na, pa, ta] = a.split('|');
  const [nb, pb, tb] = b.split('|');
  return Number(na) - Number(nb) || pa.localeCompare(pb) || Object.keys(TARGETS).indexOf(ta) - Object.keys(TARGETS).indexOf(tb);
});

const lines = [
  `Over ${files.length} run(s): ${files.map((f) => f.file).join(', ')}. Each cell: median (min–max over the runs). ` +
    'The sustained and fixed-load figures only for servers of one process (see bench/README.md).',
  '',
];
const byN = new Map();
for (const key of keys) {
  const [n, protocol] = key.split('|');
  const group = `${n}|${protocol}`;
  if (!byN.has(group)) byN.set(group, []);
  byN.get(group).push(key);
}
for (const [group, members] of byN) {
  const [n, protocol] = group.split('|');
  lines.push(`### ${Number(n).toLocaleString('en-US')} connections, ${protocol}`, '');
  lines.push(`| figure | ${members.map((k) => TARGETS[k.split('|')[2]] ?? k.split('|')[2]).join(' | ')} |`);
  lines.push(`|---|${members.map(() => '---:').join('|')}|`);
  for (const [title, metric, unit] of FIGURES) {
    const cells = members.map((key) => {
      const [, , target] = key.split('|');
      const v = runs.filter((r) => !r.error && `${r.connections}|${r.protocol}|${r.target}` === key).map(metric).filter((x) => typeof x === 'number' && Number.isFinite(x));
      if (v.length === 0) return '—';
      const range = v.length > 1 ? ` (${fmt(Math.min(...v))}–${fmt(Math.max(...v))})` : '';
      return `${fmt(median(v))}${unit}${range}`;
    });
    if (cells.every((c) => c === '—')) continue;
    lines.push(`| ${title} | ${cells.join(' | ')} |`);
  }
  const failed = runs.filter((r) => r.error && String(r.connections) === n && r.protocol === protocol);
  for (const r of failed) lines.push('', `${TARGETS[r.target] ?? r.target} (${r.file}): not run — ${r.error}`);
  lines.push('');
}
const text = lines.join('\n');
if (values.out) writeFileSync(values.out, `${text}\n`);
else console.log(text);
