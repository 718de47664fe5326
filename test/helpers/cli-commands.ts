/**
 * The `gatehouse` command as the cli-* tests use it: a temporary app whose
 * events module lives in the app directory (so a test can rewrite it between
 * reloads), `run()` for one CLI command, and process checks that see through
 * zombies (an orphan whose parent died is a zombie until init reaps it).
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { childEnv } from './child-env.js';
import { CLI, REPO_ROOT } from './cluster.js';

export interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `gatehouse <args>`; SIGKILLs it past timeoutMs (code null). */
export function run(args: readonly string[], timeoutMs = 30_000): Promise<RunResult> {
  const env = childEnv();
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, ...args], { cwd: REPO_ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (s: string) => (stdout += s));
    child.stderr.setEncoding('utf8').on('data', (s: string) => (stderr += s));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

export function describe(args: readonly string[], r: RunResult): string {
  return `gatehouse ${args.join(' ')} → exit ${r.code}\n--- stdout ---\n${r.stdout.slice(-3000)}\n--- stderr ---\n${r.stderr.slice(-3000)}`;
}

const INDEX_URL = pathToFileURL(join(REPO_ROOT, 'dist', 'src', 'index.js')).href;

/** An events module answering `<tag>:<message>` to each message (and `pid` with its process id). */
export function taggedEvents(tag: string, options: { startMs?: number } = {}): string {
  // startMs: each thread's onWorkerStart takes this long, and so does a reload to this code.
  const start = options.startMs ? `\n  async onWorkerStart() { await new Promise((r) => setTimeout(r, ${options.startMs})); },` : '';
  return `import { Gateway } from ${JSON.stringify(INDEX_URL)};
export default {${start}
  onMessage(clientId, message) {
    if (message === 'pid') return Gateway.sendToCurrentClient('pid ' + process.pid);
    if (message === 'join') { Gateway.joinGroup(clientId, 'room'); Gateway.bindUid(clientId, 'u1'); return Gateway.sendToCurrentClient('joined'); }
    Gateway.sendToCurrentClient(${JSON.stringify(tag)} + ':' + message);
  },
};
`;
}

export interface CliApp {
  dir: string;
  name: string;
  runDir: string;
  eventsFile: string;
  setEvents(source: string): void;
  remove(): void;
}

/** A temporary app: a text listener on 127.0.0.1 (port 0), no embedded register, its events module in the app dir. */
export function writeCliApp(options: { gateways?: number; workers?: number; events?: string; extra?: Record<string, unknown> } = {}): CliApp {
  const dir = mkdtempSync(join(tmpdir(), 'gh-cli-'));
  const name = `cli-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
  const eventsFile = join(dir, 'events.mjs');
  writeFileSync(eventsFile, options.events ?? taggedEvents('v1'));
  const config = {
    name,
    events: './events.mjs',
    runDir: join(dir, 'run'),
    logLevel: 'info',
    stopTimeout: 5000,
    reloadTimeout: 10000,
    listeners: [{ name: 'tcp', protocol: 'text', host: '127.0.0.1', port: 0 }],
    gateway: { count: options.gateways ?? 1 },
    worker: { count: options.workers ?? 1, threads: 1 },
    register: { embedded: false },
    ...options.extra,
  };
  writeFileSync(join(dir, 'gatehouse.config.json'), JSON.stringify(config, null, 2));
  return {
    dir,
    name,
    runDir: join(dir, 'run'),
    eventsFile,
    setEvents: (source) => writeFileSync(eventsFile, source),
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** The port of listener `name` from the daemon's log ("gatehouse ready" line). */
export function readyPort(app: CliApp, listener = 'tcp'): number {
  const lines = readFileSync(join(app.runDir, 'gatehouse.log'), 'utf8').trim().split('\n');
  for (const text of lines.reverse()) {
    if (!text.includes('"gatehouse ready"')) continue;
    const line = JSON.parse(text) as { listeners: { name: string; port: number }[] };
    const l = line.listeners.find((x) => x.name === listener);
    if (l) return l.port;
  }
  throw new Error(`no "gatehouse ready" line with listener ${listener} in ${app.runDir}/gatehouse.log`);
}

/** Alive and not a zombie (Linux: /proc/<pid>/stat state). */
export function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

export async function waitFor(what: string, done: () => boolean, timeoutMs = 5000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!done()) {
    if (Date.now() > end) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Best-effort cleanup after a test: stop the app, then kill whatever its pid files still name. */
export async function forceStop(app: CliApp): Promise<void> {
  await run(['stop', app.dir], 15_000);
  try {
    for (const f of (await import('node:fs')).readdirSync(app.runDir)) {
      if (!f.endsWith('.pid')) continue;
      const pid = Number(readFileSync(join(app.runDir, f), 'utf8'));
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        /* gone */
      }
    }
  } catch {
    /* no run dir */
  }
  app.remove();
}
