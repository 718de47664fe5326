// bench/lib/charts.js draws a results file as SVG through Vega-Lite: one chart per measurement,
// medians over rounds with the spread, nothing from failed runs, the same bytes every time.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { pathToFileURL } from 'node:url';
import type * as ChartsLib from '../../bench/lib/charts.js';
import { REPO_ROOT } from '../helpers/cluster.js';

const charts = (await import(pathToFileURL(join(REPO_ROOT, 'bench', 'lib', 'charts.js')).href)) as typeof ChartsLib;

const LABELS = { native: 'gatehouse, native engine', js: 'gatehouse, JS engine', uws: 'raw uWebSockets.js' } as const;
const NS = [1000, 10000];

/** Three servers, two N, three rounds each with distinct values; `groups` adds the group-latency field. */
function results({ groups = false, failed = false } = {}): Record<string, unknown> {
  const runs: Record<string, unknown>[] = [];
  for (const [i, target] of Object.keys(LABELS).entries()) {
    for (const connections of NS) {
      for (const round of [1, 2, 3]) {
        const k = (i + 1) * 1000 + round * 10 + connections / 1000;
        runs.push({
          target,
          protocol: 'websocket',
          connections,
          round,
          memory: { bytesPerConnection: 300 + k },
          kernel: { bytesPerConnection: 10_000 + k },
          broadcast: { deliveriesPerSecond: 1000 * k },
          latencyUs: { p50: k / 10, p99: k, p999: k * 3 },
          fanout: { lastDeliveryMs: k / 20 },
          ...(groups ? { groups: { latencyUs: { p50: k / 5, p99: k * 2, p999: k * 4 } } } : {}),
        });
      }
    }
  }
  // A run that failed: its target appears nowhere else, and its numbers would stand out if drawn.
  if (failed) runs.push({ target: 'socketio', protocol: 'websocket', connections: 1000, round: 1, error: 'server did not start', memory: { bytesPerConnection: 999_999 } });
  return { name: 'charts-test', date: '2026-12-04', machine: { cpus: 2, cpuModel: 'Test CPU 9000', node: 'v20.20.2' }, runs };
}

/** The `<path>` elements of the data points: Vega puts a layer's symbols in one `<g class="mark-symbol role-mark ...">`. */
function pointMarks(svg: string): number {
  let n = 0;
  for (const m of svg.matchAll(/<g class="mark-symbol role-mark[^"]*"[^>]*>(.*?)<\/g>/gs)) n += (m[1]!.match(/<path/g) ?? []).length;
  return n;
}

test('each chart is SVG with its axis titles, the machine and every server', async () => {
  const svgs = await charts.renderCharts(results({ groups: true }));
  assert.deepEqual(Object.keys(svgs).sort(), ['deliveries', 'fanout', 'groups', 'kernel', 'latency', 'memory']);
  const axes: Record<string, string[]> = {
    memory: ['connections', 'RSS bytes per connection'],
    kernel: ['connections', 'kernel bytes per connection'],
    deliveries: ['connections', 'deliveries/s'],
    latency: ['percentile', 'round trip (µs)'],
    fanout: ['connections', 'last delivery (ms)'],
    groups: ['percentile', 'group message latency (µs)'],
  };
  for (const [name, svg] of Object.entries(svgs)) {
    assert.ok(svg.startsWith('<svg'), `${name} starts with <svg`);
    assert.ok(svg.trimEnd().endsWith('</svg>'), `${name} ends with </svg>`);
    for (const title of axes[name]!) assert.ok(svg.includes(`>${title}</text>`), `${name} has axis title ${title}`);
    for (const label of Object.values(LABELS)) assert.ok(svg.includes(`>${label}</text>`), `${name} names ${label}`);
    assert.ok(svg.includes('2 × Test CPU 9000, Node v20.20.2'), `${name} names the machine`);
    assert.ok(svg.includes('charts-test, 2026-12-04'), `${name} names the run`);
  }
});

test('the memory chart has one point per (server, protocol, N), however many rounds', async () => {
  const { memory } = await charts.renderCharts(results());
  assert.equal(pointMarks(memory!), Object.keys(LABELS).length * 1 * NS.length);
});

test('a run with an error contributes nothing', async () => {
  const clean = await charts.renderCharts(results());
  const withFailure = await charts.renderCharts(results({ failed: true }));
  assert.deepEqual(withFailure, clean);
  assert.ok(!withFailure.memory!.includes('Socket.IO'));
});

test('no group data, no groups chart; no data at all, no charts', async () => {
  assert.equal((await charts.renderCharts(results())).groups, undefined);
  assert.deepEqual(await charts.renderCharts({ name: 'empty', date: '2026-12-04', machine: {}, runs: [{ target: 'js', protocol: 'text', connections: 10, error: 'x' }] }), {});
});

test('missing fields leave their chart out and the others drawn', async () => {
  const r = results();
  for (const run of r.runs as Record<string, unknown>[]) {
    delete run.kernel;
    delete run.fanout;
    (run.latencyUs as Record<string, unknown>).p999 = null;
  }
  const svgs = await charts.renderCharts(r);
  assert.deepEqual(Object.keys(svgs).sort(), ['deliveries', 'latency', 'memory']);
  assert.ok(!svgs.latency!.includes('>p999</text>'));
});

test('rendering twice gives the same SVG', async () => {
  const a = await charts.renderCharts(results({ groups: true }));
  const b = await charts.renderCharts(results({ groups: true }));
  assert.deepEqual(b, a);
});

test('bench/charts.js merges files into one dataset and writes the SVGs where it is told', () => {
  const dir = mkdtempSync(join(tmpdir(), 'bench-charts-'));
  try {
    const all = results();
    // Three files of one round each, all numbered round 1: merged they are still three rounds.
    for (const round of [1, 2, 3]) {
      const runs = (all.runs as Record<string, unknown>[]).filter((r) => r.round === round).map((r) => ({ ...r, round: 1 }));
      writeFileSync(join(dir, `r${round}.json`), JSON.stringify({ ...all, runs }));
    }
    const files = [1, 2, 3].map((i) => join(dir, `r${i}.json`));
    const cli = spawnSync(process.execPath, [join(REPO_ROOT, 'bench', 'charts.js'), ...files, '--out', join(dir, 'out'), '--name', 'merged'], { encoding: 'utf8', timeout: 60_000 });
    assert.equal(cli.status, 0, cli.stderr);
    const paths = cli.stdout.trim().split('\n');
    assert.deepEqual(paths, ['memory', 'kernel', 'deliveries', 'latency', 'fanout'].map((n) => join(dir, 'out', `merged-${n}.svg`)));
    const memory = readFileSync(paths[0]!, 'utf8');
    assert.ok(memory.startsWith('<svg'));
    assert.equal(pointMarks(memory), Object.keys(LABELS).length * NS.length);
    // The deliveries chart of the merged files is the chart of one file with the three rounds in it.
    const deliveries = readFileSync(paths[2]!, 'utf8');
    assert.ok(deliveries.includes('merged, 2026-12-04'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
