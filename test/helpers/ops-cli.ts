/**
 * The `gatehouse` command as the ops tests use it: runs
 * `node dist/src/cli/main.js <command> <app> ...` asynchronously (the test's own
 * clients keep running while a reload or stop is under way), with a time limit,
 * and reads what the run directory says about the process tree (pid files,
 * `status --json`).
 */
import { spawn } from 'node:child_process';
import { createConnection } from 'node:net';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { childEnv } from './child-env.js';
import { CLI, REPO_ROOT } from './cluster.js';
import type { ProcessStatus } from '../../src/control/protocol.js';

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** Milliseconds the command took. */
  ms: number;
}

/** Describes a CLI run for assertion messages. */
export function describeRun(args: readonly string[], r: CliResult): string {
  return `gatehouse ${args.join(' ')} → exit ${r.code}${r.signal ? ` (${r.signal})` : ''} after ${r.ms} ms\n--- stdout ---\n${r.stdout.slice(-3000)}\n--- stderr ---\n${r.stderr.slice(-3000)}`;
}

function cliEnv(): NodeJS.ProcessEnv {
  return childEnv();
}

/** Runs the CLI; kills it (SIGKILL) and reports `code: null` if it runs past timeoutMs. */
export function runCli(args: readonly string[], timeoutMs = 30_000): Promise<CliResult> {
  const started = Date.now();
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, ...args], { cwd: REPO_ROOT, env: cliEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (s: string) => (stdout += s));
    child.stderr.setEncoding('utf8').on('data', (s: string) => (stderr += s));
    const timer = setTimeout(() => {
      stderr += `\n[test: killed after ${timeoutMs} ms]`;
      child.kill('SIGKILL');
    }, timeoutMs);
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr, ms: Date.now() - started });
    });
  });
}

/** Runs the CLI and fails (with its output) unless it exits 0. */
export async function cliOk(args: readonly string[], timeoutMs = 30_000): Promise<CliResult> {
  const r = await runCli(args, timeoutMs);
  if (r.code !== 0) throw new Error(`expected exit 0: ${describeRun(args, r)}`);
  return r;
}

/** One row of `gatehouse status --json`: the shape every process answers on its control socket. */
export type StatusRow = ProcessStatus;

export interface StatusReport {
  processes: StatusRow[];
  summary: Record<string, unknown>;
}

/** `gatehouse status <app> --json`, parsed; fails with the output if it is not the documented shape. */
export async function statusJson(appDir: string, timeoutMs = 15_000): Promise<StatusReport> {
  const args = ['status', appDir, '--json'];
  const r = await cliOk(args, timeoutMs);
  let parsed: unknown;
  try {
    parsed = JSON.parse(r.stdout);
  } catch {
    throw new Error(`status --json did not print one JSON object: ${describeRun(args, r)}`);
  }
  const report = parsed as StatusReport;
  if (!Array.isArray(report.processes) || typeof report.summary !== 'object') {
    throw new Error(`status --json lacks processes[]/summary: ${describeRun(args, r)}`);
  }
  return report;
}

/** The rows of one role, by index. */
export function rowsOf(report: StatusReport, role: string): StatusRow[] {
  return report.processes.filter((p) => p.role === role).sort((a, b) => (a.index ?? 0) - (b.index ?? 0));
}

/** The pid in `<runDir>/<name>.pid`, or null. */
export function pidFromFile(runDir: string, name: string): number | null {
  try {
    const pid = Number(readFileSync(join(runDir, `${name}.pid`), 'utf8').trim());
    return Number.isInteger(pid) && pid > 0 ? pid : null;
  } catch {
    return null;
  }
}

/** Every `<name>.pid` in the run directory: name → pid. */
export function pidFiles(runDir: string): Map<string, number> {
  const out = new Map<string, number>();
  let names: string[];
  try {
    names = readdirSync(runDir);
  } catch {
    return out;
  }
  for (const f of names) {
    if (!f.endsWith('.pid')) continue;
    const pid = pidFromFile(runDir, f.slice(0, -4));
    if (pid !== null) out.set(f.slice(0, -4), pid);
  }
  return out;
}

/**
 * Whether pid names a running process. A zombie counts as gone: children of a
 * killed supervisor are re-parented to a process that may never reap them.
 */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

/** Whether any process of the process group `pgid` is running (the supervisor runs as a group leader). */
export function groupAlive(pgid: number): boolean {
  return groupMembers(pgid).length > 0;
}

/** Pids of the group's processes, from /proc (Linux): for "no process left" messages. */
export function groupMembers(pgid: number): number[] {
  const out: number[] = [];
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = readFileSync(`/proc/${d}/stat`, 'utf8');
      // Fields after the ")" that ends the command name: state ppid pgrp ...
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(fields[2]) === pgid && fields[0] !== 'Z') out.push(Number(d));
    } catch {
      /* gone meanwhile */
    }
  }
  return out;
}

/** The command line of a pid (for messages), or '' when gone. */
export function commandLine(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ').trim();
  } catch {
    return '';
  }
}

/** The first numeric field named key anywhere inside value (status rows' details nest engine and worker stats). */
export function findCounter(value: unknown, key: string, depth = 0): number | null {
  if (typeof value !== 'object' || value === null || depth > 4) return null;
  const record = value as Record<string, unknown>;
  if (typeof record[key] === 'number') return record[key] as number;
  for (const v of Object.values(record)) {
    const found = findCounter(v, key, depth + 1);
    if (found !== null) return found;
  }
  return null;
}

/** The sum of a counter over every row of a role (null when no row reports it). */
export function sumCounter(report: StatusReport, role: string, key: string): number | null {
  let total: number | null = null;
  for (const row of rowsOf(report, role)) {
    const v = findCounter(row.details, key);
    if (v !== null) total = (total ?? 0) + v;
  }
  return total;
}

/**
 * Asks one process's control socket (`<runDir>/<name>.ctl`, newline-delimited
 * JSON per the contract) and resolves with its result; rejects with the
 * process's error or when it does not answer within timeoutMs.
 */
export function controlAsk(runDir: string, name: string, cmd: string, timeoutMs = 5000): Promise<unknown> {
  const path = join(runDir, `${name}.ctl`);
  return new Promise((resolve, reject) => {
    const socket = createConnection(path);
    let buffered = '';
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`${path}: no answer to "${cmd}" within ${timeoutMs} ms`));
    }, timeoutMs);
    socket.setEncoding('utf8');
    socket.once('connect', () => socket.write(`${JSON.stringify({ id: 1, cmd })}\n`));
    socket.on('data', (chunk: string) => {
      buffered += chunk;
      const nl = buffered.indexOf('\n');
      if (nl < 0) return;
      clearTimeout(timer);
      socket.destroy();
      try {
        const answer = JSON.parse(buffered.slice(0, nl)) as { ok: boolean; result?: unknown; error?: string };
        if (answer.ok) resolve(answer.result);
        else reject(new Error(`${path}: ${cmd} refused: ${answer.error}`));
      } catch {
        reject(new Error(`${path}: answered something that is not JSON: ${buffered.slice(0, 200)}`));
      }
    });
    socket.once('error', (e) => {
      clearTimeout(timer);
      reject(new Error(`${path}: ${e.message}`));
    });
  });
}

/** A counter from the role-specific details of one process's `status` (its control socket). */
export async function processCounter(runDir: string, name: string, key: string): Promise<number | null> {
  return findCounter(await controlAsk(runDir, name, 'status'), key);
}
