/**
 * Runs the real supervisor (`node dist/src/cli/main.js start <app>`) for a black-box
 * test: writes a temporary app directory, waits for the "gatehouse ready" line,
 * exposes the bound ports by listener name and the parsed log lines, and stops
 * everything (SIGTERM, then SIGKILL of the whole process group after 5 s).
 *
 * The supervisor runs in its own process group, so a supervisor that is killed
 * cannot leave its gateways and workers behind: stop() and the exit hook kill
 * the group by its id.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { childEnv } from './child-env.js';

/** The repository root (this file runs from dist/test/helpers/). */
export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
export const CLI = join(REPO_ROOT, 'dist', 'src', 'cli', 'main.js');
export const READY_TIMEOUT_MS = 20_000;
export const STOP_TIMEOUT_MS = 5_000;

/** Absolute path of a compiled fixture app module: dist/test/fixtures/apps/<name>.js. */
export function fixtureApp(name: string): string {
  return join(REPO_ROOT, 'dist', 'test', 'fixtures', 'apps', `${name}.js`);
}
/** Absolute path of the compiled chat demo's events module. */
export const CHAT_EVENTS = join(REPO_ROOT, 'dist', 'examples', 'chat', 'events.js');
export const CHAT_PAGE = join(REPO_ROOT, 'examples', 'chat', 'public', 'index.html');

export interface ListenerSpec {
  name: string;
  protocol: 'text' | 'json' | 'frame' | 'custom' | 'websocket';
  host?: string;
  port?: number;
  maxMessageSize?: number;
  frame?: { headerSize: 2 | 4; endian: 'big' | 'little'; lengthIncludesHeader: boolean };
  codec?: string;
  static?: Record<string, string>;
}

export interface AppSpec {
  name?: string;
  /** Absolute path of the events module (use fixtureApp()). */
  events: string;
  listeners: ListenerSpec[];
  secretKey?: string;
  gateway?: Record<string, unknown>;
  worker?: Record<string, unknown>;
  queryTimeout?: number;
  stopTimeout?: number;
  reloadTimeout?: number;
  logFile?: string;
  register?: Record<string, unknown>;
  logLevel?: string;
  /** Default: `<app dir>/run`, removed with the app dir. 'default' leaves it out (gatehouse's own default). */
  runDir?: string;
  /** Extra files written into the app directory: relative name → content. */
  files?: Record<string, string | Buffer>;
}

const appDirs = new Set<string>();
let appCounter = 0;

/**
 * Writes a temporary app directory with gatehouse.config.json (listeners on
 * 127.0.0.1, port 0 unless given) and returns its path. Removed at process exit.
 */
export function writeApp(spec: AppSpec): string {
  const dir = mkdtempSync(join(tmpdir(), 'gh-e2e-'));
  appDirs.add(dir);
  for (const [name, content] of Object.entries(spec.files ?? {})) {
    const path = join(dir, name);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, content);
  }
  const { files: _files, ...config } = spec;
  const full: Record<string, unknown> = {
    name: spec.name ?? `e2e-${process.pid}-${++appCounter}`,
    runDir: join(dir, 'run'),
    ...config,
    listeners: spec.listeners.map((l) => ({ host: '127.0.0.1', port: 0, ...l })),
    // The embedded register on port 0: concurrent test files (and other apps on this machine) never share 1236.
    register: { port: 0, ...spec.register },
  };
  if (full.runDir === 'default') delete full.runDir;
  writeFileSync(join(dir, 'gatehouse.config.json'), JSON.stringify(full, null, 2));
  return dir;
}

/** A TCP port that was free a moment ago (for link ports, which cannot be 0). */
export function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => resolvePort(port));
    });
  });
}

/** One stdout line of a gatehouse process: pino JSON, or `{raw}` for anything else. */
export interface LogLine {
  level?: number;
  time?: number;
  msg?: string;
  role?: string;
  pid?: number;
  raw?: string;
  [key: string]: unknown;
}

export interface ReadyListener {
  name: string;
  protocol: string;
  host: string;
  port: number;
}

export interface ExitInfo {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** The supervisor did not exit within the stop timeout and was killed. */
  killed: boolean;
  /** Processes of the supervisor's group were still alive after it exited (they were killed). */
  lingering: boolean;
}

const running = new Set<ChildProcess>();
process.once('exit', () => {
  for (const p of running) killGroup(p, 'SIGKILL');
  for (const d of appDirs) {
    try {
      rmSync(d, { recursive: true, force: true });
    } catch {
      /* best effort */
    }
  }
});

function killGroup(p: ChildProcess, signal: NodeJS.Signals): void {
  if (p.pid === undefined) return;
  try {
    process.kill(-p.pid, signal);
  } catch {
    /* already gone */
  }
}

function groupAlive(pid: number): boolean {
  try {
    process.kill(-pid, 0);
    return true;
  } catch {
    return false;
  }
}

export interface StartOptions {
  /** An AppSpec (written with writeApp) or the path of an app directory / config file. */
  app: AppSpec | string;
  /** CLI flags after the app, e.g. ['--gateways', '2']. */
  flags?: string[];
  env?: Record<string, string>;
  readyTimeoutMs?: number;
}

export class Cluster {
  readonly process: ChildProcess;
  readonly appDir: string;
  readonly lines: LogLine[] = [];
  stderr = '';
  ready: LogLine | null = null;
  exit: { code: number | null; signal: NodeJS.Signals | null } | null = null;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  #watchers: { pred: (l: LogLine) => boolean; resolve: (l: LogLine) => void }[] = [];
  #stopped: Promise<ExitInfo> | null = null;

  constructor(proc: ChildProcess, appDir: string) {
    this.process = proc;
    this.appDir = appDir;
    running.add(proc);
    let partial = '';
    proc.stdout!.setEncoding('utf8');
    proc.stdout!.on('data', (chunk: string) => {
      partial += chunk;
      let nl: number;
      while ((nl = partial.indexOf('\n')) >= 0) {
        const text = partial.slice(0, nl);
        partial = partial.slice(nl + 1);
        if (text.trim() !== '') this.#onLine(text);
      }
    });
    proc.stderr!.setEncoding('utf8');
    proc.stderr!.on('data', (chunk: string) => {
      this.stderr += chunk;
      if (this.stderr.length > 200_000) this.stderr = this.stderr.slice(-100_000);
    });
    this.exited = new Promise((resolveExit) => {
      proc.once('exit', (code, signal) => {
        this.exit = { code, signal };
        resolveExit(this.exit);
      });
    });
  }

  #onLine(text: string): void {
    let line: LogLine;
    try {
      const parsed: unknown = JSON.parse(text);
      line = typeof parsed === 'object' && parsed !== null ? (parsed as LogLine) : { raw: text };
    } catch {
      line = { raw: text };
    }
    this.lines.push(line);
    if (line.msg === 'gatehouse ready' && this.ready === null) this.ready = line;
    this.#watchers = this.#watchers.filter((w) => {
      if (!w.pred(line)) return true;
      w.resolve(line);
      return false;
    });
  }

  /** Every stdout line so far (parsed). */
  logs(): LogLine[] {
    return this.lines;
  }

  /** The last lines of output, for error messages. */
  tail(n = 40): string {
    const out = this.lines.slice(-n).map((l) => l.raw ?? JSON.stringify(l));
    const err = this.stderr.trim() === '' ? '' : `\n--- stderr ---\n${this.stderr.slice(-4000)}`;
    return `--- last ${out.length} stdout lines ---\n${out.join('\n')}${err}`;
  }

  /** Waits for a log line (already seen or future) matching pred. */
  waitForLog(pred: (l: LogLine) => boolean, what: string, timeoutMs = 5000): Promise<LogLine> {
    const seen = this.lines.find(pred);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolveLine, reject) => {
      const timer = setTimeout(() => {
        this.#watchers = this.#watchers.filter((w) => w !== watcher);
        reject(new Error(`log line "${what}" not seen within ${timeoutMs} ms\n${this.tail()}`));
      }, timeoutMs);
      const watcher = {
        pred,
        resolve: (l: LogLine) => {
          clearTimeout(timer);
          resolveLine(l);
        },
      };
      this.#watchers.push(watcher);
    });
  }

  /** Resolves at "gatehouse ready"; fails on timeout or exit, with the output so far. */
  waitReady(timeoutMs = READY_TIMEOUT_MS): Promise<LogLine> {
    if (this.ready) return Promise.resolve(this.ready);
    return new Promise((resolveReady, reject) => {
      const settle = (error: Error | null): void => {
        clearTimeout(timer);
        this.#watchers = this.#watchers.filter((w) => w !== watcher);
        if (error) reject(error);
        else resolveReady(this.ready!);
      };
      const watcher = { pred: (l: LogLine) => l.msg === 'gatehouse ready', resolve: () => settle(null) };
      this.#watchers.push(watcher);
      const timer = setTimeout(() => settle(new Error(`no "gatehouse ready" within ${timeoutMs} ms\n${this.tail()}`)), timeoutMs);
      void this.exited.then((e) => {
        if (!this.ready) settle(new Error(`supervisor exited before "gatehouse ready" (code ${e.code}, signal ${e.signal})\n${this.tail()}`));
      });
    });
  }

  get readyListeners(): ReadyListener[] {
    if (!this.ready) throw new Error('cluster is not ready');
    const ls = this.ready.listeners;
    if (!Array.isArray(ls)) throw new Error(`"gatehouse ready" has no listeners array: ${JSON.stringify(this.ready)}`);
    return ls as ReadyListener[];
  }

  /** Every distinct port reported for a listener name (one when gateways share it). */
  ports(name: string): number[] {
    const ps = [...new Set(this.readyListeners.filter((l) => l.name === name).map((l) => l.port))];
    if (ps.length === 0) throw new Error(`no listener "${name}" in "gatehouse ready": ${JSON.stringify(this.readyListeners)}`);
    for (const p of ps) if (!Number.isInteger(p) || p <= 0) throw new Error(`listener "${name}" reported port ${p}`);
    return ps;
  }

  /** The port of a listener (the first one if gateways report several). */
  port(name: string): number {
    return this.ports(name)[0]!;
  }

  get runDir(): string {
    const r = this.ready?.runDir;
    if (typeof r !== 'string') throw new Error(`"gatehouse ready" has no runDir: ${JSON.stringify(this.ready)}`);
    return r;
  }

  /** Log lines at level ≥ error (pino 50). */
  errors(): LogLine[] {
    return this.lines.filter((l) => typeof l.level === 'number' && l.level >= 50);
  }

  /** Removes a run directory that the supervisor put under the system's temporary directory. */
  #removeRunDir(): void {
    const r = this.ready?.runDir;
    if (typeof r !== 'string' || !r.startsWith(join(tmpdir(), 'gatehouse-'))) return;
    try {
      rmSync(r, { recursive: true, force: true });
    } catch {
      /* best effort */
    }
  }

  /** Sends SIGTERM, waits for exit (SIGKILL to the group after 5 s), and kills anything left in the group. */
  stop(signal: NodeJS.Signals = 'SIGTERM', timeoutMs = STOP_TIMEOUT_MS): Promise<ExitInfo> {
    if (this.#stopped) return this.#stopped;
    this.#stopped = (async () => {
      const pid = this.process.pid!;
      let killed = false;
      if (this.exit === null) {
        try {
          this.process.kill(signal);
        } catch {
          /* gone */
        }
        let timer: NodeJS.Timeout | undefined;
        const timedOut = await Promise.race([
          this.exited.then(() => false),
          new Promise<boolean>((r) => {
            timer = setTimeout(() => r(true), timeoutMs);
          }),
        ]);
        clearTimeout(timer);
        if (timedOut) {
          killed = true;
          killGroup(this.process, 'SIGKILL');
          await this.exited;
        }
      }
      // Children get a moment to finish after the supervisor exits.
      let lingering = false;
      for (let i = 0; i < 20 && groupAlive(pid); i++) await new Promise((r) => setTimeout(r, 50));
      if (groupAlive(pid)) {
        lingering = true;
        killGroup(this.process, 'SIGKILL');
      }
      running.delete(this.process);
      this.#removeRunDir();
      return { code: this.exit!.code, signal: this.exit!.signal, killed, lingering };
    })();
    return this.#stopped;
  }
}

/** Spawns the supervisor without waiting for it to be ready. */
export function spawnCluster(options: StartOptions): Cluster {
  const appDir = typeof options.app === 'string' ? options.app : writeApp(options.app);
  const proc = spawn(process.execPath, [CLI, 'start', appDir, ...(options.flags ?? [])], {
    cwd: REPO_ROOT,
    env: childEnv(options.env),
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  return new Cluster(proc, appDir);
}

/** Spawns the supervisor and waits for "gatehouse ready"; stops it if it does not get there. */
export async function startCluster(options: StartOptions): Promise<Cluster> {
  const cluster = spawnCluster(options);
  try {
    await cluster.waitReady(options.readyTimeoutMs);
  } catch (e) {
    await cluster.stop();
    throw e;
  }
  return cluster;
}
