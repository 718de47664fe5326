// The results file (JSON) and its markdown summary: a table per measurement and the ratios the issue asks about.
export const TARGETS = { js: 'gatehouse, JS engine', native: 'gatehouse, native engine', uws: 'raw uWebSockets.js', ws: 'ws (minimal server)', socketio: 'Socket.IO (minimal server)' };

function fmt(n) {
  return n === null || n === undefined ? '—' : Math.round(n).toLocaleString('en-US');
}

function ratio(a, b) {
  return a !== undefined && a !== null && b ? `${(a / b).toFixed(2)}×` : '—';
}

/** The best value of one metric over the rounds of a target and protocol (other work on the machine only ever makes numbers worse). */
function best(results, target, protocol, metric, better) {
  const values = results.runs.filter((r) => r.target === target && r.protocol === protocol && !r.error).map(metric);
  return values.length === 0 ? undefined : values.reduce((a, b) => (better(b, a) ? b : a));
}

const higher = (a, b) => a > b;
const lower = (a, b) => a < b;

export function markdown(results) {
  const lines = [];
  const s = results.settings;
  lines.push(`# Benchmark ${results.date} (${results.name})`, '');
  lines.push(`Machine: ${results.machine.cpus} × ${results.machine.cpuModel}, Linux ${results.machine.kernel}, Node ${results.machine.node}. Loopback only; load generators on the same cores as the server. The machine was ${Math.round((results.machine.backgroundBusy ?? 0) * 100)}% busy before the bench started (other work on the same cores).`);
  if (results.provenance) lines.push(`Tree ${results.provenance.gitHead?.slice(0, 10) ?? '?'}; native addon built ${results.provenance.addonBuiltAt ?? 'never'}${s.renice ? `; server, worker and loaders reniced to ${s.renice} (threads and session autogroups)` : ''}.`);
  lines.push(`${fmt(s.connections)} connections from ${s.loaders} loader processes; broadcast of ${s.messageBytes}-byte messages, window ${s.window}, measured ${s.broadcastSeconds} s after ${s.warmupMs / 1000} s warm-up; round trip: ${s.probeConnections} clients × 1 message / ${s.probeIntervalMs} ms for ${s.probeSeconds} s.`, '');
  lines.push(`| server | protocol | deliveries/s | broadcasts/s | server CPU (cores) | loaders CPU | machine busy | deliveries per server CPU-s | server CPU per delivery at ${fmt(s.fixedRate * s.connections)}/s | RSS per idle connection | round trip p50 | p99 |`);
  lines.push('|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
  for (const r of results.runs) {
    if (r.error) {
      lines.push(`| ${TARGETS[r.target]}${s.repeat > 1 ? ` (round ${r.round})` : ''} | ${r.protocol} | not run: ${r.error.replace(/\|/g, '/')} | | | | | | | | | |`);
      continue;
    }
    const b = r.broadcast;
    lines.push(`| ${TARGETS[r.target]}${s.repeat > 1 ? ` (round ${r.round})` : ''} | ${r.protocol} | ${fmt(b.deliveriesPerSecond)} | ${fmt(b.broadcastsPerSecond)} | ${b.serverCpuPerSecond} | ${b.loadersCpuPerSecond} | ${Math.round(b.machineBusy * 100)}% | ${fmt(b.deliveriesPerServerCpuSecond)} | ${r.fixedLoad ? `${fmt(r.fixedLoad.serverCpuNsPerDelivery)} ns` : '—'} | ${fmt(r.memory.bytesPerConnection)} B | ${fmt(r.latencyUs.p50)} µs | ${fmt(r.latencyUs.p99)} µs |`);
  }
  lines.push('');
  // Connections as the servers count them: a loader's "connected" is not proof (SYN cookies, listen overflow).
  const held = results.runs.filter((r) => !r.error && (r.heldByServer !== undefined || r.fanout !== undefined));
  if (held.length > 0) {
    lines.push('| server | protocol | server processes | held by the gateways (of the loaders\' connections) | per gateway | kernel memory per connection | listen overflows | SYN cookies sent | one broadcast to all: reached | first / last delivery |');
    lines.push('|---|---|---:|---:|---|---:|---:|---:|---:|---:|');
    for (const r of held) {
      const k = r.kernel ?? {};
      const f = r.fanout;
      lines.push(`| ${TARGETS[r.target]}${s.repeat > 1 ? ` (round ${r.round})` : ''} | ${r.protocol} | ${r.serverProcesses ?? 1} | ${r.heldByServer === undefined ? '—' : `${fmt(r.heldByServer)} of ${fmt(r.connections)}`} | ${(r.perGateway ?? []).map(fmt).join(', ')} | ${k.bytesPerConnection === undefined ? '—' : `${fmt(k.bytesPerConnection)} B`} | ${fmt(k.listenOverflows)} | ${fmt(k.syncookiesSent)} | ${f ? `${fmt(f.reached)} of ${fmt(r.connections)}` : '—'} | ${f?.lastDeliveryMs == null ? '—' : `${f.firstDeliveryMs} / ${f.lastDeliveryMs} ms`} |`);
    }
    lines.push('');
  }
  lines.push('| protocol | native / JS deliveries/s (target ≥ 1.5×) | native / JS per CPU-s | JS / native CPU per delivery at the fixed load | native / JS memory per connection (target ≤ 0.5×, < 1 KiB) | native / JS p99 (target ≤ 1×) | native / raw uWS deliveries/s (target ≥ 2×) | native / raw uWS per CPU-s | native / ws deliveries/s | native / Socket.IO deliveries/s (target ≥ 10×) |');
  lines.push('|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
  const metrics = [
    [(r) => r.broadcast.deliveriesPerSecond, higher, 'js'],
    [(r) => r.broadcast.deliveriesPerServerCpuSecond, higher, 'js'],
    [(r) => r.fixedLoad?.serverCpuNsPerDelivery, lower, 'js', true],
    [(r) => r.memory.bytesPerConnection, lower, 'js'],
    [(r) => r.latencyUs.p99, lower, 'js'],
    [(r) => r.broadcast.deliveriesPerSecond, higher, 'uws'],
    [(r) => r.broadcast.deliveriesPerServerCpuSecond, higher, 'uws'],
    [(r) => r.broadcast.deliveriesPerSecond, higher, 'ws'],
    [(r) => r.broadcast.deliveriesPerSecond, higher, 'socketio'],
  ];
  for (const protocol of s.protocols) {
    const cells = metrics.map(([metric, better, base, inverted]) => {
      const [n, b] = [best(results, 'native', protocol, metric, better), best(results, base, protocol, metric, better)];
      return inverted ? ratio(b, n) : ratio(n, b);
    });
    lines.push(`| ${protocol} | ${cells.join(' | ')} |`);
  }
  lines.push('');
  if (s.repeat > 1) lines.push(`Ratios compare the best value of each metric over the ${s.repeat} rounds.`, '');
  return lines.join('\n');
}
