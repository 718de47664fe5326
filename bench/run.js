#!/usr/bin/env node
/**
 * The benchmark: gatehouse's native and JS engines beside the servers users
 * would pick instead — raw uWebSockets.js, ws and Socket.IO (minimal servers,
 * bench/*-server.js, one process each) — side by side on this machine,
 * loopback only; stops by itself (a few minutes).
 *
 *   node bench/run.js [--targets js,native,uws,ws,socketio] [--protocols text,websocket]
 *                     [--connections 10000 | --conns 1000,10000,100000,1000000] [--loaders 2] [--broadcast-seconds 8]
 *                     [--name NAME] [--repeat N] [--renice=-10] [--max-seconds S | --time-limit S]
 *                     [--plan] [--mem-available BYTES] [--open-file-limit N] [--quick] [--perf] [--out DIR]
                     [--conns-per-source 1000]
 *
 * --conns takes one N or several (the cost per connection as the crowd
 * grows): every server runs at each N that fits, smallest first, with the
 * phases sized for N (bench/lib/scale.js). --max-seconds bounds the whole run
 * (default: enough for the planned phases at every N).
 *
 * --quick: every target and protocol with 2,000 connections and one-second
 * phases (under 2 minutes): a smoke test that every scenario still produces
 * numbers (npm test runs it with --out in a temp dir), not a measurement.
 *
 * Before anything starts, the run is planned for this machine
 * (bench/lib/capacity-plan.js): processes under the open-file limit, and the
 * memory the connections need; a server at an N the memory cannot hold is
 * not run, and its row says so with the figures. --plan prints the plan as JSON and exits (0 when it fits, 2
 * when not); --mem-available and --open-file-limit plan for another machine.
 *
 * Needs `npm run build` (dist/) and a C compiler (bench/loadgen is built on
 * first use). The native engine is used through GATEHOUSE_ENGINE=native and
 * only counted when the gateway's /stats says it runs; otherwise its rows say
 * why they were not run. Each loader spreads its connections over 127.0.0.0/8,
 * --conns-per-source from each address; net.ipv4.ip_local_port_range is
 * widened where that needs it and it is permitted, and put back at the end
 * (bench/lib/port-range.js). Results: bench/results/<date>-<name>-<n>.json and .md (a new n each run).
 */
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { machineLimits, planCapacity } from './lib/capacity-plan.js';
import { buildLoadgen } from './lib/loadgen.js';
import { freePort, freePortBlock } from './lib/proc.js';
import { writeCharts } from './lib/charts.js';
import { markdown } from './lib/report.js';
import { runScenario } from './lib/scenario.js';
import { defaultTimeLimitSeconds, scaleFor } from './lib/scale.js';
import { GatehouseTarget, PEER_NAMES, PeerTarget } from './lib/targets.js';
import { newResultBase } from './lib/results-file.js';
import { ensurePortRange, restorePortRange } from './lib/port-range.js';
import { describeRun, guardRun, requireBuild } from './lib/run-guard.js';

const { values } = parseArgs({
  options: {
    targets: { type: 'string', default: 'js,native,uws,ws,socketio' },
    protocols: { type: 'string', default: 'text,websocket' },
    connections: { type: 'string', default: '10000' },
    conns: { type: 'string' },
    plan: { type: 'boolean', default: false },
    'mem-available': { type: 'string' },
    'open-file-limit': { type: 'string' },
    loaders: { type: 'string', default: '2' },
    'broadcast-seconds': { type: 'string', default: '8' },
    name: { type: 'string' },
    quick: { type: 'boolean', default: false },
    perf: { type: 'boolean', default: false },
    out: { type: 'string' },
    'time-limit': { type: 'string' },
    'max-seconds': { type: 'string' },
    repeat: { type: 'string', default: '1' },
    renice: { type: 'string', default: '0' },
    'conns-per-source': { type: 'string', default: '1000' },
  },
});

const conns = (values.conns ?? (values.quick ? '2000' : values.connections)).split(',').map(Number);
if (conns.some((n) => !Number.isInteger(n) || n <= 0)) {
  console.error(`bench: --conns must be a positive integer (or several, separated by commas), not ${values.conns ?? values.connections}`);
  process.exit(2);
}
conns.sort((a, b) => a - b);
const perSource = Number(values['conns-per-source']);
// One loader holds fewer than 20,000 connections (the open-file limit), so one address each is the most anyone needs.
if (!Number.isInteger(perSource) || perSource <= 0 || perSource > 20_000) {
  console.error(`bench: --conns-per-source must be an integer from 1 to 20000, not ${values['conns-per-source']}`);
  process.exit(2);
}
const settings = {
  targets: values.targets.split(','),
  protocols: values.protocols.split(','),
  /** Every N measured, smallest first: the cost per connection as the crowd grows. */
  conns,
  loaders: Number(values.loaders),
  messageBytes: 64,
  messageSize: 64,
  window: 16,
  warmupMs: 2000,
  broadcastSeconds: Number(values['broadcast-seconds']),
  settleMs: 2000,
  probeConnections: 50,
  probeIntervalMs: 20,
  probeSeconds: 4,
  fixedRate: 10,
  fixedSeconds: 5,
  /** How long one broadcast may take to reach every connection before the fan-out phase gives up (and says how many it reached); more at large N (bench/lib/scale.js). */
  fanoutTimeoutMs: 10_000,
  repeat: Math.max(1, Number(values.repeat)),
  /** Nice value for the server's and the loaders' threads (e.g. -10 on a machine busy with other work; needs root). */
  renice: Number(values.renice),
  /** --perf: profile the whole machine (perf record -a) while one broadcast reaches everyone. */
  perf: values.perf,
};
if (values.quick) {
  Object.assign(settings, { warmupMs: 500, broadcastSeconds: 1, settleMs: 500, probeSeconds: 1, fixedSeconds: 1 });
  settings.quick = true;
}
values.name ??= values.quick ? 'quick' : conns.length === 1 && conns[0] === 10000 ? 'loopback-10k' : `conns-${conns.join('-')}`;

const measured = values['mem-available'] === undefined || values['open-file-limit'] === undefined ? machineLimits() : null;
const machine = {
  memAvailable: values['mem-available'] === undefined ? measured.memAvailable : Number(values['mem-available']),
  openFileLimit: values['open-file-limit'] === undefined ? measured.openFileLimit : Number(values['open-file-limit']),
};
/** plans[n][target]: each server at each N, planned before anything starts; one that does not fit is not run (and says why). */
const plans = Object.fromEntries(conns.map((n) => [n, Object.fromEntries(settings.targets.map((t) => [t, planCapacity({ conns: n, engine: t, machine })]))]));
if (values.plan) {
  console.log(JSON.stringify({ machine, plans: conns.flatMap((n) => Object.values(plans[n])) }, null, 2));
  process.exit(Object.values(plans).every((byTarget) => Object.values(byTarget).every((p) => p.fits)) ? 0 : 2);
}
const runnable = conns.flatMap((n) => settings.targets.filter((t) => plans[n][t].fits).map((t) => [n, t]));
if (runnable.length === 0) {
  console.error(`bench: not run: ${plans[conns[0]][settings.targets[0]].why}`);
  process.exit(2);
}
for (const n of conns) for (const t of settings.targets) console.log(`plan: ${t}: ${plans[n][t].why}`);
settings.plans = plans;
const servers = settings.targets.reduce((k, t) => k + (PEER_NAMES.includes(t) ? 1 : settings.protocols.length), 0);
const phaseSeconds = (settings.warmupMs + settings.settleMs) / 1000 + settings.broadcastSeconds + settings.probeSeconds + settings.fixedSeconds + 8;
const timeLimit = values['max-seconds'] ?? values['time-limit'] ?? defaultTimeLimitSeconds({ conns, servers: servers * settings.repeat, phaseSeconds });

requireBuild();
buildLoadgen();
const log = (line) => console.log(line);
/** The server running now (`guard.current`), stopped on the way out whatever happens; the run is bounded in time. */
const guard = guardRun(timeLimit);
log(`time limit: ${timeLimit} s`);
const portRange = ensurePortRange(perSource);
if (portRange.note) log(portRange.note);
/** Connections the loaders open from one source address (fewer than asked when the port range could not be widened). */
settings.perSource = portRange.perSource;

const date = new Date().toISOString().slice(0, 10);
const results = {
  name: values.name,
  date,
  startedAt: new Date().toISOString(),
  ...(await describeRun(log)),
  settings,
  portRange: { before: portRange.before, used: portRange.after, widened: portRange.widened, note: portRange.note },
  runs: [],
};

const base = newResultBase(values.name, date, values.out);
const save = () => {
  writeFileSync(`${base}.json`, `${JSON.stringify(results, null, 2)}\n`);
  writeFileSync(`${base}.md`, markdown(results));
};
guard.onAbort = (why) => {
  restorePortRange(portRange);
  results.aborted = why;
  results.finishedAt = new Date().toISOString();
  save();
  console.error(`bench: the results so far: ${base}.json, ${base}.md`);
};

// Smallest N first; repeats go round the targets, so slow phases of the machine's other work spread over all of them.
for (const n of conns) {
for (let round = 1; round <= settings.repeat; round++) {
for (const engine of settings.targets) {
  for (const protocol of settings.protocols) {
    const peer = PEER_NAMES.includes(engine);
    if (peer && protocol !== 'websocket') continue;
    const plan = plans[n][engine];
    const at = scaleFor(settings, n);
    log(`${engine} / ${protocol} / ${n} connections${settings.repeat > 1 ? ` (round ${round})` : ''}`);
    const notRun = (error) => {
      log(`  not run: ${error}`);
      results.runs.push({ target: engine, protocol, connections: n, round, error });
    };
    if (!plan.fits) {
      notRun(plan.why);
      continue;
    }
    at.loaders = Math.max(settings.loaders, plan.loaders);
    const port = await freePort();
    const target =
      // A peer runs as one process while one holds N, and as many as the plan gives the gateways beyond
      // (bench/lib/peer-cluster.js: each library's own way of using several processes).
      peer ? new PeerTarget({ name: engine, port, processes: n > plan.connectionsPerProcess ? plan.gateways : 1 }) : new GatehouseTarget({ engine, protocol, port, opsPort: await freePortBlock(plan.gateways), gateways: plan.gateways });
    try {
      guard.current = target;
      await target.start();
    } catch (err) {
      guard.current = null;
      notRun(err.message.split('\n')[0]);
      continue;
    }
    try {
      // How the server was configured, next to its figures (the peers: library versions and settings).
      results.runs.push({ ...(await runScenario(target, at, log)), round, ...(target.config ? { config: target.config } : {}) });
    } catch (err) {
      log(`  failed: ${err.message}`);
      results.runs.push({ target: engine, protocol, connections: n, round, error: err.message.split('\n')[0] });
    } finally {
      await target.stop().catch((err) => log(`  stopping: ${err.message}`));
      guard.current = null;
    }
  }
}
}
}

restorePortRange(portRange);
results.finishedAt = new Date().toISOString();
save();
const charts = await writeCharts(results, base);
log(`\n${markdown(results)}`);
log(`results: ${base}.json, ${base}.md${charts.length ? `, charts: ${charts.join(', ')}` : ''}`);
