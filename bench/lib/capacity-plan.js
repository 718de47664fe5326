// How many processes a run of N connections needs on this machine, and
// whether its memory holds them — decided before anything starts, so a run
// too big for the machine says so instead of swapping or being killed.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

/** Kernel memory of one loopback client+server socket pair, measured here (/proc/meminfo Slab + page tables under a crowd). */
export const KERNEL_BYTES_PER_PAIR = 9.3 * 1024;
/**
 * Server RSS per idle connection, measured, rounded up: the native gateway
 * 387–417 B (bench/results/2026-12-03-memory-idle-final-*), the JS gateway
 * 6.4 KB (bench/results/2026-12-03-memory-10k-js-fixed-2); the peers at
 * 10,000 WebSocket connections (bench/results/2026-12-04-peers-10k-1): uWS
 * 1.2 KB, ws 6.5 KB, Socket.IO 14.8 KB.
 */
export const SERVER_BYTES_PER_CONN = { native: 450, js: 6500, uws: 1300, ws: 6600, socketio: 15000 };
/** The C load generator's memory per connection (its connection table and buffers). */
export const LOADER_BYTES_PER_CONN = 200;
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
  const memoryNeeded = Math.round(conns * perConn + gateways * GATEWAY_BASE_BYTES + TREE_BASE_BYTES);
  const fits = memoryNeeded <= machine.memAvailable;
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
      ? `${conns} connections: ${gateways} gateway and ${loaders} loader processes, about ${gib(memoryNeeded)} of the ${gib(machine.memAvailable)} available`
      : `${conns} connections need about ${gib(memoryNeeded)} (kernel ${(KERNEL_BYTES_PER_PAIR / 1024).toFixed(1)} KiB per socket pair, ` +
        `server and loader ${((perConn - KERNEL_BYTES_PER_PAIR) / 1024).toFixed(1)} KiB per connection, ${gateways} server processes); ` +
        `this machine has ${gib(machine.memAvailable)} available`,
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
