/**
 * The client side of a connect storm: the benchmark's load generator
 * (bench/loadgen/loadgen.c, mode storm) as a child process. C, because a
 * Node client on this 2-core machine opens ~5,000–10,000 connections/s at
 * best while the gateway under test competes for the same cores; and a child
 * process, because one process may hold 20,000 open files here.
 *
 * The loader opens `clients` connections at `rate` per second (paced on the
 * clock), each bound to a source address (1,000 per address from
 * 127.77.0.1, so ephemeral ports never run out), and records the time from
 * each connect() call to its `welcome` line. `broadcastDelayMs` after the
 * last handshake completed, its first connection sends `b storm`; the result
 * says how many connections received a `b ` line. Bounded: whatever happens,
 * it resolves (or rejects) within `deadlineMs`.
 */
import { spawn } from 'node:child_process';
import { closeSync, openSync, readFileSync, unlinkSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { pathToFileURL } from 'node:url';
import type * as LoadgenLib from '../../bench/lib/loadgen.js';
import { REPO_ROOT } from './cluster.js';

/** The bench's own builder of the load generator (rebuilt when its source is newer). */
const loadgen = (await import(pathToFileURL(join(REPO_ROOT, 'bench', 'lib', 'loadgen.js')).href)) as typeof LoadgenLib;

export interface StormOptions {
  port: number;
  clients: number;
  rate: number;
  broadcastDelayMs: number;
  deadlineMs: number;
}

export interface StormResult {
  clients: number;
  /** Connections open at the end, attempts that failed, connections the server closed. */
  connected: number;
  failed: number;
  closed: number;
  welcomed: number;
  broadcastReceived: number;
  /** Connections per second over the span from the first connect() call to the last. */
  connectRate: number;
  /** From a connection's connect() call to its welcome line, ms. */
  welcomeMs: { p50: number; p90: number; p99: number; max: number };
  /** From the broadcast request to the last copy counted, ms (the deadline's if some never came). */
  broadcastMs: number;
  timedOut: boolean;
}

interface LoaderStats {
  connected: number;
  failed: number;
  closed: number;
  latencyUs: { n: number; p50: number; p90: number; p99: number; max: number };
  broadcastReceived: number;
  connectSpanUs: number;
}

/**
 * One storm at a time on this machine: the kernel's listen-overflow counter
 * belongs to the whole network namespace, and the [js] and [native] copies of
 * a test file may run at the same time. An exclusive lock file holding the
 * owner's pid (a dead owner's lock is taken over); waits up to `ms`.
 */
const LOCK = join(tmpdir(), 'gatehouse-connect-storm.lock');

async function acquireStormLock(ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  for (;;) {
    try {
      const fd = openSync(LOCK, 'wx');
      writeSync(fd, String(process.pid));
      closeSync(fd);
      return;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    let owner = 0;
    try {
      owner = Number(readFileSync(LOCK, 'utf8'));
    } catch {
      continue; // released meanwhile
    }
    if (!isAlive(owner)) {
      try {
        unlinkSync(LOCK);
      } catch {
        /* taken over by someone else */
      }
      continue;
    }
    if (Date.now() > deadline) throw new Error(`another connect storm (pid ${owner}) held ${LOCK} for ${ms} ms`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

function isAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function releaseStormLock(): void {
  try {
    if (Number(readFileSync(LOCK, 'utf8')) === process.pid) unlinkSync(LOCK);
  } catch {
    /* gone already */
  }
}

/** Runs `fn` (which measures a storm) while no other storm runs on this machine. */
export async function withStormLock<T>(waitMs: number, fn: () => Promise<T>): Promise<T> {
  await acquireStormLock(waitMs);
  try {
    return await fn();
  } finally {
    releaseStormLock();
  }
}

export async function runStorm(o: StormOptions): Promise<StormResult> {
  loadgen.buildLoadgen();
  const child = spawn(
    loadgen.LOADGEN,
    ['--mode', 'storm', '--port', String(o.port), '--conns', String(o.clients), '--connect-rate', String(o.rate), '--src-first', '127.77.0.1', '--per-src', '1000'],
    { stdio: ['pipe', 'pipe', 'pipe'] },
  );
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const deadline = Date.now() + o.deadlineMs;
  let onReady: () => void = () => {};
  const ready = new Promise<void>((r) => (onReady = r));
  const answers: ((msg: Record<string, unknown>) => void)[] = [];
  createInterface({ input: child.stdout }).on('line', (line) => {
    const msg = JSON.parse(line) as Record<string, unknown>;
    if (msg.event === 'ready') onReady();
    else answers.shift()?.(msg);
  });
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  const command = (cmd: string) =>
    new Promise<Record<string, unknown>>((resolve, reject) => {
      answers.push(resolve);
      child.stdin.write(`${cmd}\n`);
      void exited.then(() => reject(new Error(`loadgen exited: ${stderr.trim()}`)));
    });
  const sleep = (ms: number) => new Promise((r) => setTimeout(r, Math.max(0, ms)));
  const remaining = () => deadline - Date.now();
  try {
    let timedOut = false;
    await Promise.race([ready, sleep(remaining() - 5000).then(() => (timedOut = true)), exited]);
    if (child.exitCode !== null) throw new Error(`loadgen exited with ${child.exitCode}: ${stderr.trim()}`);
    await sleep(Math.min(o.broadcastDelayMs, remaining() - 3000));
    const broadcastAt = Date.now();
    await command('broadcast');
    let s = (await command('stats')) as unknown as LoaderStats;
    let doneAt = 0;
    while (Date.now() < deadline) {
      if (s.broadcastReceived >= o.clients) {
        doneAt = Date.now();
        break;
      }
      await sleep(50);
      s = (await command('stats')) as unknown as LoaderStats;
    }
    if (doneAt === 0) timedOut = true;
    const ms = (us: number) => Math.round(us / 100) / 10;
    return {
      clients: o.clients,
      connected: s.connected,
      failed: s.failed,
      closed: s.closed,
      welcomed: s.latencyUs.n,
      broadcastReceived: s.broadcastReceived,
      connectRate: Math.round(o.clients / Math.max(1e-3, s.connectSpanUs / 1e6)),
      welcomeMs: { p50: ms(s.latencyUs.p50), p90: ms(s.latencyUs.p90), p99: ms(s.latencyUs.p99), max: ms(s.latencyUs.max) },
      broadcastMs: (doneAt || Date.now()) - broadcastAt,
      timedOut,
    };
  } finally {
    child.stdin.end('quit\n');
    setTimeout(() => child.kill('SIGKILL'), 2000).unref();
    await exited;
  }
}
