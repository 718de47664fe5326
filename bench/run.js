#!/usr/bin/env node
/**
 * The benchmark: gatehouse's native and JS engines beside the servers users
 * would pick instead — raw uWebSockets.js, ws and Socket.IO (minimal servers,
 * bench/*-server.js, one process each) — side by side on this machine,
 * loopback only; stops by itself (a few minutes).
 *
 *   node bench/run.js [--targets js,native,uws,ws,socketio] [--protocols text,websocket]
 *                     [--connections 10000 | --conns 10000] [--loaders 2] [--broadcast-seconds 8] [--name loopback-10k]
 *                     [--repeat N] [--renice=-10] [--time-limit 300 | --max-seconds 300]
 *                     [--plan] [--mem-available BYTES] [--open-file-limit N] [--quick] [--out DIR]
 *
 * --quick: every target and protocol with 2,000 connections and one-second
 * phases (under 2 minutes): a smoke test that every scenario still produces
 * numbers (npm test runs it with --out in a temp dir), not a measurement.
 *
 * Before anything starts, the run is planned for this machine
 * (bench/lib/capacity-plan.js): processes under the open-file limit, and the
 * memory the connections need; a run the memory cannot hold is refused with
 * the figures. --plan prints the plan as JSON and exits (0 when it fits, 2
 * when not); --mem-available and --open-file-limit plan for another machine.
 *
 * Needs `npm run build` (dist/) and a C compiler (bench/loadgen is built on
 * first use). The native engine is used through GATEHOUSE_ENGINE=native and
 * only counted when the gateway's /stats says it runs; otherwise its rows say
 * why they were not run. Results: bench/results/<date>-<name>-<n>.json and .md (a new n each run).
 */
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { machineLimits, planCapacity } from './lib/capacity-plan.js';
import { buildLoadgen } from './lib/loadgen.js';
import { freePort, freePortBlock } from './lib/proc.js';
import { markdown } from './lib/report.js';
import { runScenario } from './lib/scenario.js';
import { GatehouseTarget, PEER_NAMES, PeerTarget } from './lib/targets.js';
import { newResultBase } from './lib/results-file.js';
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
    out: { type: 'string' },
    'time-limit': { type: 'string', default: '300' },
    'max-seconds': { type: 'string' },
    repeat: { type: 'string', default: '1' },
    renice: { type: 'string', default: '0' },
  },
});

const settings = {
  targets: values.targets.split(','),
  protocols: values.protocols.split(','),
  connections: Number(values.conns ?? (values.quick ? '2000' : values.connections)),
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
  /** How long one broadcast may take to reach every connection before the fan-out phase gives up (and says how many it reached). */
  fanoutTimeoutMs: 10_000,
  repeat: Math.max(1, Number(values.repeat)),
  /** Nice value for the server's and the loaders' threads (e.g. -10 on a machine busy with other work; needs root). */
  renice: Number(values.renice),
};
if (values.quick) {
  Object.assign(settings, { warmupMs: 500, broadcastSeconds: 1, settleMs: 500, probeSeconds: 1, fixedSeconds: 1 });
  settings.quick = true;
}
values.name ??= values.quick ? 'quick' : 'loopback-10k';
// One loader holds at most ~19,000 sockets (the open-file limit is 20,000 per process).
settings.loaders = Math.max(settings.loaders, Math.ceil(settings.connections / 15000));

{
  const measured = values['mem-available'] === undefined || values['open-file-limit'] === undefined ? machineLimits() : null;
  const machine = {
    memAvailable: values['mem-available'] === undefined ? measured.memAvailable : Number(values['mem-available']),
    openFileLimit: values['open-file-limit'] === undefined ? measured.openFileLimit : Number(values['open-file-limit']),
  };
  // The largest per-connection cost among the targets decides.
  const plans = settings.targets.map((t) => planCapacity({ conns: settings.connections, engine: t, machine }));
  const worst = plans.reduce((a, b) => (b.memoryNeeded > a.memoryNeeded ? b : a));
  if (values.plan) {
    console.log(JSON.stringify({ machine, plans }, null, 2));
    process.exit(worst.fits ? 0 : 2);
  }
  if (!worst.fits) {
    console.error(`bench: not run: ${worst.why}`);
    process.exit(2);
  }
  console.log(`plan: ${worst.why}`);
  settings.gateways = Object.fromEntries(plans.map((p, i) => [settings.targets[i], p.gateways]));
  settings.connectionsPerProcess = worst.connectionsPerProcess;
}

requireBuild();
buildLoadgen();
const log = (line) => console.log(line);
/** The server running now (`guard.current`), stopped on the way out whatever happens; the run is bounded in time. */
const guard = guardRun(values['max-seconds'] ?? values['time-limit']);

const date = new Date().toISOString().slice(0, 10);
const results = {
  name: values.name,
  date,
  startedAt: new Date().toISOString(),
  ...(await describeRun(log)),
  settings,
  runs: [],
};

// Repeats go round the targets, so slow phases of the machine's other work spread over all of them.
for (let round = 1; round <= settings.repeat; round++) {
for (const engine of settings.targets) {
  for (const protocol of settings.protocols) {
    const peer = PEER_NAMES.includes(engine);
    if (peer && protocol !== 'websocket') continue;
    log(`${engine} / ${protocol}${settings.repeat > 1 ? ` (round ${round})` : ''}`);
    if (peer && settings.connections > settings.connectionsPerProcess) {
      // One process, one open-file limit: multi-process peers are issue 10's next step.
      log(`  not run: one ${engine} process holds at most ${settings.connectionsPerProcess} connections here`);
      results.runs.push({ target: engine, protocol, round, error: `more than ${settings.connectionsPerProcess} connections need more than one process` });
      continue;
    }
    const port = await freePort();
    const gateways = settings.gateways[engine];
    const target =
      peer ? new PeerTarget({ name: engine, port }) : new GatehouseTarget({ engine, protocol, port, opsPort: await freePortBlock(gateways), gateways });
    try {
      guard.current = target;
      await target.start();
    } catch (err) {
      guard.current = null;
      log(`  not run: ${err.message.split('\n')[0]}`);
      results.runs.push({ target: engine, protocol, round, error: err.message.split('\n')[0] });
      continue;
    }
    try {
      results.runs.push({ ...(await runScenario(target, settings, log)), round });
    } catch (err) {
      log(`  failed: ${err.message}`);
      results.runs.push({ target: engine, protocol, round, error: err.message.split('\n')[0] });
    } finally {
      await target.stop().catch((err) => log(`  stopping: ${err.message}`));
      guard.current = null;
    }
  }
}
}

results.finishedAt = new Date().toISOString();
const base = newResultBase(values.name, date, values.out);
writeFileSync(`${base}.json`, `${JSON.stringify(results, null, 2)}\n`);
writeFileSync(`${base}.md`, markdown(results));
log(`\n${markdown(results)}`);
log(`results: ${base}.json, ${base}.md`);
