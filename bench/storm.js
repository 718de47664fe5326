#!/usr/bin/env node
/**
 * A connect storm, native engine vs JS engine (docs/worker.md, "Connect storms").
 *
 *   node bench/storm.js [--engines native,js] [--clients 20000] [--rate 20000] [--probers 20] [--name storm]
 *
 * Starts bench/storm-app (two gateways — 20,000 sockets do not fit in one
 * process's 20,000 open files — and one business worker with one thread; the
 * app welcomes each client on connect and broadcasts "b …" lines), then
 * opens --clients text connections at --rate per second from two client
 * processes (dist/test/helpers/storm-clients.js, the e2e test's client side),
 * half each. Measured per engine: each client's welcome time (connect() call
 * to its `welcome` line) p50/p99/max, whether a broadcast sent 2 s after the
 * last handshake reached everyone, the kernel's TcpExtListenOverflows and
 * ListenDrops during the run (/proc/net/netstat, the whole network
 * namespace: 0 is the target), and the gateways' counters. Meanwhile
 * --probers open clients (connected before the storm) each send a "p …" line
 * every 10 ms, echoed by the handler: their round trip in the second before
 * the storm and during it (from the first connect to 1 s after the last
 * handshake) shows whether a message waits behind the storm's connects.
 *
 * Writes bench/results/<date>-<name>-<n>.md (a new file each run, never
 * overwritten) and prints it. Needs `npm run build` (dist/).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { listenerDrops, tcpExt } from './lib/kernel-counters.js';
import { all, buildLoadgen, Loader } from './lib/loadgen.js';
import { cpuSeconds, freePort, sleep } from './lib/proc.js';
import { GatehouseTarget } from './lib/targets.js';
import { newResultBase } from './lib/results-file.js';

const { values } = parseArgs({
  options: {
    engines: { type: 'string', default: 'native,js' },
    clients: { type: 'string', default: '20000' },
    rate: { type: 'string', default: '20000' },
    probers: { type: 'string', default: '20' },
    name: { type: 'string', default: 'storm' },
  },
});
const ROOT = fileURLToPath(new URL('../', import.meta.url));
const APP = join(ROOT, 'bench', 'storm-app');
const ENGINES = values.engines.split(',');
const CLIENTS = Number(values.clients);
const RATE = Number(values.rate);
const PROBERS = Number(values.probers);
const PROBE_INTERVAL_MS = 10;
const PROCESSES = 2;
const DEADLINE_MS = 60_000;
const GATEWAYS = 2;

buildLoadgen();
setTimeout(() => {
  console.error('bench/storm: time limit reached');
  process.exit(1);
}, ENGINES.length * (DEADLINE_MS + 60_000)).unref();

function netstat() {
  const c = tcpExt();
  return { overflows: c.listenOverflows, drops: c.listenDrops };
}

/** One loader's storm: `count` connections at `rate`/s; resolves once every attempt ended (the loader's "ready"). */
async function connectAll(loader, ms) {
  await loader.ready(ms);
}

async function runEngine(engine) {
  const opsPort = await freePort();
  const target = new GatehouseTarget({ engine, protocol: 'text', port: await freePort(), opsPort, app: APP });
  await target.start();
  const gatewayPids = [target.pid, Number(readFileSync(join(target.runDir, 'gateway-1.pid'), 'utf8').trim())];
  const loaders = [];
  const prober = PROBERS > 0 ? new Loader({ port: target.port, conns: PROBERS, mode: 'probe', intervalMs: PROBE_INTERVAL_MS, srcFirst: '127.76.0.1', perSrc: 1000 }) : null;
  try {
    if (prober !== null) {
      await prober.ready(10_000);
      await prober.command('start');
      await sleep(1000);
      await prober.command('reset');
    }
    await sleep(500);
    const before = { ...netstat(), listener: listenerDrops(target.port) };
    const cpuBefore = { gateways: gatewayPids.map(cpuSeconds), worker: cpuSeconds(target.workerPid) };
    const startedAt = Date.now();
    const per = Math.ceil(CLIENTS / PROCESSES);
    for (let i = 0; i < PROCESSES; i++) {
      loaders.push(
        new Loader({ port: target.port, conns: per, mode: 'storm', connectRate: Math.round(RATE / PROCESSES), srcFirst: `127.${77 + i}.0.1`, perSrc: 1000 }),
      );
    }
    // The probers' last second before the storm: their round trip on a quiet gateway.
    const quiet = prober === null ? null : await prober.command('stats');
    if (prober !== null) await prober.command('reset');
    await Promise.all(loaders.map((l) => connectAll(l, DEADLINE_MS)));
    const connectedAt = Date.now();
    await sleep(1000);
    const during = prober === null ? null : await prober.command('stats');
    if (prober !== null) await prober.command('stop');
    await sleep(1000);
    const broadcastAt = Date.now();
    await loaders[0].command('broadcast');
    let stats = await all(loaders, 'stats');
    while (sum(stats, (s) => s.broadcastReceived) < CLIENTS && Date.now() - broadcastAt < 20_000) {
      await sleep(100);
      stats = await all(loaders, 'stats');
    }
    const broadcastMs = Date.now() - broadcastAt;
    // Everyone welcomed by now, or as many as will be.
    const after = { ...netstat(), listener: listenerDrops(target.port) };
    const cpuAfter = { gateways: gatewayPids.map(cpuSeconds), worker: cpuSeconds(target.workerPid) };
    const gateways = [];
    for (let i = 0; i < GATEWAYS; i++) gateways.push(await (await fetch(`http://127.0.0.1:${opsPort + i}/stats`)).json());
    return {
      engine,
      stats,
      connectMs: connectedAt - startedAt,
      probe: prober === null ? null : { quiet: quiet.latencyUs, during: during.latencyUs, stalls: during.stalls, closed: during.closed },
      broadcastMs,
      overflows: after.overflows - before.overflows,
      listenerDrops: after.listener - before.listener,
      drops: after.drops - before.drops,
      gatewayCpu: cpuAfter.gateways.map((c, i) => c - cpuBefore.gateways[i]),
      workerCpu: cpuAfter.worker - cpuBefore.worker,
      gateways,
    };
  } finally {
    await Promise.all([...loaders, ...(prober === null ? [] : [prober])].map((l) => l.quit()));
    await target.stop();
  }
}

const sum = (xs, f) => xs.reduce((a, x) => a + f(x), 0);
const runs = [];
for (const engine of ENGINES) {
  runs.push(await runEngine(engine));
  await sleep(2000);
}

const fmt = (n) => (Number.isFinite(n) ? n.toFixed(0) : '—');
const ms = (us) => fmt(us / 1000);
const ms1 = (us) => (Number.isFinite(us) ? (us / 1000).toFixed(1) : '—');
const per = Math.ceil(CLIENTS / PROCESSES);
const lines = [
  `# Connect storm — ${new Date().toISOString()}`,
  '',
  `${CLIENTS} text clients from ${PROCESSES} load-generator processes (bench/loadgen, mode storm) at ${RATE}/s in all, ` +
    `to ${GATEWAYS} gateways on one port and one business worker (1 thread), bench/storm-app: a welcome line on connect; ` +
    'a broadcast requested 2 s after the last handshake. Welcome time: from the connect() call to the welcome line, ms, ' +
    'per load-generator process (a / b). Listen overflows: TcpExtListenOverflows of the network namespace during the run ' +
    '(0 is the target; other work on the machine counts too); listener drops: the same event counted on this bench\'s listening ' +
    'socket(s) only (ss -m). CPU: seconds used during the run. ' +
    `Open clients: ${PROBERS} clients connected before the storm, each sending a line every ${PROBE_INTERVAL_MS} ms that its handler echoes; ` +
    'their round trip in the second before the storm (quiet) and from the first connect to 1 s after the last handshake (storm), ms.',
  '',
  '| engine | connect rate reached /s | connected | welcomed | welcome p50 ms | welcome p99 ms | welcome max ms | broadcast reached | listen overflows | listener drops | accepted per gateway | refused | heldForConnect | gateway CPU s | worker CPU s | open clients quiet p50 / p99 ms | storm p50 / p99 / max ms | storm replies |',
  '|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|',
  ...runs.map(
    (r) =>
      '| ' +
      [
        r.engine,
        fmt(sum(r.stats, (x) => per / (x.connectSpanUs / 1e6))),
        sum(r.stats, (x) => x.connected),
        sum(r.stats, (x) => x.latencyUs.n),
        r.stats.map((x) => ms(x.latencyUs.p50)).join(' / '),
        r.stats.map((x) => ms(x.latencyUs.p99)).join(' / '),
        r.stats.map((x) => ms(x.latencyUs.max)).join(' / '),
        sum(r.stats, (x) => x.broadcastReceived),
        r.overflows,
        r.listenerDrops,
        r.gateways.map((g) => g.connectionsAccepted).join(' + '),
        sum(r.gateways, (g) => g.connectionsRefused),
        sum(r.gateways, (g) => g.heldForConnect),
        r.gatewayCpu.map((c) => c.toFixed(2)).join(' + '),
        r.workerCpu.toFixed(2),
        r.probe === null ? '—' : `${ms1(r.probe.quiet.p50)} / ${ms1(r.probe.quiet.p99)}`,
        r.probe === null ? '—' : `${ms1(r.probe.during.p50)} / ${ms1(r.probe.during.p99)} / ${ms1(r.probe.during.max)}`,
        r.probe === null ? '—' : r.probe.during.n,
      ].join(' | ') +
      ' |',
  ),
  '',
  'Raw (per engine: load generators\' stats, kernel counters, time to connect everyone and for the broadcast to reach everyone, ms):',
  '',
  '```json',
  ...runs.map((r) => JSON.stringify({ engine: r.engine, loaders: r.stats, overflows: r.overflows, drops: r.drops, listenerDrops: r.listenerDrops, connectMs: r.connectMs, broadcastMs: r.broadcastMs, probe: r.probe })),
  '```',
  '',
];
const out = `${newResultBase(values.name)}.md`;
writeFileSync(out, lines.join('\n'));
console.log(lines.join('\n'));
console.log(`written: ${out}`);
