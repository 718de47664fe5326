#!/usr/bin/env node
/**
 * The floor for the JS engine in a connect storm: a plain node:net server in
 * one process (backlog 4096, noDelay, one `welcome` line written per
 * connection, "b …" lines broadcast), nothing else — no worker, no link.
 *
 *   node bench/storm-node-baseline.js [--clients 10000] [--rate 20000] [--name storm-node-baseline]
 *
 * The clients are the load generator's storm mode (bench/loadgen). Measured:
 * the handshakes the listening socket dropped (`ss -m`, skmem d: what
 * TcpExtListenOverflows counts, for this socket only), the rate reached,
 * how many were welcomed and how many got a broadcast sent 2 s after the
 * last handshake. Writes bench/results/<date>-<name>-<n>.md, a new file
 * each run (docs/worker.md, "Connect storms").
 */
import { execFileSync, spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { buildLoadgen, Loader } from './lib/loadgen.js';
import { freePort, sleep } from './lib/proc.js';
import { newResultBase } from './lib/results-file.js';

const { values } = parseArgs({
  options: {
    clients: { type: 'string', default: '10000' },
    rate: { type: 'string', default: '20000' },
    name: { type: 'string', default: 'storm-node-baseline' },
    server: { type: 'string' },
  },
});

// The server itself: this file run with --server <port>.
if (values.server !== undefined) {
  const { createServer } = await import('node:net');
  const clients = new Set();
  const server = createServer({ noDelay: true }, (c) => {
    clients.add(c);
    c.write('welcome\n');
    c.on('data', (d) => {
      if (d.toString().startsWith('b ')) for (const o of clients) o.write(d);
    });
    c.on('close', () => clients.delete(c));
    c.on('error', () => {});
  });
  server.listen({ host: '127.0.0.1', port: Number(values.server), backlog: 4096 }, () => console.log('listening'));
  process.stdin.on('end', () => process.exit(0)).resume();
} else {
  setTimeout(() => {
    console.error('bench/storm-node-baseline: time limit reached');
    process.exit(1);
  }, 120_000).unref();
  buildLoadgen();
  const CLIENTS = Number(values.clients);
  const port = await freePort();
  const server = spawn(process.execPath, [fileURLToPath(import.meta.url), '--server', String(port)], { stdio: ['pipe', 'pipe', 'inherit'] });
  await new Promise((r) => server.stdout.once('data', r));
  const drops = () => {
    const out = execFileSync('ss', ['-ltmnH', `sport = :${port}`], { encoding: 'utf8' });
    return Number(/skmem:\([^)]*\bd(\d+)\)/.exec(out)?.[1] ?? NaN);
  };
  const before = drops();
  const loader = new Loader({ port, conns: CLIENTS, mode: 'storm', connectRate: Number(values.rate), srcFirst: '127.90.0.1', perSrc: 1000 });
  let st;
  try {
    await loader.ready(60_000);
    await sleep(2000);
    await loader.command('broadcast');
    await sleep(2000);
    st = await loader.command('stats');
  } finally {
    await loader.quit();
    server.stdin.end();
  }
  const dropped = drops() - before;
  const lines = [
    `# Connect storm, plain node:net baseline — ${new Date().toISOString()}`,
    '',
    `${CLIENTS} text clients at ${values.rate}/s (paced) to one node:net server (backlog 4096, a welcome line per connection, nothing else).`,
    '',
    '| rate reached /s | connected | welcomed | welcome p50 ms | welcome p99 ms | broadcast reached | listener drops |',
    '|---|---|---|---|---|---|---|',
    `| ${Math.round(CLIENTS / (st.connectSpanUs / 1e6))} | ${st.connected} | ${st.latencyUs.n} | ${(st.latencyUs.p50 / 1000).toFixed(0)} | ${(st.latencyUs.p99 / 1000).toFixed(0)} | ${st.broadcastReceived} | ${dropped} |`,
    '',
    '```json',
    JSON.stringify(st),
    '```',
    '',
  ];
  const out = `${newResultBase(values.name)}.md`;
  writeFileSync(out, lines.join('\n'));
  console.log(lines.join('\n'));
  console.log(`written: ${out}`);
}
