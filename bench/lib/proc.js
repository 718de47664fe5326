// What the benchmark reads about a process from /proc: resident memory and CPU time (all threads).
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { setPriority } from 'node:os';

/** Clock ticks per second of /proc/<pid>/stat times (USER_HZ, 100 on Linux). */
const TICKS = 100;

export function rssBytes(pid) {
  const m = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (!m) throw new Error(`no VmRSS for pid ${pid}`);
  return Number(m[1]) * 1024;
}

/** User + system CPU seconds used so far by the process (every thread). */
export function cpuSeconds(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after the command name, which is in parentheses and may contain spaces.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / TICKS;
}

/** A TCP port free on 127.0.0.1 right now. */
export function freePort() {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

/** `count` consecutive TCP ports free on 127.0.0.1 right now (gateway i's /stats is on opsPort + i); returns the first. */
export async function freePortBlock(count) {
  const isFree = (port) =>
    new Promise((resolve) => {
      const s = createServer();
      s.once('error', () => resolve(false));
      s.listen(port, '127.0.0.1', () => s.close(() => resolve(true)));
    });
  for (let attempt = 0; attempt < 50; attempt++) {
    const base = 20000 + Math.floor(Math.random() * (60000 - 20000 - count));
    let ok = true;
    for (let p = base; p < base + count && ok; p++) ok = await isFree(p);
    if (ok) return base;
  }
  throw new Error(`no block of ${count} free ports found`);
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Busy and total CPU seconds of the whole machine so far (all cores), from /proc/stat. */
export function machineCpu() {
  const line = readFileSync('/proc/stat', 'utf8').split('\n')[0];
  const t = line.trim().split(/\s+/).slice(1, 9).map(Number);
  const total = t.reduce((a, b) => a + b, 0) / TICKS;
  const idle = (t[3] + t[4]) / TICKS;
  return { busy: total - idle, total };
}

/**
 * Sets the nice value of every thread of a process (on Linux a priority
 * belongs to one thread: setpriority on the pid alone would leave a worker's
 * pool threads behind) and of its session's autogroup: with
 * sched_autogroup_enabled, CPU is shared between sessions first, and a
 * thread's nice only matters inside its own session. Negative values need the
 * privilege to raise priority.
 */
export function reniceAll(pid, nice) {
  try {
    writeFileSync(`/proc/${pid}/autogroup`, String(nice));
  } catch (err) {
    if (err.code !== 'ENOENT') throw err; // no autogroups in this kernel: the threads' nice is all there is
  }
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      setPriority(Number(tid), nice);
    } catch (err) {
      if (err.code !== 'ESRCH') throw err;
    }
  }
}
