// How many processes a run of N connections needs on this machine, and
// whether its memory holds them — decided before anything starts, so a run
// too big for the machine says so instead of swapping or being killed.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

/**
 * Kernel memory of one loopback client+server socket pair, measured here (/proc/meminfo slab and TCP buffer
 * pages grown under the crowd): 9.3 KB by hand at 100,000, 10,257–10,288 B at a million
 * (bench/results/2026-12-04-million-native-*).
 */
export const KERNEL_BYTES_PER_PAIR = 10_300;
/**
 * Server RSS per idle connection, measured, the largest seen at 10,000 connections or more, rounded up: over
 * WebSocket at 10,000 and 100,000 (bench/results/2026-12-04-curve-1) the native gateway 523–651 B (text:
 * 320–356 B at a million), the JS gateway 7.8 KB, uWS 1.2 KB, ws 7.8 KB (several processes), Socket.IO 15.7 KB.
 */
export const SERVER_BYTES_PER_CONN = { native: 700, js: 7900, uws: 1300, ws: 7900, socketio: 15800 };
/** The C load generator's memory per connection (its connection table and buffers), and per process. */
export const LOADER_BYTES_PER_CONN = 200;
export const LOADER_BASE_BYTES = 16 * 1024 * 1024;
/** The share of MemAvailable a run may plan to use: the page cache, the bench itself and estimates' error need the rest. */
export const MEMORY_HEADROOM = 0.9;
/** Resident memory of one gateway process before any client, and of the rest of the tree (supervisor, register, worker). */
export const GATEWAY_BASE_BYTES = 60 * 1024 * 1024;
export const TREE_BASE_BYTES = 300 * 1024 * 1024;
/** Descriptors a process keeps for itself (listeners, links, epoll, timers, logs) below the open-file limit. */
export const RESERVED_FDS = 1000;
/**
 * SO_REUSEPORT hashes connections over the gateways, not evenly: a million
 * over 51 gateways would put more than 20,000 on some. Measured by hand with
 * the chat demo: 60 gateways held 1,000,008 with none over the limit.
 */
export const REUSEPORT_SPREAD = 1.18;

/**
 * The plan for `conns` connections: gateway and loader processes (each under
 * the open-file limit), the memory it needs, and whether the machine has it.
 * Pure: every machine fact comes in `machine` (see machineLimits()).
 */
export function planCapacity({ conns, engine = 'native', machine }) {
  if (!(engine in SERVER_BYTES_PER_CONN)) throw new RangeError(`no measured memory per connection for ${engine}`);
  if (!Number.isInteger(conns) || conns <= 0) throw new RangeError(`--conns must be a positive integer, not ${conns}`);
  const perProcess = machine.openFileLimit - RESERVED_FDS;
  if (perProcess <= 0) throw new RangeError(`an open-file limit of ${machine.openFileLimit} leaves no room for connections`);
  const loaders = Math.ceil(conns / perProcess);
  const gateways = conns <= perProcess ? 1 : Math.ceil((conns * REUSEPORT_SPREAD) / perProcess);
  const perConn = KERNEL_BYTES_PER_PAIR + SERVER_BYTES_PER_CONN[engine] + LOADER_BYTES_PER_CONN;
  const memoryNeeded = Math.round(conns * perConn + gateways * GATEWAY_BASE_BYTES + loaders * LOADER_BASE_BYTES + TREE_BASE_BYTES);
  const fits = memoryNeeded <= machine.memAvailable * MEMORY_HEADROOM;
  const gib = (n) => `${(n / 2 ** 30).toFixed(1)} GiB`;
  return {
    conns,
    engine,
    gateways,
    loaders,
    connectionsPerProcess: perProcess,
    memoryNeeded,
    memAvailable: machine.memAvailable,
    fits,
    why: fits
      ? `${conns} connections: ${gateways} gateway and ${loaders} loader processes, about ${gib(memoryNeeded)} of the ${gib(machine.memAvailable)} available (at most ${Math.round(MEMORY_HEADROOM * 100)}% planned)`
      : `${conns} connections need about ${gib(memoryNeeded)} (kernel ${(KERNEL_BYTES_PER_PAIR / 1024).toFixed(1)} KiB per socket pair, ` +
        `server and loader ${((perConn - KERNEL_BYTES_PER_PAIR) / 1024).toFixed(1)} KiB per connection, ${gateways} server processes); ` +
        `this machine has ${gib(machine.memAvailable)} available, of which a run plans at most ${Math.round(MEMORY_HEADROOM * 100)}%`,
  };
}

/** The machine facts planCapacity() needs, read now: the hard open-file limit and MemAvailable. */
export function machineLimits() {
  const ulimit = spawnSync('sh', ['-c', 'ulimit -Hn'], { encoding: 'utf8' }).stdout.trim();
  const openFileLimit = ulimit === 'unlimited' ? 1048576 : Number(ulimit);
  const m = /^MemAvailable:\s+(\d+) kB$/m.exec(readFileSync('/proc/meminfo', 'utf8'));
  if (!m || !Number.isFinite(openFileLimit)) throw new Error('cannot read the open-file limit or /proc/meminfo');
  return { openFileLimit, memAvailable: Number(m[1]) * 1024 };
}
