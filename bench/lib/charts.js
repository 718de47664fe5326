// SVG charts of a results file (bench/run.js) or of several merged ones (bench/charts.js).
// Vega-Lite specs compiled to Vega and rendered headlessly: a charting library does the scales,
// axes and legends, so nothing here draws SVG by hand. renderer 'none' plus toSVG() needs no canvas
// package; without one Vega estimates text widths from font metrics it ships, which also keeps the
// output the same on every machine.
import { writeFile } from 'node:fs/promises';
import * as vega from 'vega';
import * as vegaLite from 'vega-lite';
import { TARGETS } from './report.js';

/** The percentiles drawn by the round-trip charts, in the order they are drawn. */
const PERCENTILES = ['p50', 'p99', 'p999'];

/** A number a chart can place: vega would drop nulls itself, but on a log scale 0 and negatives become NaN and break the domain. */
function positive(v) {
  return typeof v === 'number' && Number.isFinite(v) && v > 0;
}

/**
 * One row per run that measured something, with the labels the charts group by.
 * Runs with `error` never started their measurements (or died in them), so they contribute nothing.
 * `source` (set by bench/charts.js when files are merged) keeps round 1 of one file apart from round 1 of another.
 * @param {any} results
 * @returns {any[]}
 */
function rows(results) {
  const protocols = new Set((results.runs ?? []).map((r) => r?.protocol));
  return (results.runs ?? [])
    .filter((r) => r && !r.error && positive(r.connections))
    .map((r) => {
      const server = TARGETS[r.target] ?? String(r.target);
      return {
        run: r,
        server,
        protocol: r.protocol,
        // The protocol is part of the label only when the data has several: one legend entry per line either way.
        series: protocols.size > 1 ? `${server} · ${r.protocol}` : server,
        connections: r.connections,
        round: `${r.source ?? ''}#${r.round ?? 1}`,
      };
    });
}

/** "2 × Intel(R) Xeon(R) Processor, Node v20.20.2 · multi-gateway-25k, 2026-12-04": what was measured where and when. */
function subtitle(results) {
  const m = results.machine ?? {};
  const machine = [m.cpus !== undefined ? `${m.cpus} × ${m.cpuModel ?? '?'}` : m.cpuModel, m.node ? `Node ${m.node}` : undefined].filter(Boolean).join(', ');
  const run = [results.name, results.date].filter(Boolean).join(', ');
  return [machine, run].filter((s) => s !== '').join(' · ');
}

/**
 * The one colour scale of every chart. Series in the order of TARGETS (then protocol), not of the runs:
 * the same server keeps its colour and legend place from chart to chart and from file to file.
 */
function colorField(all) {
  const order = Object.keys(TARGETS);
  const rank = (t) => (order.includes(t) ? order.indexOf(t) : order.length);
  const sorted = [...all].sort((a, b) => rank(a.run.target) - rank(b.run.target) || String(a.run.target).localeCompare(String(b.run.target)) || String(a.protocol).localeCompare(String(b.protocol)));
  // labelLimit 0: no limit, so "Socket.IO (minimal server) · websocket" is not cut to an ellipsis.
  return { field: 'series', type: 'nominal', title: 'server', sort: [...new Set(sorted.map((r) => r.series))], legend: { labelLimit: 0 } };
}

const connectionsAxis = { field: 'connections', type: 'quantitative', title: 'connections', scale: { type: 'log' }, axis: { format: '~s' } };

/**
 * Median over the rounds of each (server, protocol, N), as a line through points: one point per combination,
 * whatever the number of rounds, so the picture is the same shape for one run or three merged ones.
 */
function lineChart(title, results, all, data, y) {
  return {
    title: { text: title, subtitle: subtitle(results) },
    width: 480,
    height: 300,
    data: { values: data },
    encoding: {
      x: connectionsAxis,
      y: { aggregate: 'median', field: 'value', type: 'quantitative', ...y },
      color: colorField(all),
    },
    layer: [{ mark: { type: 'line' } }, { mark: { type: 'point', filled: true, size: 50 } }],
  };
}

/**
 * Deliveries/s as grouped bars: one group per N, one bar per server with the median over the rounds,
 * and a rule with ticks from the slowest to the fastest round — the spread says how much the machine's
 * other work moved the numbers.
 */
function deliveriesChart(results, all, data) {
  const x = { field: 'N', type: 'ordinal', title: 'connections', axis: { labelAngle: 0 }, sort: [...new Set(data.map((d) => d.connections))].sort((a, b) => a - b).map((n) => n.toLocaleString('en-US')) };
  const xOffset = { field: 'series', type: 'nominal', sort: colorField(all).sort };
  const y = { field: 'value', type: 'quantitative' };
  const black = { value: 'black' };
  return {
    title: { text: 'Broadcast deliveries per second (median of rounds, min–max)', subtitle: subtitle(results) },
    width: { step: 28 },
    height: 300,
    data: { values: data.map((d) => ({ ...d, N: d.connections.toLocaleString('en-US') })) },
    encoding: { x, xOffset, color: colorField(all) },
    layer: [
      { mark: 'bar', encoding: { y: { ...y, aggregate: 'median', title: 'deliveries/s' } } },
      // Black, not the server's colour: the part of the range below the median would vanish against its own bar.
      { mark: 'rule', encoding: { color: black, y: { ...y, aggregate: 'min', title: 'deliveries/s' }, y2: { field: 'value', aggregate: 'max' } } },
      { mark: { type: 'tick', thickness: 1, bandSize: 10 }, encoding: { color: black, y: { ...y, aggregate: 'min', title: 'deliveries/s' } } },
      { mark: { type: 'tick', thickness: 1, bandSize: 10 }, encoding: { color: black, y: { ...y, aggregate: 'max', title: 'deliveries/s' } } },
    ],
  };
}

/**
 * Round-trip percentiles: one panel per N, percentiles along x, one line per server (median over rounds).
 * Log y because p999 is often 10–100× p50, and a linear axis would flatten the p50s into the floor.
 */
function percentileChart(title, yTitle, results, all, data) {
  return {
    title: { text: title, subtitle: subtitle(results) },
    data: { values: data.map((d) => ({ ...d, N: `${d.connections.toLocaleString('en-US')} connections` })) },
    facet: { column: { field: 'N', type: 'ordinal', title: null, sort: { field: 'connections' } } },
    spec: {
      width: 220,
      height: 260,
      encoding: {
        x: { field: 'percentile', type: 'ordinal', title: 'percentile', sort: PERCENTILES },
        y: { aggregate: 'median', field: 'value', type: 'quantitative', title: yTitle, scale: { type: 'log' } },
        color: colorField(all),
      },
      layer: [{ mark: 'line' }, { mark: { type: 'point', filled: true, size: 50 } }],
    },
  };
}

/** One long-format row per (run, percentile) of the latency object `pick` finds in a run. */
function percentileRows(all, pick) {
  return all.flatMap((r) => {
    const l = pick(r.run);
    return PERCENTILES.filter((p) => positive(l?.[p])).map((p) => ({ ...r, run: undefined, percentile: p, value: l[p] }));
  });
}

/** Rows of one scalar metric, leaving out runs that lack it (older results files, or a phase the run skipped). */
function metricRows(all, pick) {
  return all.flatMap((r) => {
    const v = pick(r.run);
    return positive(v) ? [{ ...r, run: undefined, value: v }] : [];
  });
}

/**
 * The Vega-Lite specs of the charts the results have data for; a chart without data is left out rather than drawn empty.
 * @param {any} results
 * @returns {Record<string, object>}
 */
export function chartSpecs(results) {
  const all = rows(results);
  const specs = {};
  const add = (name, data, make) => {
    if (data.length > 0) specs[name] = make(data);
  };
  add('memory', metricRows(all, (r) => r.memory?.bytesPerConnection), (d) =>
    lineChart('Server RSS per idle connection', results, all, d, { title: 'RSS bytes per connection', scale: { type: 'log' } }));
  add('kernel', metricRows(all, (r) => r.kernel?.bytesPerConnection), (d) =>
    lineChart('Kernel memory per connection (both ends on this machine)', results, all, d, { title: 'kernel bytes per connection', scale: { type: 'log' } }));
  add('deliveries', metricRows(all, (r) => r.broadcast?.deliveriesPerSecond), (d) => deliveriesChart(results, all, d));
  add('latency', percentileRows(all, (r) => r.latencyUs), (d) => percentileChart('Round-trip latency percentiles (median of rounds)', 'round trip (µs)', results, all, d));
  add('fanout', metricRows(all, (r) => r.fanout?.lastDeliveryMs), (d) =>
    lineChart('One broadcast to every connection: time to the last delivery', results, all, d, { title: 'last delivery (ms)' }));
  add('groups', percentileRows(all, (r) => r.groups?.latencyUs), (d) => percentileChart('Group message latency percentiles (median of rounds)', 'group message latency (µs)', results, all, d));
  return specs;
}

/**
 * Renders one Vega-Lite spec to an SVG string.
 * The SVG renderer numbers its clip paths and gradients from a process-wide counter; resetting it first makes
 * the same spec give the same bytes however many charts the process drew before.
 * @param {object} spec a Vega-Lite spec
 * @returns {Promise<string>}
 */
export async function renderSpec(spec) {
  const { spec: compiled } = vegaLite.compile(/** @type {any} */ ({ $schema: 'https://vega.github.io/schema/vega-lite/v6.json', background: 'white', config: { font: 'sans-serif' }, ...spec }));
  const view = new vega.View(vega.parse(compiled), { renderer: 'none' });
  try {
    vega.resetSVGDefIds();
    return await view.toSVG();
  } finally {
    // Frees the dataflow's listeners and timers so a CLI exits as soon as it has written its files.
    view.finalize();
  }
}

/**
 * The charts of a results object, as `{ name: svg }`: memory, kernel, deliveries, latency, fanout and groups,
 * each only when some run has its data.
 * @param {any} results a results object as bench/run.js writes it (runs, machine, name, date)
 * @returns {Promise<Record<string, string>>}
 */
export async function renderCharts(results) {
  const out = {};
  // One at a time: the SVG id counter is process-wide, so interleaved renders would number each other's ids.
  for (const [name, spec] of Object.entries(chartSpecs(results))) out[name] = await renderSpec(spec);
  return out;
}

/**
 * Writes `${base}-<name>.svg` for each chart of the results.
 * @param {any} results
 * @param {string} base path without the extension, e.g. bench/results/2026-12-04-peers-10k-1
 * @returns {Promise<string[]>} the paths written
 */
export async function writeCharts(results, base) {
  const paths = [];
  for (const [name, svg] of Object.entries(await renderCharts(results))) {
    const path = `${base}-${name}.svg`;
    await writeFile(path, svg);
    paths.push(path);
  }
  return paths;
}
