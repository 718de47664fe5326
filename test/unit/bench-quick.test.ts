// `npm run bench -- --quick` as a smoke test: every scenario still produces
// numbers for every server (how fast they are is bench/'s business, not a test's).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { loadUwsBinary } from '../../src/gateway/ops-http/ops-http.js';
import { REPO_ROOT } from '../helpers/cluster.js';

interface Run {
  target: string;
  protocol: string;
  error?: string;
  connections: number;
  heldByServer?: number;
  memory: { bytesPerConnection: number };
  kernel: { bytesPerConnection: number; listenOverflows: number };
  latencyUs: { n: number; p50: number; p99: number };
  broadcast: { deliveriesPerSecond: number; serverCpuPerSecond: number };
  fixedLoad: { deliveriesPerSecond: number };
  fanout: { reached: number; firstDeliveryMs: number | null; lastDeliveryMs: number | null };
  groups: { members: number; joined: number; messagesPerSecond: number; deliveriesPerSecond: number; latencyUs: { n: number; p50: number | null; p99: number | null } };
}

/** The binary bench/uws-server.js loads (the package's entry would fall back to a ws-based imitation). */
const uwsLoads = await loadUwsBinary().then(
  () => true,
  () => false,
);

test('bench --quick: every server and protocol produces every number, in under 2 minutes', { timeout: 240_000 }, (t) => {
  const out = mkdtempSync(join(tmpdir(), 'gh-bench-quick-'));
  t.after(() => rmSync(out, { recursive: true, force: true }));
  const started = Date.now();
  const r = spawnSync(process.execPath, [join(REPO_ROOT, 'bench', 'run.js'), '--quick', '--out', out, '--max-seconds', '200'], {
    encoding: 'utf8',
    timeout: 230_000,
  });
  assert.equal(r.status, 0, r.stderr);
  const seconds = (Date.now() - started) / 1000;
  t.diagnostic(`bench --quick took ${seconds.toFixed(0)} s`);
  const files = readdirSync(out);
  const names = files.map((f) => f.replace(/^\d{4}-\d\d-\d\d-/, '')).sort();
  assert.deepEqual(names.filter((f) => !f.endsWith('.svg')), ['quick-1.json', 'quick-1.md']);
  // The charts of the run, drawn by Vega-Lite: one SVG each, each an SVG document.
  for (const chart of ['deliveries', 'fanout', 'groups', 'kernel', 'latency', 'memory']) {
    assert.ok(names.includes(`quick-1-${chart}.svg`), `chart ${chart} written`);
    assert.match(readFileSync(join(out, files.find((f) => f.endsWith(`-${chart}.svg`))!), 'utf8'), /^<svg/);
  }
  const results = JSON.parse(readFileSync(join(out, files.find((f) => f.endsWith('.json'))!), 'utf8')) as { runs: Run[] };
  const expected = [
    ['js', 'text'], ['js', 'websocket'], ['native', 'text'], ['native', 'websocket'],
    ...(uwsLoads ? [['uws', 'websocket']] : []),
    ['ws', 'websocket'], ['socketio', 'websocket'],
  ];
  for (const [target, protocol] of expected) {
    const run = results.runs.find((x) => x.target === target && x.protocol === protocol);
    assert.ok(run, `${target}/${protocol} ran`);
    assert.equal(run.error, undefined, `${target}/${protocol}: ${run.error}`);
    assert.equal(run.connections, 2000);
    if (target === 'js' || target === 'native') assert.equal(run.heldByServer, 2000, `${target}/${protocol}: the gateways hold every connection`);
    assert.ok(run.memory.bytesPerConnection > 0, `${target}/${protocol} memory`);
    // Machine-wide counters: other tests running meanwhile move them, so only their presence is checked.
    assert.equal(typeof run.kernel.bytesPerConnection, 'number');
    assert.equal(typeof run.kernel.listenOverflows, 'number');
    assert.ok(run.latencyUs.n > 0 && run.latencyUs.p50 > 0 && run.latencyUs.p99 >= run.latencyUs.p50, `${target}/${protocol} latency`);
    assert.ok(run.broadcast.deliveriesPerSecond > 0 && run.broadcast.serverCpuPerSecond > 0, `${target}/${protocol} broadcast`);
    assert.ok(run.fixedLoad.deliveriesPerSecond > 0, `${target}/${protocol} fixed load`);
    // One broadcast reaches every connection, and the first delivery comes no later than the last.
    assert.equal(run.fanout.reached, 2000, `${target}/${protocol} fan-out reached`);
    assert.ok(run.fanout.firstDeliveryMs! > 0 && run.fanout.lastDeliveryMs! >= run.fanout.firstDeliveryMs!, `${target}/${protocol} fan-out times`);
    // Every member joined its group, messages went to the groups, and their deliveries were timed.
    assert.equal(run.groups.joined, run.groups.members, `${target}/${protocol} group joins`);
    assert.ok(run.groups.members > 0 && run.groups.messagesPerSecond > 0 && run.groups.deliveriesPerSecond > 0, `${target}/${protocol} group sends`);
    assert.ok(run.groups.latencyUs.n > 0 && run.groups.latencyUs.p50! > 0 && run.groups.latencyUs.p99! >= run.groups.latencyUs.p50!, `${target}/${protocol} group latency`);
  }
  if (!uwsLoads) t.diagnostic('uWebSockets.js does not load here: its peer run is not checked');
});
