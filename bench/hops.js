#!/usr/bin/env node
/**
 * Where a round trip through the worker tier spends its time, hop by hop
 * (docs/worker.md, "Round trip, hop by hop").
 *
 *   node bench/hops.js [--engine js|native] [--messages 1000] [--interval-ms 10] [--name hops]
 *
 * Starts the bench app (one gateway, one business worker with one thread) with
 * GATEHOUSE_HOP_TRACE set: the gateway (JS engine), the worker's main thread
 * and its pool thread record the monotonic clock at each hop
 * (src/util/hop-trace.ts). One client sends `p …` lines (answered by
 * Gateway.sendToCurrentClient), one at a time, `--interval-ms` apart (0: back
 * to back), and records its own send and receive on the same clock. Each hop's
 * time is measured from the hop before it; the median and p90 over all round
 * trips (the first 50 left out as warm-up) are written to
 * bench/results/<date>-<name>-<engine>-<n>.md, a new file each run. The
 * native engine records no gateway hops: its share is what lies between the
 * client and the worker's link reads and writes.
 */
import { appendFileSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { freePort, sleep } from './lib/proc.js';
import { GatehouseTarget } from './lib/targets.js';
import { newResultBase } from './lib/results-file.js';

const { values } = parseArgs({
  options: {
    engine: { type: 'string', default: 'native' },
    messages: { type: 'string', default: '1000' },
    'interval-ms': { type: 'string', default: '10' },
    name: { type: 'string', default: 'hops' },
  },
});
const engine = values.engine;
const messages = Number(values.messages);
const intervalMs = Number(values['interval-ms']);
const WARMUP = 50;
const ROOT = fileURLToPath(new URL('../', import.meta.url));
const traceFile = join(tmpdir(), `gh-hops-${process.pid}.trace`);
rmSync(traceFile, { force: true });
setTimeout(() => {
  console.error('bench/hops: time limit reached');
  process.exit(1);
}, 120_000 + messages * (intervalMs + 5)).unref();

const target = new GatehouseTarget({ engine, protocol: 'text', port: await freePort(), opsPort: await freePort() });
target.env.GATEHOUSE_HOP_TRACE = traceFile;
await target.start();
const clientLines = [];
const now = () => process.hrtime.bigint();
try {
  const socket = connect(target.port, '127.0.0.1');
  socket.setNoDelay(true);
  await new Promise((resolve, reject) => socket.once('connect', resolve).once('error', reject));
  let pending = '';
  let answered = () => {};
  socket.on('data', (chunk) => {
    const t = now();
    pending += chunk;
    let i;
    while ((i = pending.indexOf('\n')) >= 0) {
      pending = pending.slice(i + 1);
      clientLines.push(`${t} client c.receive\n`);
      answered();
    }
  });
  await sleep(500); // the connect event's round trip is not one of ours
  for (let i = 0; i < messages; i++) {
    const got = new Promise((resolve) => (answered = resolve));
    clientLines.push(`${now()} client c.send\n`);
    socket.write(`p ${i}\n`);
    await got;
    if (intervalMs > 0) await sleep(intervalMs);
  }
  socket.end();
} finally {
  await target.stop();
}
await sleep(200);
appendFileSync(traceFile, clientLines.join(''));

// Group the records into round trips: each starts at a client send.
const records = readFileSync(traceFile, 'utf8')
  .trim()
  .split('\n')
  .map((l) => {
    const [t, who, name] = l.split(' ');
    return { t: BigInt(t), who, name };
  })
  .sort((a, b) => (a.t < b.t ? -1 : a.t > b.t ? 1 : 0));
rmSync(traceFile, { force: true });
const trips = [];
for (const r of records) {
  if (r.name === 'c.send') trips.push([r]);
  else if (trips.length > 0) trips.at(-1).push(r);
}
const counted = trips.slice(WARMUP).filter((trip) => trip.some((r) => r.name === 'c.receive'));
const hops = new Map();
const totals = [];
for (const trip of counted) {
  const seen = new Map();
  let prev = trip[0].t;
  for (const r of trip.slice(1)) {
    const k = (seen.get(r.name) ?? 0) + 1;
    seen.set(r.name, k);
    const key = k === 1 ? r.name : `${r.name} (${k})`;
    if (!hops.has(key)) hops.set(key, []);
    hops.get(key).push(Number(r.t - prev) / 1000);
    prev = r.t;
    if (r.name === 'c.receive') {
      totals.push(Number(r.t - trip[0].t) / 1000);
      break;
    }
  }
}
const pick = (xs, p) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(p * s.length))];
};
const rows = [...hops].filter(([, xs]) => xs.length >= counted.length * 0.5);
const lines = [
  `# Round trip hop by hop — ${engine} engine, ${new Date().toISOString()}`,
  '',
  `One client, ${messages} messages one at a time, ${intervalMs} ms apart; ${counted.length} round trips counted (the first ${WARMUP} are warm-up). ` +
    'Each hop: time since the hop before it, in µs. Hops seen in fewer than half the round trips are left out.',
  '',
  `Round trip: p50 ${pick(totals, 0.5).toFixed(0)} µs, p90 ${pick(totals, 0.9).toFixed(0)} µs, p99 ${pick(totals, 0.99).toFixed(0)} µs`,
  '',
  '| hop | seen | median µs | p90 µs |',
  '|---|---|---|---|',
  ...rows.map(([k, xs]) => `| ${k} | ${xs.length} | ${pick(xs, 0.5).toFixed(1)} | ${pick(xs, 0.9).toFixed(1)} |`),
  '',
];
const out = `${newResultBase(`${values.name}-${engine}`)}.md`;
writeFileSync(out, lines.join('\n'));
console.log(lines.join('\n'));
console.log(`written: ${out}`);
