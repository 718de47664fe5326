#!/usr/bin/env node
/**
 * Session patches on the hot path (docs/worker.md, "Commands in binary"): an
 * app that writes the session on every message sends one Session command per
 * event next to its reply. Starts the bench app (one native gateway, one
 * business worker with one thread); `--clients` clients each keep `--window`
 * lines outstanding for `--seconds` (after one second of warm-up), first with
 * `s …` lines (the handler bumps two session keys, then answers with
 * Gateway.sendToCurrentClient), then with `p …` lines (the same answer, no
 * session write) as the control of the same run. Reports replies per second
 * and the round trip (p50, p99) of each, measured by the clients.
 *
 *   node bench/session-writes.js [--engine native] [--clients 20] [--window 8] [--seconds 6] [--name session-writes]
 *
 * Writes bench/results/<date>-<name>-<engine>-<n>.md and .json, a new n each run.
 */
import { writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { freePort, sleep } from './lib/proc.js';
import { GatehouseTarget } from './lib/targets.js';
import { newResultBase } from './lib/results-file.js';

const { values } = parseArgs({
  options: {
    engine: { type: 'string', default: 'native' },
    clients: { type: 'string', default: '20' },
    window: { type: 'string', default: '8' },
    seconds: { type: 'string', default: '6' },
    name: { type: 'string', default: 'session-writes' },
  },
});
const engine = values.engine;
const CLIENTS = Number(values.clients);
const WINDOW = Number(values.window);
const SECONDS = Number(values.seconds);
const ROOT = fileURLToPath(new URL('../', import.meta.url));
setTimeout(() => {
  console.error('bench/session-writes: time limit reached');
  process.exit(1);
}, 120_000 + SECONDS * 4000).unref();

const now = () => process.hrtime.bigint();

/** One phase: every client keeps WINDOW `<letter> …` lines outstanding; a reply sends the next. */
async function phase(port, letter) {
  const sockets = [];
  let counting = false;
  let stopped = false;
  let replies = 0;
  const rtts = [];
  for (let i = 0; i < CLIENTS; i++) {
    const s = connect(port, '127.0.0.1');
    s.setNoDelay(true);
    await new Promise((resolve, reject) => s.once('connect', resolve).once('error', reject));
    let pending = '';
    const send = () => s.write(`${letter} ${i} ${now()}\n`);
    s.on('data', (chunk) => {
      const t = now();
      pending += chunk;
      let at;
      while ((at = pending.indexOf('\n')) >= 0) {
        const line = pending.slice(0, at);
        pending = pending.slice(at + 1);
        if (counting) {
          replies++;
          rtts.push(Number(t - BigInt(line.slice(line.lastIndexOf(' ') + 1))) / 1000);
        }
        if (!stopped) send();
      }
    });
    s.on('error', () => {});
    sockets.push({ s, send });
  }
  await sleep(300); // the connect events' round trips are not ours
  for (const { send } of sockets) for (let k = 0; k < WINDOW; k++) send();
  await sleep(1000);
  counting = true;
  const t0 = now();
  await sleep(SECONDS * 1000);
  counting = false;
  const elapsed = Number(now() - t0) / 1e9;
  stopped = true;
  await sleep(300);
  for (const { s } of sockets) s.destroy();
  rtts.sort((a, b) => a - b);
  const pick = (p) => rtts[Math.min(rtts.length - 1, Math.floor(p * rtts.length))] ?? NaN;
  return { repliesPerSecond: Math.round(replies / elapsed), replies, p50us: Math.round(pick(0.5)), p99us: Math.round(pick(0.99)) };
}

const target = new GatehouseTarget({ engine, protocol: 'text', port: await freePort(), opsPort: await freePort() });
await target.start();
let sessionRun;
let control;
let stats;
try {
  sessionRun = await phase(target.port, 's');
  await sleep(500);
  control = await phase(target.port, 'p');
  stats = await target.stats();
} finally {
  await target.stop();
}
const { readFileSync } = await import('node:fs');
const version = /PROTOCOL_VERSION = (\d+)/.exec(readFileSync(join(ROOT, 'src/protocol/constants.ts'), 'utf8'))?.[1];
const result = {
  date: new Date().toISOString(),
  engine,
  protocolVersion: Number(version),
  clients: CLIENTS,
  window: WINDOW,
  seconds: SECONDS,
  sessionWrites: sessionRun,
  noSession: control,
  gateway: { commands: stats.commands, messagesOut: stats.messagesOut },
};
const md = [
  `# Session writes on every message — ${engine} engine, protocol version ${version}, ${result.date}`,
  '',
  `${CLIENTS} clients × ${WINDOW} lines outstanding, ${SECONDS} s counted after 1 s warm-up; one gateway, one worker with one thread.`,
  '',
  '| handler | replies/s | round trip p50 µs | p99 µs |',
  '|---|---:|---:|---:|',
  `| writes the session, then replies (\`s …\`) | ${sessionRun.repliesPerSecond} | ${sessionRun.p50us} | ${sessionRun.p99us} |`,
  `| replies only (\`p …\`, control) | ${control.repliesPerSecond} | ${control.p50us} | ${control.p99us} |`,
  '',
];
const base = newResultBase(`${values.name}-${engine}`);
writeFileSync(`${base}.md`, md.join('\n'));
writeFileSync(`${base}.json`, `${JSON.stringify(result, null, 2)}\n`);
console.log(md.join('\n'));
console.log(`written: ${base}.md`);
