#!/usr/bin/env node
/**
 * The benchmark: native engine vs JS engine vs raw uWebSockets.js, side by
 * side on this machine, loopback only; stops by itself (a few minutes).
 *
 *   node bench/run.js [--targets js,native,uws] [--protocols text,websocket]
 *                     [--connections 10000] [--loaders 2] [--broadcast-seconds 8] [--name loopback-10k]
 *
 * Needs `npm run build` (dist/) and a C compiler (bench/loadgen is built on
 * first use). The native engine is used through GATEHOUSE_ENGINE=native and
 * only counted when the gateway's /stats says it runs; otherwise its rows say
 * why they were not run. Results: bench/results/<date>-<name>.json and .md.
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { cpus, release } from 'node:os';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { buildLoadgen } from './lib/loadgen.js';
import { freePort } from './lib/proc.js';
import { markdown } from './lib/report.js';
import { runScenario } from './lib/scenario.js';
import { GatehouseTarget, UwsTarget } from './lib/targets.js';

const { values } = parseArgs({
  options: {
    targets: { type: 'string', default: 'js,native,uws' },
    protocols: { type: 'string', default: 'text,websocket' },
    connections: { type: 'string', default: '10000' },
    loaders: { type: 'string', default: '2' },
    'broadcast-seconds': { type: 'string', default: '8' },
    name: { type: 'string', default: 'loopback-10k' },
    'time-limit': { type: 'string', default: '300' },
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
// Bounded in time whatever happens: a hung server must not keep the bench (or the machine) busy.
const limit = setTimeout(() => {
  console.error(`bench: time limit of ${values['time-limit']} s reached; stopping`);
  process.exit(1);
}, Number(values['time-limit']) * 1000);
limit.unref();

const date = new Date().toISOString().slice(0, 10);
const results = {
  name: values.name,
  date,
  startedAt: new Date().toISOString(),
  machine: { cpus: cpus().length, cpuModel: cpus()[0]?.model ?? '?', kernel: release(), node: process.version },
  settings,
  runs: [],
};

for (const engine of settings.targets) {
  for (const protocol of settings.protocols) {
    if (engine === 'uws' && protocol !== 'websocket') continue;
    log(`${engine} / ${protocol}`);
    const port = await freePort();
    const target = engine === 'uws' ? new UwsTarget({ port }) : new GatehouseTarget({ engine, protocol, port, opsPort: await freePort() });
    try {
      await target.start();
    } catch (err) {
      log(`  not run: ${err.message.split('\n')[0]}`);
      results.runs.push({ target: engine, protocol, error: err.message.split('\n')[0] });
      continue;
    }
    try {
      results.runs.push(await runScenario(target, settings, log));
    } catch (err) {
      log(`  failed: ${err.message}`);
      results.runs.push({ target: engine, protocol, error: err.message.split('\n')[0] });
    } finally {
      await target.stop().catch((err) => log(`  stopping: ${err.message}`));
    }
  }
}

results.finishedAt = new Date().toISOString();
const dir = `${ROOT}bench/results`;
mkdirSync(dir, { recursive: true });
const base = `${dir}/${date}-${values.name}`;
writeFileSync(`${base}.json`, `${JSON.stringify(results, null, 2)}\n`);
writeFileSync(`${base}.md`, markdown(results));
log(`\n${markdown(results)}`);
log(`results: ${base}.json, ${base}.md`);
