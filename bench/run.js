#!/usr/bin/env node
/**
 * The benchmark: native engine vs JS engine vs raw uWebSockets.js, side by
 * side on this machine, loopback only; stops by itself (a few minutes).
 *
 *   node bench/run.js [--targets js,native,uws] [--protocols text,websocket]
 *                     [--connections 10000] [--loaders 2] [--broadcast-seconds 8] [--name loopback-10k]
 *                     [--repeat N] [--renice=-10] [--time-limit 300]
 *
 * Needs `npm run build` (dist/) and a C compiler (bench/loadgen is built on
 * first use). The native engine is used through GATEHOUSE_ENGINE=native and
 * only counted when the gateway's /stats says it runs; otherwise its rows say
 * why they were not run. Results: bench/results/<date>-<name>-<n>.json and .md (a new n each run).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, statSync, writeFileSync } from 'node:fs';
import { cpus, release } from 'node:os';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { buildLoadgen } from './lib/loadgen.js';
import { freePort, machineCpu, sleep } from './lib/proc.js';
import { markdown } from './lib/report.js';
import { runScenario } from './lib/scenario.js';
import { GatehouseTarget, UwsTarget } from './lib/targets.js';
import { newResultBase } from './lib/results-file.js';

const { values } = parseArgs({
  options: {
    targets: { type: 'string', default: 'js,native,uws' },
    protocols: { type: 'string', default: 'text,websocket' },
    connections: { type: 'string', default: '10000' },
    loaders: { type: 'string', default: '2' },
    'broadcast-seconds': { type: 'string', default: '8' },
    name: { type: 'string', default: 'loopback-10k' },
    'time-limit': { type: 'string', default: '300' },
    repeat: { type: 'string', default: '1' },
    renice: { type: 'string', default: '0' },
  },
});

const settings = {
  targets: values.targets.split(','),
  protocols: values.protocols.split(','),
  connections: Number(values.connections),
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
  repeat: Math.max(1, Number(values.repeat)),
  /** Nice value for the server's and the loaders' threads (e.g. -10 on a machine busy with other work; needs root). */
  renice: Number(values.renice),
};
// One loader holds at most ~19,000 sockets (the open-file limit is 20,000 per process).
settings.loaders = Math.max(settings.loaders, Math.ceil(settings.connections / 15000));

const ROOT = fileURLToPath(new URL('../', import.meta.url));
if (!existsSync(`${ROOT}dist/src/cli/main.js`)) {
  console.error('bench: build first (npm run build)');
  process.exit(1);
}
buildLoadgen();

const log = (line) => console.log(line);
/** The server running now, stopped on the way out whatever happens (a gatehouse daemon would outlive the bench). */
let current = null;
function abort(why) {
  console.error(`bench: ${why}; stopping`);
  current?.stopNow();
  // Load generators and the uWS server end by themselves when their stdin closes with this process.
  process.exit(1);
}
// Bounded in time whatever happens: a hung server must not keep the bench (or the machine) busy.
setTimeout(() => abort(`time limit of ${values['time-limit']} s reached`), Number(values['time-limit']) * 1000).unref();
process.on('SIGINT', () => abort('interrupted'));
process.on('SIGTERM', () => abort('terminated'));

const date = new Date().toISOString().slice(0, 10);
const results = {
  name: values.name,
  date,
  startedAt: new Date().toISOString(),
  machine: { cpus: cpus().length, cpuModel: cpus()[0]?.model ?? '?', kernel: release(), node: process.version },
  settings,
  // What was measured: the commit of the tree and when the native addon was built (it may be older than the tree).
  provenance: {
    gitHead: spawnSync('git', ['rev-parse', 'HEAD'], { cwd: ROOT, encoding: 'utf8' }).stdout.trim() || null,
    addonBuiltAt: existsSync(`${ROOT}build/Release/gatehouse.node`) ? statSync(`${ROOT}build/Release/gatehouse.node`).mtime.toISOString() : null,
  },
  runs: [],
};
// How busy the machine is before the bench adds anything: on shared cores, other work skews every number.
{
  const before = machineCpu();
  await sleep(2000);
  const after = machineCpu();
  results.machine.backgroundBusy = +((after.busy - before.busy) / (after.total - before.total)).toFixed(2);
  log(`machine busy before the bench: ${Math.round(results.machine.backgroundBusy * 100)}% of ${results.machine.cpus} cores`);
}

// Repeats go round the targets, so slow phases of the machine's other work spread over all of them.
for (let round = 1; round <= settings.repeat; round++) {
for (const engine of settings.targets) {
  for (const protocol of settings.protocols) {
    if (engine === 'uws' && protocol !== 'websocket') continue;
    log(`${engine} / ${protocol}${settings.repeat > 1 ? ` (round ${round})` : ''}`);
    const port = await freePort();
    const target = engine === 'uws' ? new UwsTarget({ port }) : new GatehouseTarget({ engine, protocol, port, opsPort: await freePort() });
    try {
      current = target;
      await target.start();
    } catch (err) {
      current = null;
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
      current = null;
    }
  }
}
}

results.finishedAt = new Date().toISOString();
const base = newResultBase(values.name, date);
writeFileSync(`${base}.json`, `${JSON.stringify(results, null, 2)}\n`);
writeFileSync(`${base}.md`, markdown(results));
log(`\n${markdown(results)}`);
log(`results: ${base}.json, ${base}.md`);
