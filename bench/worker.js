#!/usr/bin/env node
/**
 * The worker tier, side by side with raw uWebSockets.js: every message goes
 * client → gateway → business worker → gateway → client (uWS answers in its
 * own process), WebSocket for every target so the work is the same.
 *
 *   node bench/worker.js [--targets native,js,uws] [--connections 10000]
 *                        [--threads 1,2,4] [--name worker-tier] [--time-limit 600]
 *
 * Per target, in one run:
 *   - the round trip at light load: 50 clients × one `p` message per 20 ms,
 *     with `--connections` idle connections open, and at 10× that rate
 *     (per 2 ms): p50, p99, p99.9;
 *   - a private message through the uid index (`u`: Gateway.sendToUid to the
 *     sender's own uid) at the light rate;
 *   - a group send to 100 members (`g`: Gateway.sendToGroup; the sender is a
 *     member and times its own copy) at the light rate, and deliveries/s with
 *     the sender keeping 16 outstanding;
 *   - saturation: 100 clients each keeping 16 `p` requests outstanding,
 *     answered by Gateway.sendToCurrentClient: replies per second, for each
 *     pool thread count of `--threads` (the gatehouse targets restart per
 *     count; uWS has no threads and runs once).
 * Each run writes a new bench/results/<date>-<name>-<n>.{json,md} (never
 * overwriting one). Loopback only; bounded by --time-limit.
 */
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { all, buildLoadgen, Loader } from './lib/loadgen.js';
import { cpuSeconds, freePort, machineCpu, sleep } from './lib/proc.js';
import { GatehouseTarget, PeerTarget } from './lib/targets.js';
import { newResultBase } from './lib/results-file.js';
import { describeRun, guardRun, requireBuild } from './lib/run-guard.js';

const { values } = parseArgs({
  options: {
    targets: { type: 'string', default: 'native,js,uws' },
    connections: { type: 'string', default: '10000' },
    threads: { type: 'string', default: '1,2,4' },
    name: { type: 'string', default: 'worker-tier' },
    'time-limit': { type: 'string', default: '600' },
  },
});
const settings = {
  targets: values.targets.split(','),
  connections: Number(values.connections),
  threads: values.threads.split(',').map(Number),
  probeConnections: 50,
  lightIntervalMs: 20,
  heavyIntervalMs: 2,
  probeSeconds: 4,
  groupMembers: 100,
  saturationConnections: 100,
  saturationWindow: 16,
  saturationSeconds: 5,
  messageSize: 64,
};

requireBuild();
buildLoadgen();
const log = (line) => console.log(line);
/** The server running now (`guard.current`), stopped on the way out whatever happens; the run is bounded in time. */
const guard = guardRun(values['time-limit']);

async function startTarget(engine, threads) {
  const port = await freePort();
  const target = engine === 'uws' ? new PeerTarget({ name: 'uws', port }) : new GatehouseTarget({ engine, protocol: 'websocket', port, opsPort: await freePort(), threads });
  guard.current = target;
  await target.start();
  return target;
}

async function stopTarget(target) {
  await target.stop().catch((err) => log(`  stopping: ${err.message}`));
  guard.current = null;
}

/** One probe phase: `conns` clients send a `kind` request every intervalMs; the round trip of each. */
async function probe(target, { kind, intervalMs, conns, src, hello }) {
  const prober = new Loader({ port: target.port, proto: 'websocket', conns, mode: 'probe', kind, intervalMs, size: settings.messageSize, srcFirst: src, perSrc: 1000, ...(hello ? { hello } : {}) });
  try {
    await prober.ready(10_000);
    await prober.command('start');
    await sleep(1000);
    await prober.command('reset');
    await sleep(settings.probeSeconds * 1000);
    const s = await prober.command('stats');
    await prober.command('stop');
    return { ...s.latencyUs, perSecond: Math.round(s.latencyUs.n / settings.probeSeconds), stalls: s.stalls, closed: s.closed };
  } finally {
    await prober.quit();
  }
}

/** Closed loop: `conns` clients each keep `window` requests outstanding; replies per second and their latency. */
async function saturate(target, { kind = 'p', conns, window, src, hello, receivers = [] }) {
  const driver = new Loader({ port: target.port, proto: 'websocket', conns, mode: 'echo', kind, window, size: settings.messageSize, srcFirst: src, perSrc: 1000, ...(hello ? { hello } : {}) });
  try {
    await driver.ready(10_000);
    await driver.command('start');
    await sleep(1500);
    await all([driver, ...receivers], 'reset');
    const cpu0 = cpuSeconds(target.pid);
    const wcpu0 = target.workerPid ? cpuSeconds(target.workerPid) : 0;
    const m0 = machineCpu();
    const t0 = process.hrtime.bigint();
    await sleep(settings.saturationSeconds * 1000);
    const [s, ...others] = await all([driver, ...receivers], 'stats');
    const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
    const m1 = machineCpu();
    await driver.command('stop');
    return {
      repliesPerSecond: Math.round(s.received / seconds),
      deliveriesPerSecond: Math.round((s.received + others.reduce((n, o) => n + o.received, 0)) / seconds),
      latencyUs: s.latencyUs,
      stalls: s.stalls,
      gatewayCpu: +((cpuSeconds(target.pid) - cpu0) / seconds).toFixed(2),
      workerCpu: target.workerPid ? +((cpuSeconds(target.workerPid) - wcpu0) / seconds).toFixed(2) : null,
      machineBusy: +((m1.busy - m0.busy) / (m1.total - m0.total)).toFixed(2),
    };
  } finally {
    await driver.quit();
  }
}

async function latencyScenarios(engine) {
  const target = await startTarget(engine, 1);
  const loaders = [];
  try {
    const per = Math.ceil(settings.connections / 2);
    for (let k = 0, left = settings.connections; left > 0; k++, left -= per) {
      loaders.push(new Loader({ port: target.port, proto: 'websocket', conns: Math.min(per, left), srcFirst: `127.${k + 1}.0.1`, perSrc: 1000 }));
    }
    const open = (await Promise.all(loaders.map((l) => l.ready(60_000)))).reduce((n, r) => n + r.connected, 0);
    if (open !== settings.connections) throw new Error(`only ${open} of ${settings.connections} idle connections opened`);
    await sleep(1000);
    const out = { idleConnections: open };
    out.light = await probe(target, { kind: 'p', intervalMs: settings.lightIntervalMs, conns: settings.probeConnections, src: '127.200.0.1' });
    log(`  light: p50 ${out.light.p50} µs, p99 ${out.light.p99}, p99.9 ${out.light.p999} (${out.light.perSecond}/s)`);
    out.heavy = await probe(target, { kind: 'p', intervalMs: settings.heavyIntervalMs, conns: settings.probeConnections, src: '127.200.1.1' });
    log(`  10×: p50 ${out.heavy.p50} µs, p99 ${out.heavy.p99}, p99.9 ${out.heavy.p999} (${out.heavy.perSecond}/s)`);
    out.uid = await probe(target, { kind: 'u', intervalMs: settings.lightIntervalMs, conns: settings.probeConnections, src: '127.200.2.1' });
    log(`  sendToUid: p50 ${out.uid.p50} µs, p99 ${out.uid.p99}, p99.9 ${out.uid.p999}`);
    const members = new Loader({ port: target.port, proto: 'websocket', conns: settings.groupMembers - 1, hello: 'j', srcFirst: '127.202.0.1', perSrc: 1000 });
    loaders.push(members);
    await members.ready(10_000);
    await sleep(300);
    out.group = await probe(target, { kind: 'g', intervalMs: settings.lightIntervalMs, conns: 1, src: '127.203.0.1', hello: 'j' });
    log(`  sendToGroup (100 members), one sender per 20 ms: p50 ${out.group.p50} µs, p99 ${out.group.p99}`);
    out.groupSaturation = await saturate(target, { kind: 'g', conns: 1, window: 16, src: '127.204.0.1', hello: 'j', receivers: [members] });
    log(`  sendToGroup, window 16: ${out.groupSaturation.repliesPerSecond} group sends/s, ${out.groupSaturation.deliveriesPerSecond} deliveries/s`);
    return out;
  } finally {
    await Promise.all(loaders.map((l) => l.quit()));
    await stopTarget(target);
  }
}

async function saturationScenario(engine, threads) {
  const target = await startTarget(engine, threads);
  try {
    return await saturate(target, { conns: settings.saturationConnections, window: settings.saturationWindow, src: '127.205.0.1' });
  } finally {
    await stopTarget(target);
  }
}

const date = new Date().toISOString().slice(0, 10);
const results = {
  name: values.name,
  date,
  startedAt: new Date().toISOString(),
  ...(await describeRun(log)),
  settings,
  targets: {},
};

for (const engine of settings.targets) {
  const r = (results.targets[engine] = {});
  log(`${engine}: latency`);
  try {
    Object.assign(r, await latencyScenarios(engine));
  } catch (err) {
    r.error = err.message.split('\n')[0];
    log(`  failed: ${r.error}`);
  }
  r.saturation = {};
  for (const threads of engine === 'uws' ? [0] : settings.threads) {
    try {
      const s = await saturationScenario(engine, threads || undefined);
      r.saturation[threads || 'in-process'] = s;
      log(`${engine}: saturation${threads ? ` with ${threads} thread(s)` : ''}: ${s.repliesPerSecond} replies/s, p50 ${s.latencyUs.p50} µs (gateway ${s.gatewayCpu}, worker ${s.workerCpu} cores)`);
    } catch (err) {
      r.saturation[threads || 'in-process'] = { error: err.message.split('\n')[0] };
      log(`  saturation failed: ${err.message.split('\n')[0]}`);
    }
  }
}
results.finishedAt = new Date().toISOString();

function markdown(res) {
  const t = res.targets;
  const fmt = (n) => (n === undefined || n === null ? '—' : Math.round(n).toLocaleString('en-US'));
  const lines = [`# Worker tier ${res.date} (${res.name})`, ''];
  lines.push(`Machine: ${res.machine.cpus} × ${res.machine.cpuModel}, Node ${res.machine.node}; ${Math.round(res.machine.backgroundBusy * 100)}% busy before the bench. Tree ${res.provenance.gitHead?.slice(0, 10)}${res.provenance.dirty ? ' (with uncommitted changes)' : ''}. WebSocket everywhere; ${fmt(res.settings.connections)} idle connections during the latency phases.`, '');
  lines.push('| target | light p50 µs | p99 | p99.9 | 10× p50 | p99 | p99.9 | sendToUid p50 | p99 | group (100) p50 | p99 | group sends/s (window 16) | group deliveries/s |');
  lines.push('|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
  for (const [name, r] of Object.entries(t)) {
    if (r.error) {
      lines.push(`| ${name} | failed: ${r.error.replace(/\|/g, '/')} | | | | | | | | | | | |`);
      continue;
    }
    lines.push(`| ${name} | ${fmt(r.light.p50)} | ${fmt(r.light.p99)} | ${fmt(r.light.p999)} | ${fmt(r.heavy.p50)} | ${fmt(r.heavy.p99)} | ${fmt(r.heavy.p999)} | ${fmt(r.uid.p50)} | ${fmt(r.uid.p99)} | ${fmt(r.group.p50)} | ${fmt(r.group.p99)} | ${fmt(r.groupSaturation.repliesPerSecond)} | ${fmt(r.groupSaturation.deliveriesPerSecond)} |`);
  }
  lines.push('', '| target | threads | replies/s | vs uWS | p50 µs | p99 µs | gateway cores | worker cores | machine busy |', '|---|---:|---:|---:|---:|---:|---:|---:|---:|');
  const uws = t.uws?.saturation?.['in-process']?.repliesPerSecond;
  for (const [name, r] of Object.entries(t)) {
    for (const [threads, s] of Object.entries(r.saturation ?? {})) {
      if (s.error) lines.push(`| ${name} | ${threads} | failed: ${s.error.replace(/\|/g, '/')} | | | | | | |`);
      else lines.push(`| ${name} | ${threads} | ${fmt(s.repliesPerSecond)} | ${uws ? `${(s.repliesPerSecond / uws).toFixed(2)}×` : '—'} | ${fmt(s.latencyUs.p50)} | ${fmt(s.latencyUs.p99)} | ${s.gatewayCpu} | ${s.workerCpu ?? '—'} | ${Math.round(s.machineBusy * 100)}% |`);
    }
  }
  lines.push('');
  return lines.join('\n');
}

const base = newResultBase(values.name, date);
writeFileSync(`${base}.json`, `${JSON.stringify(results, null, 2)}\n`);
writeFileSync(`${base}.md`, markdown(results));
log(`\n${markdown(results)}`);
log(`results: ${base}.json, ${base}.md`);
process.exit(0);
