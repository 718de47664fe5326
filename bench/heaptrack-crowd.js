#!/usr/bin/env node
/**
 * What the gateway allocates with malloc per idle connection, by call site:
 * the gateway runs under heaptrack (its preload library, no gdb attach), an
 * idle crowd connects, and the gateway is killed (SIGKILL) while they are
 * connected, so heaptrack's "leaked" is what was live at that moment and its
 * "peak" the most that was live at once (e.g. events in flight during the
 * connect burst). Native engine by default; the JS engine's objects are in
 * the V8 heap, which malloc does not see (bench/memory.js --heap-snapshot).
 *
 *   node bench/heaptrack-crowd.js [--engine native] [--connections 19000] [--name heaptrack-crowd]
 *
 * Needs heaptrack (Debian: apt-get install heaptrack). The supervisor starts a
 * new gateway after the kill; the run stops it. Writes
 * bench/results/<date>-<name>-<n>.md with heaptrack's totals and the gatehouse
 * call sites among the top leaks and peaks.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { buildLoadgen, Loader } from './lib/loadgen.js';
import { freePort, sleep } from './lib/proc.js';
import { newResultBase } from './lib/results-file.js';
import { describeRun, guardRun, requireBuild } from './lib/run-guard.js';
import { GatehouseTarget } from './lib/targets.js';

const PRELOAD = '/usr/lib/heaptrack/libheaptrack_preload.so';
const INTERPRET = '/usr/lib/heaptrack/libexec/heaptrack_interpret';
const { values } = parseArgs({
  options: {
    engine: { type: 'string', default: 'native' },
    connections: { type: 'string', default: '19000' },
    name: { type: 'string', default: 'heaptrack-crowd' },
    'time-limit': { type: 'string', default: '300' },
  },
});
for (const f of [PRELOAD, INTERPRET]) {
  if (!existsSync(f)) {
    console.error(`bench: ${f} is missing (apt-get install heaptrack)`);
    process.exit(1);
  }
}
requireBuild();
buildLoadgen();
const log = (line) => console.log(line);
const guard = guardRun(values['time-limit']);
const described = await describeRun(log);
const connections = Number(values.connections);
const out = mkdtempSync(join(tmpdir(), 'gh-heaptrack-'));

const port = await freePort();
const target = new GatehouseTarget({ engine: values.engine, protocol: 'text', port, opsPort: await freePort() });
target.env.NODE_OPTIONS = `--import ${fileURLToPath(new URL('./lib/heaptrack-env.js', import.meta.url))}`;
target.env.BENCH_HEAPTRACK_PRELOAD = PRELOAD;
target.env.BENCH_HEAPTRACK_OUT = join(out, 'raw.$$'); // heaptrack puts the pid for $$
const crowd = [];
let gateway;
try {
  guard.current = target;
  await target.start();
  gateway = target.pid;
  await sleep(1000);
  const per = Math.ceil(connections / 2);
  for (let k = 0, left = connections; left > 0; k++, left -= per) {
    crowd.push(new Loader({ port, proto: 'text', conns: Math.min(per, left), srcFirst: `127.${k + 1}.0.1`, perSrc: 1000 }));
  }
  const ready = await Promise.all(crowd.map((l) => l.ready(120_000)));
  const open = ready.reduce((n, r) => n + r.connected, 0);
  if (open !== connections) throw new Error(`only ${open} of ${connections} connections opened`);
  await sleep(3000);
  process.kill(gateway, 'SIGKILL');
  await sleep(500);
} finally {
  await Promise.all(crowd.map((l) => l.quit()));
  await target.stop().catch((err) => log(`stopping: ${err.message}`));
  guard.current = null;
}

const raw = join(out, `raw.${gateway}`);
const zst = `${raw}.zst`;
const interpreted = spawnSync('sh', ['-c', `"${INTERPRET}" < "${raw}" | zstd -q > "${zst}"`], { stdio: 'inherit' });
if (interpreted.status !== 0) throw new Error('heaptrack_interpret failed');
const printed = spawnSync('heaptrack_print', ['-f', zst, '-l', '1', '-p', '1', '-a', '0', '-T', '0', '-n', '30', '-s', '1'], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
rmSync(out, { recursive: true, force: true });
const text = printed.stdout;
/** "<amount> <what> over <n> calls from" headers of one section, with the function on the next line, gatehouse's only. */
function sites(section, end) {
  const lines = text.slice(text.indexOf(section), end ? text.indexOf(end) : undefined).split('\n');
  const rows = [];
  for (let i = 0; i < lines.length - 1; i++) {
    const m = /^(\S+) (?:leaked|peak memory consumed) over (\d+) calls from$/.exec(lines[i]);
    if (m && lines[i + 1].startsWith('gh::')) rows.push({ amount: m[1], calls: Number(m[2]), site: lines[i + 1].replace(/\(.*$/, '') });
  }
  return rows;
}
const totals = ['peak heap memory consumption', 'total memory leaked'].map((k) => new RegExp(`^${k}: (.*)$`, 'm').exec(text)?.[1] ?? '?');
const date = new Date().toISOString().slice(0, 10);
const md = [
  `# malloc per idle connection by call site ${date} (${values.name})`, '',
  `Tree ${described.provenance.gitHead?.slice(0, 10) ?? '?'}${described.provenance.dirty ? ' (uncommitted changes)' : ''}; ${values.engine} engine; ${connections.toLocaleString('en-US')} idle text connections; gateway under heaptrack, killed while they were connected.`, '',
  `Peak heap: ${totals[0]}; live at the kill ("leaked"): ${totals[1]}.`, '',
  '| gatehouse call site | live at the kill | calls | peak |', '|---|---:|---:|---:|',
];
const peaks = new Map(sites('PEAK MEMORY CONSUMERS', 'MEMORY LEAKS').map((r) => [r.site, r.amount]));
const leaks = sites('MEMORY LEAKS');
for (const r of leaks) md.push(`| ${r.site} | ${r.amount} | ${r.calls} | ${peaks.get(r.site) ?? '—'} |`);
for (const [site, amount] of peaks) if (!leaks.some((r) => r.site === site)) md.push(`| ${site} | — | — | ${amount} |`);
md.push('');
const base = newResultBase(values.name, date);
writeFileSync(`${base}.md`, md.join('\n'));
log(md.join('\n'));
log(`results: ${base}.md`);
process.exit(0);
