#!/usr/bin/env node
/**
 * Instructions the native gateway spends on broadcasts (docs/worker.md,
 * "Commands in binary"): the gateway (bench/lib/callgrind-gateway.js) runs
 * under `valgrind --tool=callgrind`; this script connects `--clients` text
 * clients and a worker link (the test fake of dist/test/helpers, which speaks
 * the tree's newest protocol version), zeroes callgrind's counters once every
 * client is connected, sends `--broadcasts` sendToAll commands of 64 bytes,
 * waits until every client has every line, and dumps the counters. The dump
 * covers the broadcast phase only; callgrind_annotate then gives the
 * instructions in total and inside command decoding, JSON parsing and the
 * fan-out.
 *
 *   node bench/callgrind-broadcast.js [--clients 1000] [--broadcasts 200] [--mode all|client] [--name callgrind-broadcast]
 *
 * --mode client sends sendToClient instead, `--broadcasts` per client, one
 * delivery per command: the case where a command's own decoding weighs most.
 * --mode session sends Session patches instead (a diff setting one key,
 * `--broadcasts` per client), which deliver nothing: an app that writes the
 * session on every message.
 *
 * Writes bench/results/<date>-<name>-<n>.md (a new n each run) with the
 * numbers and the top of the annotated profile. Run it from a tree built with
 * `npm run build` and the addon (the "before" numbers of docs/worker.md come
 * from a copy of the tree at the commit before version 2).
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { newResultBase } from './lib/results-file.js';

const { values } = parseArgs({
  options: {
    clients: { type: 'string', default: '1000' },
    broadcasts: { type: 'string', default: '200' },
    mode: { type: 'string', default: 'all' },
    name: { type: 'string', default: 'callgrind-broadcast' },
  },
});
const CLIENTS = Number(values.clients);
const BROADCASTS = Number(values.broadcasts);
const ROOT = fileURLToPath(new URL('../', import.meta.url));
const { FakeWorker, waitFor } = await import(join(ROOT, 'dist/test/helpers/fake-worker.js'));
const { CommandOp, PROTOCOL_VERSION } = await import(join(ROOT, 'dist/src/protocol/constants.js'));
const work = mkdtempSync(join(tmpdir(), 'gh-callgrind-'));
const outFile = join(work, 'callgrind.out');
setTimeout(() => {
  console.error('bench/callgrind-broadcast: time limit reached');
  process.exit(1);
}, 900_000).unref();

const gateway = spawn(
  'valgrind',
  ['--tool=callgrind', `--callgrind-out-file=${outFile}`, '--dump-instr=no', process.execPath, join(ROOT, 'bench/lib/callgrind-gateway.js')],
  { stdio: ['pipe', 'pipe', 'pipe'] },
);
let stderr = '';
gateway.stderr.on('data', (d) => (stderr += d));
const first = await new Promise((resolve, reject) => {
  createInterface({ input: gateway.stdout }).once('line', (l) => resolve(JSON.parse(l)));
  gateway.once('exit', (code) => reject(new Error(`gateway exited with ${code}: ${stderr.slice(-2000)}`)));
});
const { linkPath, port, pid } = first;

const worker = FakeWorker.open(linkPath, { autoAck: true, credits: 100_000 });
await waitFor('Welcome', () => (worker.welcome ? true : undefined), 120_000);
const counts = new Array(CLIENTS).fill(0);
const sockets = [];
for (let i = 0; i < CLIENTS; i++) {
  const s = connect({ host: '127.0.0.1', port });
  await new Promise((resolve, reject) => s.once('connect', resolve).once('error', reject));
  s.on('data', (chunk) => {
    for (let j = 0; j < chunk.length; j++) if (chunk[j] === 10) counts[i]++;
  });
  sockets.push(s);
}
await waitFor('every connect event', () => (worker.events.length >= CLIENTS ? true : undefined), 300_000);
await worker.query('clientCount', []);

const control = (arg) => {
  const r = spawnSync('callgrind_control', [arg, String(pid)], { encoding: 'utf8', timeout: 120_000 });
  if (r.status !== 0) throw new Error(`callgrind_control ${arg} failed: ${r.stdout}${r.stderr}`);
};
control('--zero');
const payload = 'b'.repeat(63);
const started = Date.now();
const ids = worker.events.map((e) => e.clientId);
let patchId = 0;
for (let b = 0; b < BROADCASTS; b++) {
  if (values.mode === 'client') for (const id of ids) worker.command(CommandOp.SendToClient, id, payload);
  else if (values.mode === 'session') {
    for (const id of ids) worker.command(CommandOp.Session, { c: id, p: ++patchId, k: 1 }, `{"s":{"messages":${b + 1},"last":64},"d":[]}`);
  } else worker.command(CommandOp.SendToAll, {}, payload);
  // A few at a time: what a busy worker sends; the gateway still reads several per loop turn.
  if (values.mode === 'client' || b % 10 === 9) await new Promise((r) => setTimeout(r, 20));
}
if (values.mode === 'session') {
  // A query is answered after every patch sent before it (the fake's query waits 3 s; retry until one is answered).
  for (let tries = 0; ; tries++) {
    try {
      await worker.query('clientCount', []);
      break;
    } catch (err) {
      if (tries > 200) throw err;
    }
  }
}
else await waitFor('every client to get every broadcast', () => (counts.every((c) => c >= BROADCASTS) ? true : undefined), 600_000);
const wallMs = Date.now() - started;
control('--dump=broadcast');
for (const s of sockets) s.destroy();
worker.close();
gateway.stdin.end();
await new Promise((r) => gateway.once('exit', r));

// The dump of the broadcast phase: the file whose part is the --dump one.
const files = readdirSync(work).filter((f) => f.startsWith('callgrind.out')).sort();
const phase = files.find((f) => /^desc: Trigger: .*broadcast/m.test(readFileSync(join(work, f), 'utf8').slice(0, 4096)));
console.error(`callgrind dumps: ${files.join(', ')}; broadcast phase: ${phase}`);
if (!phase) throw new Error(`no broadcast dump among ${files.join(', ')}`);
const annotated = spawnSync('callgrind_annotate', ['--inclusive=yes', '--threshold=100', join(work, phase)], { encoding: 'utf8', maxBuffer: 256 << 20 });
const lines = annotated.stdout.split('\n');
const total = Number(/([\d,]+) \(100\.0%\)\s+PROGRAM TOTALS/.exec(annotated.stdout)?.[1]?.replace(/,/g, '') ?? NaN);
/** Inclusive instructions of the first function whose name matches. */
function inclusive(re) {
  for (const l of lines) {
    const m = /^\s*([\d,]+) \([\d. %]+\)\s+(?:\*\s+)?(.*)$/.exec(l);
    if (m && re.test(m[2])) return { ir: Number(m[1].replace(/,/g, '')), fn: m[2].trim() };
  }
  return { ir: 0, fn: '(not in the profile)' };
}
const rows = [
  ['the whole gateway process, broadcast phase', { ir: total, fn: 'PROGRAM TOTALS' }],
  ['command execution (decode + fan-out into socket buffers)', inclusive(/gh::executeCommand\(/)],
  ['command decoding (binary)', inclusive(/gh::decodeBinaryCommand\(/)],
  ['JSON parsing', inclusive(/gh::parseJsonBuffer\(/)],
  ['session patch applied (JSON patch parse + merge)', inclusive(/gh::applyPatchFromLink\(/)],
  ['link input (frame decoding, all commands)', inclusive(/gh::WorkerLink::onBytes\(/)],
];
const deliveries = CLIENTS * BROADCASTS;
const commands = values.mode === 'all' ? BROADCASTS : deliveries;
const fmt = (n) => n.toLocaleString('en-US');
let md = `# callgrind: native gateway under broadcast (${new Date().toISOString()})\n\n`;
md += `- tree: protocol version ${PROTOCOL_VERSION}, ${CLIENTS} text clients, ${fmt(commands)} ${{ all: 'sendToAll', client: 'sendToClient', session: 'Session (diff patch)' }[values.mode]} commands of 64 bytes = ${fmt(deliveries)} deliveries, ${wallMs} ms under callgrind\n`;
md += `- counters zeroed after every client was connected, dumped once all had every line\n\n`;
md += `| part | instructions (inclusive) | per command | per delivery | function |\n|---|---:|---:|---:|---|\n`;
for (const [what, { ir, fn }] of rows) md += `| ${what} | ${fmt(ir)} | ${fmt(Math.round(ir / commands))} | ${(ir / deliveries).toFixed(1)} | \`${fn.slice(0, 120).replace(/\|/g, '\\|')}\` |\n`;
md += `\n## callgrind_annotate --inclusive=yes (top 60)\n\n\`\`\`\n${lines.slice(0, 90).join('\n')}\n\`\`\`\n`;
const file = `${newResultBase(values.name)}.md`;
writeFileSync(file, md);
console.log(md.split('\n## ')[0]);
console.log(`written: ${file}`);
