#!/usr/bin/env node
/**
 * Memory per idle connection, and where it goes: the gateway's resident
 * memory split by kind of mapping, its malloc heap in use, and (with
 * --heap-snapshot) the JS objects that grew, before and after an idle crowd
 * connects. Only the crowd phase of bench/run.js, so it can use more
 * connections than the full bench (RSS at 10,000 moves by ±50 B a run).
 *
 *   node bench/memory.js [--engines native,js] [--connections 19000] [--protocol text]
 *                        [--heap-snapshot] [--v8-spaces] [--set KEY=VALUE ...] [--settle-ms 2000]
 *                        [--name memory] [--time-limit 300]
 *
 * Per connection it reports: RSS (VmRSS, what bench/run.js quotes); anonymous
 * resident memory split into the brk heap (glibc's main arena: the native
 * core's records) and other anonymous mappings (the V8 heap, thread arenas);
 * and malloc's bytes in use and taken from the system (mallinfo2() uordblks and arena, read by gdb from the
 * stopped process; "—" without gdb). With --heap-snapshot the gateway runs
 * with --heapsnapshot-signal and writes a snapshot before and after the
 * crowd; the report lists the constructors whose count or size grew by at
 * least one per 10 connections. With --v8-spaces the gateway also reports
 * V8's heap (bench/lib/v8-spaces-probe.js): memory committed (physical) and
 * used, whole and for the new and old spaces. Results: bench/results/<date>-<name>-<n>.md and .json.
 */
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { buildLoadgen, Loader } from './lib/loadgen.js';
import { freePort, rssBytes, sleep } from './lib/proc.js';
import { newResultBase } from './lib/results-file.js';
import { describeRun, guardRun, requireBuild } from './lib/run-guard.js';
import { fileURLToPath } from 'node:url';
import { GatehouseTarget } from './lib/targets.js';

const { values } = parseArgs({
  options: {
    engines: { type: 'string', default: 'native,js' },
    connections: { type: 'string', default: '19000' },
    protocol: { type: 'string', default: 'text' },
    'heap-snapshot': { type: 'boolean', default: false },
    'v8-spaces': { type: 'boolean', default: false },
    /** How long after the last connection the second sample is taken (bench/run.js: 2 s; V8 shrinks its new space later). */
    'settle-ms': { type: 'string', default: '2000' },
    /** More configuration for the app (gatehouse start --set), e.g. listeners.0.backlog=511. */
    set: { type: 'string', multiple: true, default: [] },
    name: { type: 'string', default: 'memory' },
    'time-limit': { type: 'string', default: '300' },
  },
});

const connections = Number(values.connections);
// One loader holds at most ~19,000 sockets (the open-file limit is 20,000 per process); 1000 per source address.
const loaders = Math.max(2, Math.ceil(connections / 15000));
const settleMs = Number(values['settle-ms']);

requireBuild();
buildLoadgen();
const log = (line) => console.log(line);
const guard = guardRun(values['time-limit']);

/** Resident kB of the process by kind of mapping (from /proc/<pid>/smaps). */
function residentByKind(pid) {
  const out = { heap: 0, anon: 0, file: 0, stack: 0 };
  let kind = null;
  for (const line of readFileSync(`/proc/${pid}/smaps`, 'utf8').split('\n')) {
    const head = /^[0-9a-f]+-[0-9a-f]+ \S+ \S+ \S+ \d+\s*(.*)$/.exec(line);
    if (head) {
      const name = head[1];
      kind = name === '[heap]' ? 'heap' : name === '' ? 'anon' : name.startsWith('[stack') ? 'stack' : name.startsWith('[') ? 'anon' : 'file';
      continue;
    }
    const rss = /^Rss:\s+(\d+) kB$/.exec(line);
    if (rss && kind) out[kind] += Number(rss[1]) * 1024;
  }
  return out;
}

/**
 * malloc's bytes in use over all arenas: mallinfo2() called by gdb in the
 * stopped process. The struct (ten size_t) comes back through the hidden
 * first argument (x86-64 and aarch64 pass it in a register gdb can set), so
 * no glibc debug symbols are needed. null when gdb is missing or fails.
 */
function mallocInUse(pid) {
  const r = spawnSync('gdb', ['-p', String(pid), '-batch', '-nx',
    '-ex', 'set $m = (unsigned long *) malloc(80)',
    '-ex', 'call ((void (*)(void *)) mallinfo2)($m)',
    '-ex', 'printf "arena=%lu uordblks=%lu hblkhd=%lu\\n", $m[0], $m[7], $m[4]',
    '-ex', 'call (void) free($m)'], { encoding: 'utf8', timeout: 60_000 });
  const m = /arena=(\d+) uordblks=(\d+) hblkhd=(\d+)/.exec(r.stdout ?? '');
  return m ? { inUse: Number(m[2]) + Number(m[3]), fromSystem: Number(m[1]) + Number(m[3]) } : { inUse: null, fromSystem: null };
}

const V8_PROBE = fileURLToPath(new URL('./lib/v8-spaces-probe.js', import.meta.url));

/** V8's heap statistics from the gateway (SIGWINCH to bench/lib/v8-spaces-probe.js), or null when not asked for. */
async function v8Spaces(pid, dir) {
  if (!values['v8-spaces']) return null;
  const known = new Set(readdirSync(dir));
  process.kill(pid, 'SIGWINCH');
  for (let waited = 0; waited < 10_000; waited += 100) {
    await sleep(100);
    const file = readdirSync(dir).find((f) => f.startsWith(`v8-${pid}-`) && !known.has(f));
    if (file) {
      await sleep(100);
      return JSON.parse(readFileSync(join(dir, file), 'utf8'));
    }
  }
  throw new Error('no V8 heap statistics from the gateway within 10 s');
}

async function sample(pid, dir) {
  // V8 first: gdb stops the process, and the reply must not wait on it.
  const v8 = await v8Spaces(pid, dir);
  const m = mallocInUse(pid);
  return {
    rss: rssBytes(pid), ...residentByKind(pid), malloc: m.inUse, mallocArena: m.fromSystem,
    v8Physical: v8?.physical ?? null, v8Used: v8?.used ?? null,
    v8NewPhysical: v8?.spaces.new_space?.physical ?? null, v8OldPhysical: v8?.spaces.old_space?.physical ?? null,
  };
}

/** Constructor name → { count, selfSize } from a .heapsnapshot file. */
function snapshotTotals(file) {
  const snap = JSON.parse(readFileSync(file, 'utf8'));
  const meta = snap.snapshot.meta;
  const fields = meta.node_fields;
  const types = meta.node_types[0];
  const [iType, iName, iSize] = ['type', 'name', 'self_size'].map((f) => fields.indexOf(f));
  const totals = new Map();
  for (let i = 0; i < snap.nodes.length; i += fields.length) {
    const type = types[snap.nodes[i + iType]];
    // Objects by constructor; everything else (strings, closures, arrays, code) by its node type.
    const key = type === 'object' || type === 'native' ? snap.strings[snap.nodes[i + iName]] : `(${type})${type === 'closure' ? ` ${snap.strings[snap.nodes[i + iName]]}` : ''}`;
    const t = totals.get(key) ?? { count: 0, selfSize: 0 };
    t.count++;
    t.selfSize += snap.nodes[i + iSize];
    totals.set(key, t);
  }
  return totals;
}

/** Asks the gateway for a heap snapshot (SIGUSR2) and waits for the new file in its working directory. */
async function heapSnapshot(pid, dir) {
  const before = new Set(readdirSync(dir).filter((f) => f.endsWith('.heapsnapshot')));
  process.kill(pid, 'SIGUSR2');
  for (let waited = 0; waited < 120_000; waited += 500) {
    await sleep(500);
    const file = readdirSync(dir).find((f) => f.endsWith('.heapsnapshot') && !before.has(f));
    if (!file) continue;
    // Written when its size stops changing.
    const size = statSync(join(dir, file)).size;
    await sleep(1000);
    if (statSync(join(dir, file)).size === size && size > 0) return join(dir, file);
  }
  throw new Error('no heap snapshot within 120 s');
}

const date = new Date().toISOString().slice(0, 10);
const results = { name: values.name, date, startedAt: new Date().toISOString(), ...(await describeRun(log)), settings: { connections, loaders, protocol: values.protocol, settleMs, heapSnapshot: values['heap-snapshot'], set: values.set }, runs: [] };

for (const engine of values.engines.split(',')) {
  log(`${engine} / ${values.protocol}`);
  const port = await freePort();
  const sets = [`listeners.0.protocol=${values.protocol}`, `listeners.0.port=${port}`, ...values.set];
  const target = new GatehouseTarget({ engine, protocol: values.protocol, port, opsPort: await freePort(), sets });
  // Snapshots go to the run directory, removed with it.
  const nodeOptions = [process.env.NODE_OPTIONS ?? ''];
  if (values['heap-snapshot']) nodeOptions.push(`--heapsnapshot-signal=SIGUSR2 --diagnostic-dir=${target.runDir}`);
  if (values['v8-spaces']) {
    nodeOptions.push(`--import ${V8_PROBE}`);
    target.env.BENCH_V8_DIR = target.runDir;
  }
  target.env.NODE_OPTIONS = nodeOptions.join(' ').trim();
  const crowd = [];
  const run = { engine, protocol: values.protocol, connections };
  try {
    guard.current = target;
    await target.start();
    await sleep(1000);
    const cwd = target.runDir;
    const snapBefore = values['heap-snapshot'] ? await heapSnapshot(target.pid, cwd) : null;
    const before = await sample(target.pid, cwd);
    const per = Math.ceil(connections / loaders);
    for (let k = 0, left = connections; left > 0; k++, left -= per) {
      crowd.push(new Loader({ port, proto: values.protocol, conns: Math.min(per, left), srcFirst: `127.${k + 1}.0.1`, perSrc: 1000 }));
    }
    const ready = await Promise.all(crowd.map((l) => l.ready(120_000)));
    const open = ready.reduce((n, r) => n + r.connected, 0);
    if (open !== connections) throw new Error(`only ${open} of ${connections} connections opened`);
    await sleep(settleMs);
    const after = await sample(target.pid, cwd);
    const perConn = (k) => (before[k] === null || after[k] === null ? null : Math.round((after[k] - before[k]) / connections));
    run.perConnection = { rss: perConn('rss'), brkHeap: perConn('heap'), otherAnon: perConn('anon'), file: perConn('file'), malloc: perConn('malloc'), mallocArena: perConn('mallocArena'),
      v8Physical: perConn('v8Physical'), v8Used: perConn('v8Used'), v8NewPhysical: perConn('v8NewPhysical'), v8OldPhysical: perConn('v8OldPhysical') };
    run.before = before;
    run.after = after;
    log(`  RSS ${perConn('rss')} B/conn (brk heap ${perConn('heap')}, other anon ${perConn('anon')}, file ${perConn('file')}); malloc in use ${perConn('malloc') ?? '—'} B/conn (arenas ${perConn('mallocArena') ?? '—'})`);
    if (values['v8-spaces']) {
      log(`  V8 heap committed ${perConn('v8Physical')} B/conn (new space ${perConn('v8NewPhysical')}, old space ${perConn('v8OldPhysical')}), used ${perConn('v8Used')}`);
    }
    if (snapBefore) {
      const snapAfter = await heapSnapshot(target.pid, cwd);
      const [a, b] = [snapshotTotals(snapBefore), snapshotTotals(snapAfter)];
      rmSync(snapBefore);
      rmSync(snapAfter);
      const grew = [];
      let total = 0;
      for (const [key, t] of b) {
        const o = a.get(key) ?? { count: 0, selfSize: 0 };
        total += t.selfSize - o.selfSize;
        if (t.count - o.count >= connections / 10 || t.selfSize - o.selfSize >= connections * 4) {
          grew.push({ key, count: (t.count - o.count) / connections, bytes: (t.selfSize - o.selfSize) / connections });
        }
      }
      for (const [key, o] of a) if (!b.has(key)) total -= o.selfSize;
      grew.sort((x, y) => y.bytes - x.bytes);
      run.jsHeap = { bytesPerConnection: +(total / connections).toFixed(1), grew };
      log(`  JS heap (snapshot self sizes) ${run.jsHeap.bytesPerConnection} B/conn`);
      for (const g of grew) log(`    ${g.bytes.toFixed(1)} B  ${g.count.toFixed(2)} ×  ${g.key}`);
    }
  } catch (err) {
    log(`  failed: ${err.message}`);
    run.error = err.message.split('\n')[0];
  } finally {
    await Promise.all(crowd.map((l) => l.quit()));
    await target.stop().catch((err) => log(`  stopping: ${err.message}`));
    guard.current = null;
  }
  results.runs.push(run);
}

results.finishedAt = new Date().toISOString();
const fmt = (n) => (n === null || n === undefined ? '—' : Math.round(n).toLocaleString('en-US'));
const md = [`# Memory per idle connection ${date} (${values.name})`, '',
  `Tree ${results.provenance.gitHead?.slice(0, 10) ?? '?'}${results.provenance.dirty ? ' (uncommitted changes)' : ''}; native addon built ${results.provenance.addonBuiltAt ?? 'never'}. Machine ${Math.round(results.machine.backgroundBusy * 100)}% busy before.`,
  `${fmt(connections)} idle ${values.protocol} connections from ${loaders} loaders${values.set.length > 0 ? ` (--set ${values.set.join(' ')})` : ''}; sampled 1 s after start and ${settleMs / 1000} s after the last connected. Bytes per connection:`, '',
  '| engine | RSS | brk heap | other anon | file | malloc in use | malloc arenas | V8 committed (new, old space) | V8 used | JS heap (snapshot) |', '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
  ...results.runs.map((r) => (r.error ? `| ${r.engine} | failed: ${r.error} | | | | | | | | |` : `| ${r.engine} | ${fmt(r.perConnection.rss)} | ${fmt(r.perConnection.brkHeap)} | ${fmt(r.perConnection.otherAnon)} | ${fmt(r.perConnection.file)} | ${fmt(r.perConnection.malloc)} | ${fmt(r.perConnection.mallocArena)} | ${r.perConnection.v8Physical === null ? '—' : `${fmt(r.perConnection.v8Physical)} (${fmt(r.perConnection.v8NewPhysical)}, ${fmt(r.perConnection.v8OldPhysical)})`} | ${fmt(r.perConnection.v8Used)} | ${r.jsHeap ? r.jsHeap.bytesPerConnection : '—'} |`)), ''];
for (const r of results.runs) {
  if (!r.jsHeap) continue;
  md.push(`JS objects that grew, ${r.engine} (per connection: count, self bytes):`, '', '| what | count | bytes |', '|---|---:|---:|');
  for (const g of r.jsHeap.grew) md.push(`| ${g.key.replace(/\|/g, '/')} | ${g.count.toFixed(2)} | ${g.bytes.toFixed(1)} |`);
  md.push('');
}
const base = newResultBase(values.name, date);
writeFileSync(`${base}.json`, `${JSON.stringify(results, null, 2)}\n`);
writeFileSync(`${base}.md`, md.join('\n'));
log(`\n${md.join('\n')}`);
log(`results: ${base}.json, ${base}.md`);
process.exit(0);
