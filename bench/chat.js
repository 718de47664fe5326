#!/usr/bin/env node
/**
 * The chat demo's private line, as a user meets it: 1,000 logged-in clients,
 * 20 of them sending a private line to themselves every 10 ms (2,000 lines/s),
 * through examples/chat on the native and the JS engine (text and WebSocket
 * listeners), beside a single-process node:net server speaking the same
 * protocol (bench/chat-node-baseline.js, text only). The private line costs
 * the demo's handler a query (Gateway.isUidOnline) before its sendToUid.
 *
 *   node bench/chat.js [--targets native,js,node] [--protocols text,websocket] [--name chat-private]
 *
 * Each run writes a new bench/results/<date>-<name>-<n>.{json,md}. Loopback only.
 */
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { buildLoadgen, Loader } from './lib/loadgen.js';
import { freePort, machineCpu, sleep } from './lib/proc.js';
import { GatehouseTarget } from './lib/targets.js';
import { newResultBase } from './lib/results-file.js';
import { guardRun, requireBuild, ROOT } from './lib/run-guard.js';

const { values } = parseArgs({
  options: {
    targets: { type: 'string', default: 'native,js,node' },
    protocols: { type: 'string', default: 'text,websocket' },
    name: { type: 'string', default: 'chat-private' },
    'time-limit': { type: 'string', default: '300' },
  },
});
const LOGGED_IN = 1000;
const SENDERS = 20;
const INTERVAL_MS = 10;
const SECONDS = 5;

requireBuild('dist/examples/chat/events.js');
buildLoadgen();
const log = (line) => console.log(line);
/** The server running now (`guard.current`), stopped on the way out whatever happens; the run is bounded in time. */
const guard = guardRun(values['time-limit']);

class NodeChatTarget {
  constructor() {
    this.name = 'node';
  }
  async start() {
    this.child = spawn(process.execPath, [`${ROOT}bench/chat-node-baseline.js`, '0'], { stdio: ['pipe', 'pipe', 'inherit'], detached: true });
    const first = await new Promise((resolve, reject) => {
      createInterface({ input: this.child.stdout }).once('line', (l) => resolve(JSON.parse(l)));
      this.child.once('exit', (code) => reject(new Error(`chat-node-baseline exited with ${code}`)));
    });
    this.port = first.port;
  }
  stopNow() {
    this.child?.kill('SIGKILL');
  }
  async stop() {
    this.child.stdin.end();
    await sleep(200);
    this.child.kill('SIGKILL');
  }
}

async function measure(target, port, protocol) {
  const loaders = [];
  try {
    // Logged in, quiet: 980 clients named n20 … n999 (each login is broadcast to all by the demo).
    const crowd = new Loader({ port, proto: protocol, conns: LOGGED_IN - SENDERS, chatBase: SENDERS, srcFirst: '127.1.0.1', perSrc: 1000 });
    loaders.push(crowd);
    await crowd.ready(30_000);
    const senders = new Loader({ port, proto: protocol, conns: SENDERS, mode: 'probe', intervalMs: INTERVAL_MS, chatBase: 0, srcFirst: '127.200.0.1', perSrc: 1000 });
    loaders.push(senders);
    await senders.ready(10_000);
    await sleep(2000); // logins and their broadcasts settle
    await senders.command('start');
    await sleep(1000);
    await senders.command('reset');
    const m0 = machineCpu();
    await sleep(SECONDS * 1000);
    const s = await senders.command('stats');
    const m1 = machineCpu();
    await senders.command('stop');
    return { ...s.latencyUs, linesPerSecond: Math.round(s.latencyUs.n / SECONDS), closed: s.closed, machineBusy: +((m1.busy - m0.busy) / (m1.total - m0.total)).toFixed(2) };
  } finally {
    await Promise.all(loaders.map((l) => l.quit()));
  }
}

const date = new Date().toISOString().slice(0, 10);
const results = { name: values.name, date, startedAt: new Date().toISOString(), machine: { cpus: cpus().length, node: process.version }, runs: [] };
for (const engine of values.targets.split(',')) {
  for (const protocol of values.protocols.split(',')) {
    if (engine === 'node' && protocol !== 'text') continue;
    log(`${engine} / ${protocol}`);
    let target;
    let port;
    try {
      if (engine === 'node') {
        target = new NodeChatTarget();
        guard.current = target;
        await target.start();
        port = target.port;
      } else {
        const [tcp, ws] = [await freePort(), await freePort()];
        target = new GatehouseTarget({
          engine,
          protocol,
          port: protocol === 'text' ? tcp : ws,
          opsPort: await freePort(),
          app: `${ROOT}examples/chat`,
          sets: [`listeners.0.port=${tcp}`, 'listeners.0.host=127.0.0.1', `listeners.1.port=${ws}`, 'listeners.1.host=127.0.0.1'],
        });
        guard.current = target;
        await target.start();
        port = target.port;
      }
      const r = await measure(target, port, protocol);
      results.runs.push({ target: engine, protocol, ...r });
      log(`  private line: p50 ${r.p50} µs, p99 ${r.p99}, p99.9 ${r.p999} (${r.linesPerSecond}/s, machine ${Math.round(r.machineBusy * 100)}% busy)`);
    } catch (err) {
      results.runs.push({ target: engine, protocol, error: err.message.split('\n')[0] });
      log(`  failed: ${err.message.split('\n')[0]}`);
    } finally {
      await target?.stop().catch(() => {});
      guard.current = null;
    }
  }
}
results.finishedAt = new Date().toISOString();
const fmt = (n) => (n === undefined ? '—' : Math.round(n).toLocaleString('en-US'));
const md = [
  `# Chat demo private line ${date} (${values.name})`,
  '',
  `${LOGGED_IN} logged-in clients, ${SENDERS} sending a private line to themselves every ${INTERVAL_MS} ms for ${SECONDS} s (after 1 s warm-up). Round trip in µs.`,
  '',
  '| server | protocol | p50 | p90 | p99 | p99.9 | max | lines/s | machine busy |',
  '|---|---|---:|---:|---:|---:|---:|---:|---:|',
  ...results.runs.map((r) => (r.error ? `| ${r.target} | ${r.protocol} | failed: ${r.error.replace(/\|/g, '/')} | | | | | | |` : `| ${r.target} | ${r.protocol} | ${fmt(r.p50)} | ${fmt(r.p90)} | ${fmt(r.p99)} | ${fmt(r.p999)} | ${fmt(r.max)} | ${fmt(r.linesPerSecond)} | ${Math.round(r.machineBusy * 100)}% |`)),
  '',
].join('\n');
const base = newResultBase(values.name, date);
writeFileSync(`${base}.json`, `${JSON.stringify(results, null, 2)}\n`);
writeFileSync(`${base}.md`, md);
log(`\n${md}\nresults: ${base}.md`);
process.exit(0);
