// The results file (JSON) and its markdown summary: a table per measurement,
// one row per server, protocol, N and round, and the ratios the issue asks
// about — medians over the rounds, with their ranges.
export const TARGETS = { js: 'gatehouse, JS engine', native: 'gatehouse, native engine', uws: 'raw uWebSockets.js', ws: 'ws (minimal server)', socketio: 'Socket.IO (minimal server)' };

function fmt(n) {
  return n === null || n === undefined ? '—' : Math.round(n).toLocaleString('en-US');
}

export function median(values) {
  const v = [...values].sort((a, b) => a - b);
  const mid = v.length >> 1;
  return v.length % 2 ? v[mid] : (v[mid - 1] + v[mid]) / 2;
}

/** The values of one metric over the rounds of a target, protocol and N (runs that failed or lack it left out). */
function values(results, target, protocol, n, metric) {
  return results.runs
    .filter((r) => r.target === target && r.protocol === protocol && r.connections === n && !r.error)
    .map(metric)
    .filter((v) => typeof v === 'number' && Number.isFinite(v));
}

/** "1.23× (1.10–1.31×)": the ratio of the medians, and the range of the ratios of every pair of rounds. */
function ratio(a, b) {
  if (a.length === 0 || b.length === 0 || median(b) === 0) return '—';
  const pairs = a.flatMap((x) => b.filter((y) => y !== 0).map((y) => x / y));
  const m = `${(median(a) / median(b)).toFixed(2)}×`;
  return pairs.length > 1 ? `${m} (${Math.min(...pairs).toFixed(2)}–${Math.max(...pairs).toFixed(2)}×)` : m;
}

/** One broadcast to all, warm: the connections it reached over the median time of the last delivery. */
export function oneOffRate(r) {
  const warm = (r.fanout?.warm ?? []).filter((w) => w.lastDeliveryMs > 0);
  return warm.length ? Math.round((median(warm.map((w) => w.reached)) * 1000) / median(warm.map((w) => w.lastDeliveryMs))) : undefined;
}

const label = (r, s) => `${TARGETS[r.target] ?? r.target}${s.repeat > 1 ? ` (round ${r.round})` : ''}`;
const conns = (s) => s.conns ?? [s.connections];

export function markdown(results) {
  const lines = [];
  const s = results.settings;
  lines.push(`# Benchmark ${results.date} (${results.name})`, '');
  if (results.aborted) lines.push(`**Stopped early (${results.aborted}): the servers and N after the last row below were not measured.**`, '');
  lines.push(`Machine: ${results.machine.cpus} × ${results.machine.cpuModel}, Linux ${results.machine.kernel}, Node ${results.machine.node}. Loopback only; load generators on the same cores as the server. The machine was ${Math.round((results.machine.backgroundBusy ?? 0) * 100)}% busy before the bench started (other work on the same cores).`);
  if (results.provenance) lines.push(`Tree ${results.provenance.gitHead?.slice(0, 10) ?? '?'}; native addon built ${results.provenance.addonBuiltAt ?? 'never'}${s.renice ? `; server, worker and loaders reniced to ${s.renice} (threads and session autogroups)` : ''}.`);
  if (results.portRange) lines.push(`Ephemeral ports: ${results.portRange.note ?? `net.ipv4.ip_local_port_range ${results.portRange.used.join('–')}, ${s.perSource ?? 1000} connections per source address`}.`);
  lines.push(`${conns(s).map(fmt).join(', ')} connections; broadcast of ${s.messageBytes}-byte messages with up to ${s.window} outstanding (fewer at large N: bench/lib/scale.js), measured ${s.broadcastSeconds} s after ${s.warmupMs / 1000} s warm-up; round trip: ${s.probeConnections} clients × 1 message / ${s.probeIntervalMs} ms (${fmt((s.probeConnections * 1000) / s.probeIntervalMs)} round trips/s offered) for ${s.probeSeconds} s with the crowd connected.`, '');

  lines.push('| server | protocol | connections | sustained broadcast deliveries/s | one-off broadcast deliveries/s (warm) | server CPU (cores) | loaders CPU | machine busy | deliveries per server CPU-s | fixed load: server CPU per delivery | RSS per idle connection | round trip p50 | p99 | p99.9 |');
  lines.push('|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
  for (const r of results.runs) {
    if (r.error) {
      lines.push(`| ${label(r, s)} | ${r.protocol} | ${fmt(r.connections)} | not run: ${r.error.replace(/\|/g, '/')} | | | | | | | | | | |`);
      continue;
    }
    const b = r.broadcast;
    if (b.skipped) {
      lines.push(`| ${label(r, s)} | ${r.protocol} | ${fmt(r.connections)} | skipped: ${b.skipped} | ${fmt(oneOffRate(r))} | | | | | ${r.fixedLoad?.serverCpuNsPerDelivery === undefined ? '—' : `${fmt(r.fixedLoad.serverCpuNsPerDelivery)} ns at ${fmt(r.fixedLoad.offeredDeliveriesPerSecond)}/s`} | ${fmt(r.memory.bytesPerConnection)} B | ${fmt(r.latencyUs.p50)} µs | ${fmt(r.latencyUs.p99)} µs | ${fmt(r.latencyUs.p999)} µs |`);
      continue;
    }
    lines.push(`| ${label(r, s)} | ${r.protocol} | ${fmt(r.connections)} | ${fmt(b.deliveriesPerSecond)} | ${fmt(oneOffRate(r))} | ${b.serverCpuPerSecond} | ${b.loadersCpuPerSecond} | ${Math.round(b.machineBusy * 100)}% | ${fmt(b.deliveriesPerServerCpuSecond)} | ${r.fixedLoad ? `${fmt(r.fixedLoad.serverCpuNsPerDelivery)} ns at ${fmt(r.fixedLoad.offeredDeliveriesPerSecond)}/s` : '—'} | ${fmt(r.memory.bytesPerConnection)} B | ${fmt(r.latencyUs.p50)} µs | ${fmt(r.latencyUs.p99)} µs | ${fmt(r.latencyUs.p999)} µs |`);
  }
  lines.push('');

  // Connections as the servers count them: a loader's "connected" is not proof (SYN cookies, listen overflow).
  const ran = results.runs.filter((r) => !r.error);
  if (ran.length > 0) {
    lines.push('| server | protocol | connections | server processes | connected (loaders) | held by the gateways | per gateway (min–max) | connect time | worker tier caught up after | kernel memory per connection | listen overflows | SYN cookies sent | one broadcast to all: reached | first / last delivery |');
    lines.push('|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
    for (const r of ran) {
      const k = r.kernel ?? {};
      const f = r.fanout;
      const per = r.perGateway ?? [];
      lines.push(`| ${label(r, s)} | ${r.protocol} | ${fmt(r.connections)} | ${r.serverProcesses ?? 1} | ${fmt(r.connected ?? r.connections)} | ${r.heldByServer === undefined ? '—' : fmt(r.heldByServer)} | ${per.length ? `${fmt(Math.min(...per))}–${fmt(Math.max(...per))}` : '—'} | ${r.connectSeconds} s | ${r.workerCatchUp ? `${fmt(r.workerCatchUp.ms)} ms${r.workerCatchUp.done ? '' : ' (not done)'}` : '—'} | ${k.bytesPerConnection === undefined ? '—' : `${fmt(k.bytesPerConnection)} B`} | ${fmt(k.listenOverflows)} | ${fmt(k.syncookiesSent)} | ${f ? `${fmt(f.reached)} of ${fmt(r.connected ?? r.connections)}` : '—'} | ${f?.lastDeliveryMs == null ? '—' : `${f.firstDeliveryMs} / ${f.lastDeliveryMs} ms`} |`);
    }
    lines.push('');
  }

  const grouped = ran.filter((r) => r.groups);
  if (grouped.length > 0) {
    lines.push('| server | protocol | connections | groups (members) | group messages/s offered | deliveries/s | delivery p50 | p99 | p99.9 |');
    lines.push('|---|---|---:|---:|---:|---:|---:|---:|---:|');
    for (const r of grouped) {
      const g = r.groups;
      lines.push(`| ${label(r, s)} | ${r.protocol} | ${fmt(r.connections)} | ${fmt(g.groups)} (${fmt(g.minMembers)}–${fmt(g.maxMembers)}, ${fmt(g.members)} in all) | ${fmt(g.messagesPerSecond)} | ${fmt(g.deliveriesPerSecond)} | ${fmt(g.latencyUs.p50)} µs | ${fmt(g.latencyUs.p99)} µs | ${fmt(g.latencyUs.p999)} µs |`);
    }
    lines.push('');
  }

  // Ratios per protocol and N: medians over the rounds; a ratio needs both servers at that N.
  const metrics = [
    ['native / JS deliveries/s (target ≥ 1.5×)', (r) => r.broadcast.deliveriesPerSecond, 'js'],
    ['native / JS memory per connection (target ≤ 0.5×)', (r) => r.memory.bytesPerConnection, 'js'],
    ['native / JS round trip p99', (r) => r.latencyUs.p99, 'js'],
    ['native / raw uWS deliveries/s (target ≥ 2×)', (r) => r.broadcast.deliveriesPerSecond, 'uws'],
    ['native / raw uWS one-off broadcast deliveries/s', oneOffRate, 'uws'],
    ['native / raw uWS per server CPU-s', (r) => r.broadcast.deliveriesPerServerCpuSecond, 'uws'],
    ['native / ws deliveries/s', (r) => r.broadcast.deliveriesPerSecond, 'ws'],
    ['native / Socket.IO deliveries/s (target ≥ 10×)', (r) => r.broadcast.deliveriesPerSecond, 'socketio'],
    ['native / Socket.IO one-off broadcast deliveries/s', oneOffRate, 'socketio'],
    ['native / Socket.IO memory per connection', (r) => r.memory.bytesPerConnection, 'socketio'],
    ['native / Socket.IO group deliveries/s', (r) => r.groups?.deliveriesPerSecond, 'socketio'],
  ];
  lines.push(`| protocol | connections | ${metrics.map(([title]) => title).join(' | ')} |`);
  lines.push(`|---|---:|${metrics.map(() => '---:').join('|')}|`);
  for (const protocol of s.protocols) {
    for (const n of conns(s)) {
      const cells = metrics.map(([, metric, base]) => ratio(values(results, 'native', protocol, n, metric), values(results, base, protocol, n, metric)));
      if (cells.every((c) => c === '—')) continue;
      lines.push(`| ${protocol} | ${fmt(n)} | ${cells.join(' | ')} |`);
    }
  }
  lines.push('');
  lines.push(`Ratios are of the medians over ${s.repeat > 1 ? `the ${s.repeat} rounds` : 'the run'}${s.repeat > 1 ? ', with the range over every pair of rounds' : ''}.`, '');
  return lines.join('\n');
}
