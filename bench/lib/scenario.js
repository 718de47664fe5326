// One measured run against one server: connect the idle crowd (memory), probe
// the round trip (latency), then drive broadcasts (deliveries per second).
import { delta, socketMemory, tcpExt } from './kernel-counters.js';
import { all, Loader } from './loadgen.js';
import { startProfile } from './perf-profile.js';
import { median } from './report.js';
import { cpuSeconds, machineCpu, reniceAll, rssBytes, sleep } from './proc.js';

const MiB = 1024 * 1024;

/**
 * Source addresses: loader k's connections come from 127.(k+1).0.1 upwards,
 * settings.perSource per address (1000 unless --conns-per-source; bench/lib/port-range.js); the prober and the broadcaster from 127.200.0.x. Spread
 * over 127.0.0.0/8 so no address pair runs short of ephemeral ports.
 */
function crowd(target, settings) {
  const per = Math.ceil(settings.connections / settings.loaders);
  const loaders = [];
  const layout = groupLayout(settings.connections);
  for (let k = 0, left = settings.connections; k < settings.loaders && left > 0; k++, left -= per) {
    loaders.push(
      new Loader({
        port: target.port, proto: target.loaderProto ?? target.protocol, conns: Math.min(per, left), srcFirst: `127.${k + 1}.0.1`, perSrc: settings.perSource ?? 1000,
        groups: layout.groups, groupMin: layout.minMembers, groupMax: layout.maxMembers, indexBase: k * per, joinOnCommand: 1,
      }),
    );
  }
  return loaders;
}

/** The group scenario's groups: 1,000 of 10 to 1,000 members (505,000 in all); at fewer connections, sizes scaled down to fit. */
export const GROUPS = 1000;
export function groupLayout(n) {
  const f = Math.min(1, n / 505_000);
  const minMembers = Math.max(1, Math.floor(10 * f));
  const maxMembers = Math.max(minMembers, Math.floor(1000 * f));
  let members = 0;
  for (let k = 0; k < GROUPS; k++) members += minMembers + Math.floor(((maxMembers - minMembers) * k) / (GROUPS - 1));
  return { groups: GROUPS, minMembers, maxMembers, members: Math.min(members, n) };
}
/** Members of the groups that messages first … first + count − 1 addressed (message i goes to group i mod groups). */
function addressedMembers(layout, first, count) {
  const { groups, minMembers: a, maxMembers: b } = layout;
  let total = 0;
  for (let i = first; i < first + count; i++) {
    const k = i % groups;
    total += a + Math.floor(((b - a) * k) / (groups - 1));
  }
  return total;
}

/** Group deliveries per second the group phase offers (messages per second × the mean group size), at most. */
const GROUP_DELIVERIES_PER_SECOND = 50_000;
const GROUP_MESSAGES_PER_SECOND_MAX = 2000;

async function connected(loaders, ms) {
  const ready = await Promise.all(loaders.map((l) => l.ready(ms)));
  return ready.reduce((n, r) => n + r.connected, 0);
}

/** The server's memory and CPU: every process in target.pids (the gateways; uWS's one process). */
const serverRss = (target) => target.pids.reduce((n, pid) => n + rssBytes(pid), 0);
const serverCpu = (target) => target.pids.reduce((n, pid) => n + cpuSeconds(pid), 0);

function sum(answers, key) {
  return answers.reduce((n, a) => n + a[key], 0);
}

/** With --renice, the server's and the loaders' threads run ahead of the machine's other work. */
function prioritize(settings, pids) {
  if (settings.renice !== 0) for (const pid of pids) if (pid) reniceAll(pid, settings.renice);
}

/**
 * Waits until the loaders have read everything the server sent (their received counts stop growing for two
 * polls), so one phase's backlog in socket buffers is not counted in the next; returns the milliseconds waited.
 */
async function drained(loaders, ms) {
  const started = Date.now();
  let last = -1;
  let still = 0;
  while (Date.now() - started < ms) {
    const now = sum(await all(loaders, 'stats'), 'received');
    still = now === last ? still + 1 : 0;
    if (still >= 2) break;
    last = now;
    await sleep(250);
  }
  return Date.now() - started;
}

/** One-off broadcasts after the first (cold) one. */
const FANOUT_WARM = 2;

/**
 * One broadcast to all: time until the last connection has it, and — from the gateways' own counters — until
 * the server had written it to every socket, so the time the load generators took to read it (on the same
 * cores) is told apart from the server's; the CPU both spent meanwhile.
 */
async function fanout(target, loaders, open, settings, log, which) {
  await all(loaders, 'mark');
  const profile = settings.perf ? await startProfile() : null;
  const fanStats = await target.stats();
  const fanCpu = { server: serverCpu(target), loaders: loaders.reduce((n, l) => n + cpuSeconds(l.pid), 0), machine: machineCpu() };
  const { sentNs } = await loaders[0].command('fanout');
  const fanoutDeadline = Date.now() + settings.fanoutTimeoutMs;
  const sinceSentMs = () => +((Number(process.hrtime.bigint()) - sentNs) / 1e6).toFixed(1);
  let marks = [];
  let serverWroteAllMs = null;
  for (;;) {
    marks = (await all(loaders, 'stats')).map((a) => a.mark);
    if (serverWroteAllMs === null && fanStats.messagesOut !== undefined && (await target.stats()).messagesOut - fanStats.messagesOut >= open) serverWroteAllMs = sinceSentMs();
    if (sum(marks, 'reached') >= open || Date.now() > fanoutDeadline) break;
    await sleep(50);
  }
  const machineAfter = machineCpu();
  const fanoutProfile = profile ? await profile.stop() : undefined;
  const reachedMarks = marks.filter((m) => m.reached > 0);
  const f = {
    reached: sum(marks, 'reached'),
    firstDeliveryMs: reachedMarks.length ? +((Math.min(...reachedMarks.map((m) => m.firstNs)) - sentNs) / 1e6).toFixed(2) : null,
    lastDeliveryMs: reachedMarks.length ? +((Math.max(...reachedMarks.map((m) => m.lastNs)) - sentNs) / 1e6).toFixed(2) : null,
    /** When a poll (every 50 ms or slower) first saw the gateways' messagesOut grown by N: an upper bound. */
    serverWroteAllMs,
    /** CPU seconds spent from the request to the last delivery (or the deadline), by the server and by the loaders. */
    serverCpuSeconds: +(serverCpu(target) - fanCpu.server).toFixed(2),
    loadersCpuSeconds: +(loaders.reduce((n, l) => n + cpuSeconds(l.pid), 0) - fanCpu.loaders).toFixed(2),
    machineBusy: +((machineAfter.busy - fanCpu.machine.busy) / (machineAfter.total - fanCpu.machine.total)).toFixed(2),
    /** With --perf: `perf report` of the whole machine over the fan-out, by command and by symbol. */
    ...(fanoutProfile ? { profile: fanoutProfile } : {}),
  };
  log(`  one broadcast to all (${which}): ${f.reached} of ${open} reached, the last after ${f.lastDeliveryMs} ms${serverWroteAllMs === null ? '' : ` (the server had written all by ${serverWroteAllMs} ms)`}; CPU: server ${f.serverCpuSeconds} s, loaders ${f.loadersCpuSeconds} s`);
  return f;
}

/** Waits until the gateways have no event unacknowledged or waiting for a worker (or `ms` passed). */
async function workerCaughtUp(target, stats, ms) {
  const deadline = Date.now() + ms;
  for (;;) {
    const left = stats.eventsUnacked + stats.eventsWaiting;
    if (left === 0 || Date.now() > deadline) return { done: left === 0, eventsAcked: stats.eventsAcked, eventsUnacked: stats.eventsUnacked, eventsWaiting: stats.eventsWaiting };
    await sleep(100);
    stats = await target.stats();
  }
}

export async function runScenario(target, settings, log) {
  const result = { target: target.name, protocol: target.protocol, connections: settings.connections };
  const loaders = [];
  const spawned = (loader) => {
    loaders.push(loader);
    prioritize(settings, [loader.pid]);
    return loader;
  };
  try {
    prioritize(settings, [...target.pids, target.workerPid]);
    await sleep(1000);
    const rssBefore = serverRss(target);
    const kernelBefore = { ...tcpExt(), ...socketMemory() };
    for (const l of crowd(target, settings)) spawned(l);
    const t0 = Date.now();
    const open = await connected(loaders, settings.connectTimeoutMs ?? 60_000);
    const connectedAt = Date.now();
    result.connectSeconds = (connectedAt - t0) / 1000;
    // Fewer than N opened: the run goes on with what opened (every figure says of how many), so a run that
    // fell short still measures the resource that stopped it.
    result.connected = open;
    if (open === 0) throw new Error(`none of ${settings.connections} connections opened`);
    if (open !== settings.connections) log(`  only ${open} of ${settings.connections} connections opened`);
    result.serverProcesses = target.pids.length;
    // The crowd's connect events reach the worker tier, which acknowledges each: the measurements wait until it
    // has caught up (a broadcast request would otherwise queue behind N connect events), and the wait is reported.
    const first = await target.stats();
    if (typeof first.eventsUnacked === 'number') {
      const caughtUp = await workerCaughtUp(target, first, settings.catchUpTimeoutMs ?? 30_000);
      result.workerCatchUp = { ms: Date.now() - connectedAt, ...caughtUp };
      log(`  worker tier: ${caughtUp.eventsAcked} events acknowledged, ${caughtUp.eventsUnacked + caughtUp.eventsWaiting} left${caughtUp.done ? '' : ' when the bench stopped waiting'}, ${result.workerCatchUp.ms} ms after the last connection`);
    }
    const idleCpuBefore = serverCpu(target);
    const idleFrom = Date.now();
    await sleep(settings.settleMs);
    // Counted by the server too, once settled: with SYN cookies a client can believe it is connected when the
    // server never saw it (and on Node 20 the JS engine's connections reach its gateways through the primary).
    const held = await target.stats();
    if (typeof held.connections === 'number') {
      result.heldByServer = held.connections;
      const per = held.perGateway ?? held.perProcess;
      if (per !== undefined) result.perGateway = per;
    }
    // Over the settle time: what the held, quiet crowd costs the gateways (heartbeats, timers).
    result.idleServerCpuPerSecond = +((serverCpu(target) - idleCpuBefore) / ((Date.now() - idleFrom) / 1000)).toFixed(3);
    const rssAfter = serverRss(target);
    // Machine-wide: other sockets opened meanwhile count too (on this machine, nothing else opens thousands).
    const kernel = delta(kernelBefore, { ...tcpExt(), ...socketMemory() });
    result.kernel = {
      listenOverflows: kernel.listenOverflows,
      listenDrops: kernel.listenDrops,
      syncookiesSent: kernel.syncookiesSent,
      tcpSockets: kernel.tcpInUse,
      /** Slab and TCP buffer pages grown per connection (a client and a server socket each). */
      bytesPerConnection: Math.round((kernel.slabBytes + kernel.tcpBufferBytes) / open),
    };
    result.memory = {
      rssBeforeMiB: +(rssBefore / MiB).toFixed(1),
      rssAfterMiB: +(rssAfter / MiB).toFixed(1),
      bytesPerConnection: Math.round((rssAfter - rssBefore) / open),
    };
    log(`  ${open} connections in ${result.connectSeconds}s${result.heldByServer !== undefined ? ` (${result.heldByServer} held by ${result.serverProcesses} server process(es))` : ''}; RSS ${result.memory.rssBeforeMiB} → ${result.memory.rssAfterMiB} MiB (${result.memory.bytesPerConnection} B/conn)`);
    log(`  kernel: ${result.kernel.bytesPerConnection} B per connection, ${result.kernel.listenOverflows} listen overflows, ${result.kernel.syncookiesSent} SYN cookies sent`);

    // One broadcast to all of them through the server (the worker tier for gatehouse): time until the last has it.
    // The first after connecting is cold (every socket's first data: the kernel's and the engine's per-socket
    // state is touched for the first time), the next ones warm; both are reported.
    result.fanout = await fanout(target, loaders, open, settings, log, 'first');
    result.fanout.warm = [];
    for (let i = 0; i < FANOUT_WARM; i++) {
      await drained(loaders, settings.fanoutTimeoutMs);
      result.fanout.warm.push(await fanout(target, loaders, open, settings, log, 'warm'));
    }

    // Round trip with the crowd connected and quiet.
    const prober = new Loader({ port: target.port, proto: target.loaderProto ?? target.protocol, conns: settings.probeConnections, mode: 'probe', intervalMs: settings.probeIntervalMs, srcFirst: '127.200.0.1', perSrc: 1000 });
    spawned(prober);
    await prober.ready(10_000);
    await prober.command('start');
    await sleep(1000);
    await prober.command('reset');
    await sleep(settings.probeSeconds * 1000);
    const probe = await prober.command('stats');
    await prober.command('stop');
    result.latencyUs = probe.latencyUs;
    result.latencyUs.messagesPerSecond = Math.round(probe.latencyUs.n / settings.probeSeconds);
    result.latencyUs.offeredPerSecond = Math.round((settings.probeConnections * 1000) / settings.probeIntervalMs);
    log(`  round trip p50 ${probe.latencyUs.p50} µs, p99 ${probe.latencyUs.p99} µs, p99.9 ${probe.latencyUs.p999} µs over ${probe.latencyUs.n} messages`);

    // Broadcasts: one client keeps `window` requests outstanding; every client counts what it receives.
    if (target.unboundedRelay) {
      result.broadcast = { skipped: `${target.pids.length} server processes: a sender's own copies come back at its own process's pace while the others' queues grow (bench/lib/targets.js, unboundedRelay); the one-off broadcasts measure it` };
      log(`  broadcast: skipped (${result.broadcast.skipped})`);
    } else {
      const caster = new Loader({ port: target.port, proto: target.loaderProto ?? target.protocol, conns: 1, mode: 'broadcast', window: settings.window, size: settings.messageSize, srcFirst: '127.201.0.1' });
      spawned(caster);
      await caster.ready(10_000);
      await caster.command('start');
      await sleep(settings.warmupMs);
      const receivers = loaders.filter((l) => l !== prober);
      await all(receivers, 'reset');
      const statsBefore = await target.stats();
      const cpuBefore = serverCpu(target);
      const workerCpuBefore = target.workerPid ? cpuSeconds(target.workerPid) : 0;
      const loadersCpuBefore = receivers.reduce((n, l) => n + cpuSeconds(l.pid), 0);
      const machineBefore = machineCpu();
      const start = process.hrtime.bigint();
      await sleep(settings.broadcastSeconds * 1000);
      const answers = await all(receivers, 'stats');
      const seconds = Number(process.hrtime.bigint() - start) / 1e9;
      const cpu = serverCpu(target) - cpuBefore;
      const workerCpu = target.workerPid ? cpuSeconds(target.workerPid) - workerCpuBefore : 0;
      const loadersCpu = receivers.reduce((n, l) => n + cpuSeconds(l.pid), 0) - loadersCpuBefore;
      const machineAfter = machineCpu();
      const statsAfter = await target.stats();
      await caster.command('stop');
      const casterStats = answers[answers.length - 1];
      if (casterStats.sent === 0) log(`  the broadcaster sent nothing in the window: ${JSON.stringify(casterStats)}`);
      const drainMs = await drained(receivers, settings.fanoutTimeoutMs);
      const received = sum(answers, 'received');
      result.broadcast = {
        seconds: +seconds.toFixed(2),
        messageBytes: settings.messageSize,
        window: settings.window,
        broadcastsPerSecond: Math.round(casterStats.sent / seconds),
        deliveriesPerSecond: Math.round(received / seconds),
        serverCpuPerSecond: +(cpu / seconds).toFixed(2),
        deliveriesPerServerCpuSecond: cpu > 0 ? Math.round(received / cpu) : null,
        workerCpuPerSecond: target.workerPid ? +(workerCpu / seconds).toFixed(2) : null,
        loadersCpuPerSecond: +(loadersCpu / seconds).toFixed(2),
        /** Fraction of all cores busy during the window (everyone's processes, not only the bench's). */
        machineBusy: +((machineAfter.busy - machineBefore.busy) / (machineAfter.total - machineBefore.total)).toFixed(2),
        windowStalls: casterStats.stalls,
        closedDuring: sum(answers, 'closed'),
        /** After the window: how long the loaders took to read what was still queued for them. */
        drainMs,
      };
      if (statsBefore.messagesOut !== undefined) {
        result.broadcast.gatewayMessagesOutPerSecond = Math.round((statsAfter.messagesOut - statsBefore.messagesOut) / seconds);
        result.broadcast.slowConsumerDrops = statsAfter.slowConsumerDrops - statsBefore.slowConsumerDrops;
        result.broadcast.gatewayWritesPerSecond = Math.round((statsAfter.writes - statsBefore.writes) / seconds);
        result.broadcast.messagesPerWrite = +((statsAfter.messagesOut - statsBefore.messagesOut) / Math.max(1, statsAfter.writes - statsBefore.writes)).toFixed(2);
      }
      log(`  broadcast: ${result.broadcast.deliveriesPerSecond} deliveries/s (${result.broadcast.broadcastsPerSecond} broadcasts/s), server CPU ${result.broadcast.serverCpuPerSecond}/s`);

      await caster.quit();
      loaders.splice(loaders.indexOf(caster), 1);
    }
    const crowdOnly = loaders.filter((l) => l !== prober);
    if (!settings.fixedLoad) {
      result.fixedLoad = { skipped: `one broadcast per second to ${open} connections offers more than twice the fixed load's ${settings.fixedDeliveriesPerSecond} deliveries/s: the warm one-off broadcasts (fanout.warm) measure the cost per delivery instead` };
    } else {
      // A fixed load well below saturation: what it costs the server does not depend on how much CPU the machine's
      // other work leaves it, nor on how much output piles up per socket while it waits (which makes writes cheaper).
      await sleep(1000);
      const pacer = new Loader({ port: target.port, proto: target.loaderProto ?? target.protocol, conns: 1, mode: 'broadcast', rate: settings.fixedRate, window: 1000, size: settings.messageSize, srcFirst: '127.201.0.2' });
      spawned(pacer);
      await pacer.ready(10_000);
      await pacer.command('start');
      await sleep(1000);
      await all([...crowdOnly, pacer], 'reset');
      const fixedStatsBefore = await target.stats();
      const fixedCpuBefore = serverCpu(target);
      const fixedStart = process.hrtime.bigint();
      await sleep(settings.fixedSeconds * 1000);
      const fixedAnswers = await all(crowdOnly, 'stats');
      const pacerSent = (await pacer.command('stats')).sent;
      const fixedSeconds = Number(process.hrtime.bigint() - fixedStart) / 1e9;
      const fixedCpu = serverCpu(target) - fixedCpuBefore;
      const fixedStatsAfter = await target.stats();
      await pacer.command('stop');
      await drained(crowdOnly, settings.fanoutTimeoutMs);
      const fixedReceived = sum(fixedAnswers, 'received');
      result.fixedLoad = {
        broadcastsPerSecond: settings.fixedRate,
        offeredDeliveriesPerSecond: settings.fixedRate * (settings.connections + 1),
        /** Broadcasts the pacer actually sent in the window, per second (its window of 1,000 outstanding may hold it back). */
        sentBroadcastsPerSecond: +(pacerSent / fixedSeconds).toFixed(2),
        deliveriesPerSecond: Math.round(fixedReceived / fixedSeconds),
        serverCpuPerSecond: +(fixedCpu / fixedSeconds).toFixed(3),
        serverCpuNsPerDelivery: fixedReceived > 0 ? Math.round((fixedCpu * 1e9) / fixedReceived) : null,
      };
      if (fixedStatsBefore.writes !== undefined) {
        // Messages per socket write: about 1 here, so the kernel's per-write cost dominates whatever the engine.
        result.fixedLoad.messagesPerWrite = +((fixedStatsAfter.messagesOut - fixedStatsBefore.messagesOut) / Math.max(1, fixedStatsAfter.writes - fixedStatsBefore.writes)).toFixed(2);
      }
      log(`  fixed load: ${result.fixedLoad.deliveriesPerSecond} deliveries/s cost ${result.fixedLoad.serverCpuPerSecond} cores (${result.fixedLoad.serverCpuNsPerDelivery} ns per delivery)`);
    }
    // Groups last, so the phases before measure a crowd that joined nothing: every member joins its group (one
    // event each through the worker tier), then one client sends to the groups in turn at a fixed rate and every
    // member's loader times each delivery against the send time in the message.
    const layout = groupLayout(settings.connections);
    const joinStart = Date.now();
    await all(crowdOnly, 'join');
    let joinAcks = 0;
    while (Date.now() - joinStart < (settings.catchUpTimeoutMs ?? 30_000)) {
      joinAcks = sum(await all(crowdOnly, 'stats'), 'joinAcks');
      if (joinAcks >= layout.members) break;
      await sleep(100);
    }
    const meanMembers = layout.members / layout.groups;
    const groupRate = Math.max(1, Math.min(GROUP_MESSAGES_PER_SECOND_MAX, Math.round(GROUP_DELIVERIES_PER_SECOND / meanMembers)));
    const groupcaster = new Loader({ port: target.port, proto: target.loaderProto ?? target.protocol, conns: 1, mode: 'groupcast', targetGroups: layout.groups, rate: groupRate, size: settings.messageSize, srcFirst: '127.203.0.1' });
    spawned(groupcaster);
    await groupcaster.ready(10_000);
    await groupcaster.command('start');
    await sleep(1000);
    // The groupcaster addresses g0, g1, … in turn from its start: the groups of the window follow from how many it
    // had sent before it (read just before the reset; a message or two off at most).
    const sentBefore = (await groupcaster.command('stats')).sent;
    await all([...crowdOnly, groupcaster], 'reset');
    const groupStart = process.hrtime.bigint();
    await sleep(settings.probeSeconds * 1000);
    const groupAnswers = await all([...crowdOnly, groupcaster], 'stats');
    const groupSeconds = Number(process.hrtime.bigint() - groupStart) / 1e9;
    await groupcaster.command('stop');
    const sent = groupAnswers.pop().sent;
    const timed = groupAnswers.filter((a) => a.groupLatencyUs.n > 0).map((a) => a.groupLatencyUs);
    const groupReceived = sum(groupAnswers, 'groupReceived');
    result.groups = {
      groups: layout.groups,
      minMembers: layout.minMembers,
      maxMembers: layout.maxMembers,
      members: layout.members,
      joined: joinAcks,
      joinSeconds: +((Date.now() - joinStart) / 1000 - 1 - groupSeconds).toFixed(2),
      messagesPerSecondOffered: groupRate,
      messagesPerSecond: Math.round(sent / groupSeconds),
      deliveriesPerSecond: Math.round(groupReceived / groupSeconds),
      /** Deliveries over the members of the groups the window's messages addressed (about 1 when nothing is lost or late). */
      completeness: sent > 0 ? +(groupReceived / addressedMembers(layout, sentBefore, sent)).toFixed(3) : null,
      /** Each loader has its own percentiles: the worst loader's (an upper bound), and the median loader's p50. */
      latencyUs: timed.length
        ? { n: sum(timed, 'n'), p50: median(timed.map((l) => l.p50)), p99: Math.max(...timed.map((l) => l.p99)), p999: Math.max(...timed.map((l) => l.p999)), max: Math.max(...timed.map((l) => l.max)) }
        : { n: 0, p50: null, p99: null, p999: null, max: null },
    };
    log(`  groups: ${joinAcks} of ${layout.members} joined ${layout.groups} groups (${layout.minMembers}–${layout.maxMembers} members); ${result.groups.messagesPerSecond} messages/s to groups → ${result.groups.deliveriesPerSecond} deliveries/s, p50 ${result.groups.latencyUs.p50} µs, p99 ${result.groups.latencyUs.p99} µs`);
    return result;
  } finally {
    await Promise.all(loaders.map((l) => l.quit()));
  }
}
