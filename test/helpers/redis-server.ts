/**
 * A real redis-server for a test: the system binary (Debian's redis-server,
 * installed by scripts/install-native-tools.sh), on a free port, in a fresh
 * temp dir, without RDB snapshots. restart() stops it and starts it again on
 * the same port and dir, so with appendOnly the data survives as it would in
 * production. stop() kills it and removes the dir; a server still running when
 * the test process exits is SIGKILLed then (and its dir removed), so a failed
 * test never leaves one behind.
 *
 * Commands go over a raw RESP socket (cli()), never through the npm client
 * under test. A server counts as up when it answers on its port *and* the
 * answer comes from the process this helper started (INFO's process_id), so
 * another test's server that took the port first is never mistaken for ours.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, constants, existsSync, mkdtempSync, openSync, readSync, closeSync, rmSync, statSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

const READY_TIMEOUT_MS = 10_000;
/** After SIGTERM: time to write the append-only file and exit before SIGKILL. */
const STOP_GRACE_MS = 5_000;
/** Starts tried when the probed free port is taken before redis-server binds it. */
const PORT_ATTEMPTS = 5;
const PROBE_TIMEOUT_MS = 500;
const LOG_TAIL_LINES = 20;
const NOT_INSTALLED = "redis-server is not installed (Debian's redis-server: apt-get install redis-server, or run scripts/install-native-tools.sh as root)";

/** The redis-server on PATH, or undefined. */
export function redisBinary(): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (dir === '') continue;
    const path = join(dir, 'redis-server');
    try {
      accessSync(path, constants.X_OK);
      if (statSync(path).isFile()) return path;
    } catch {
      /* not in this dir */
    }
  }
  return undefined;
}

/**
 * Why Redis tests cannot run here, for `test(..., { skip })`; undefined when
 * they can. In CI (CI set) a missing redis-server is a defect, not a reason to
 * skip: the tests run and startRedis() fails with the reason.
 */
export function redisSkipReason(): string | undefined {
  if (redisBinary() !== undefined || process.env.CI) return undefined;
  return NOT_INSTALLED;
}

export interface RedisServer {
  readonly host: string;
  readonly port: number;
  /** redis://host:port (an IPv6 host in brackets). */
  readonly url: string;
  /** Its working directory: the append-only files and redis.log. */
  readonly dir: string;
  /** The pid of the server last started (a new one after restart()). */
  readonly pid: number;
  /** Stops it (SIGTERM, SIGKILL after 5 s), waits downMs (default 0), starts it again on the same port and dir. */
  restart(opts?: { downMs?: number }): Promise<void>;
  /** Kills it and removes its dir; idempotent. */
  stop(): Promise<void>;
  /** One command over a raw socket; the reply as text (arrays one item per line, nil as ''). An error reply rejects. */
  cli(...args: string[]): Promise<string>;
}

export interface RedisOptions {
  /** Append-only persistence with appendfsync everysec. Default false: a restart starts empty. */
  appendOnly?: boolean;
  /** The address it binds. Default 127.0.0.1; protected mode is off for any other than loopback. */
  host?: string;
}

/** Starts a redis-server; resolves once it answers. */
export async function startRedis(opts: RedisOptions = {}): Promise<RedisServer> {
  const binary = redisBinary();
  if (binary === undefined) throw new Error(process.env.CI ? `${NOT_INSTALLED}; CI must have it` : NOT_INSTALLED);
  const server = new TestRedis(binary, opts.host ?? '127.0.0.1', opts.appendOnly === true);
  try {
    // The probed port may be taken between the probe and redis-server's bind.
    for (let attempt = 1; ; attempt++) {
      const port = await freePort(server.host);
      try {
        await server.launch(port);
        return server;
      } catch (err) {
        if (attempt >= PORT_ATTEMPTS || !/Address already in use/i.test((err as Error).message)) throw err;
      }
    }
  } catch (err) {
    await server.stop();
    throw err;
  }
}

const live = new Set<TestRedis>();
process.once('exit', () => {
  for (const server of live) server.killNow();
});

class TestRedis implements RedisServer {
  readonly host: string;
  readonly dir: string;
  readonly #binary: string;
  readonly #appendOnly: boolean;
  readonly #log: string;
  #port = 0;
  #pid = 0;
  #proc: ChildProcess | null = null;
  #stopping: Promise<void> | null = null;

  constructor(binary: string, host: string, appendOnly: boolean) {
    this.#binary = binary;
    this.host = host;
    this.#appendOnly = appendOnly;
    this.dir = mkdtempSync(join(tmpdir(), 'gh-redis-'));
    this.#log = join(this.dir, 'redis.log');
    live.add(this);
  }

  get port(): number {
    return this.#port;
  }

  get url(): string {
    return `redis://${this.host.includes(':') ? `[${this.host}]` : this.host}:${this.#port}`;
  }

  get pid(): number {
    return this.#pid;
  }

  #args(port: number): string[] {
    return [
      '--port', String(port),
      '--bind', this.host,
      '--dir', this.dir,
      '--logfile', this.#log,
      '--save', '',
      '--appendonly', this.#appendOnly ? 'yes' : 'no',
      '--appendfsync', 'everysec',
      '--daemonize', 'no',
      ...(isLoopback(this.host) ? [] : ['--protected-mode', 'no']),
    ];
  }

  /** Starts the process on port and waits until it (not another server on the port) answers. */
  async launch(port: number): Promise<void> {
    this.#port = port;
    const logFrom = existsSync(this.#log) ? statSync(this.#log).size : 0;
    let output = '';
    let spawnError: Error | undefined;
    const child = spawn(this.#binary, this.#args(port), { stdio: ['ignore', 'pipe', 'pipe'] });
    const keep = (chunk: Buffer): void => {
      output = (output + chunk.toString('utf8')).slice(-4000);
    };
    child.stdout!.on('data', keep);
    child.stderr!.on('data', keep);
    child.once('error', (err) => {
      spawnError = err;
    });
    this.#proc = child;
    if (child.pid !== undefined) this.#pid = child.pid;
    // Until the process has gone: what it printed before its log file opened, and the log since this start.
    const why = (what: string): Error =>
      new Error(`redis-server ${this.#binary} on ${this.host}:${port} ${what}\n${output.trim() === '' ? '' : `${output.trim()}\n`}--- the end of ${this.#log} ---\n${this.#logTail(logFrom)}`);

    const deadline = Date.now() + READY_TIMEOUT_MS;
    for (;;) {
      if (spawnError) {
        this.#proc = null;
        throw why(`could not start: ${spawnError.message}`);
      }
      if (child.exitCode !== null || child.signalCode !== null) {
        this.#proc = null;
        throw why(`exited at start (${child.exitCode ?? child.signalCode})`);
      }
      try {
        const info = await redisCommand(this.host, port, ['INFO', 'server'], PROBE_TIMEOUT_MS);
        // Another server on the port: ours is about to exit with "Address already in use".
        if (Number(/^process_id:(\d+)/m.exec(info)?.[1]) === child.pid) return;
      } catch {
        /* not listening yet */
      }
      if (Date.now() >= deadline) {
        await this.#halt();
        throw why(`did not answer within ${READY_TIMEOUT_MS} ms`);
      }
      await sleep(25);
    }
  }

  #logTail(from: number): string {
    if (!existsSync(this.#log)) return '(no log)';
    const fd = openSync(this.#log, 'r');
    try {
      const size = statSync(this.#log).size;
      const buf = Buffer.alloc(Math.max(0, size - from));
      readSync(fd, buf, 0, buf.length, from);
      return buf.toString('utf8').trimEnd().split('\n').slice(-LOG_TAIL_LINES).join('\n') || '(empty)';
    } finally {
      closeSync(fd);
    }
  }

  /** SIGTERM (it writes the append-only file and exits), SIGKILL after STOP_GRACE_MS; resolves when it has exited. */
  async #halt(): Promise<void> {
    const child = this.#proc;
    this.#proc = null;
    if (child === null || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), STOP_GRACE_MS);
    await exited;
    clearTimeout(timer);
  }

  async restart(opts: { downMs?: number } = {}): Promise<void> {
    if (this.#stopping) throw new Error(`redis ${this.url}: restart() after stop()`);
    await this.#halt();
    if ((opts.downMs ?? 0) > 0) await sleep(opts.downMs);
    await this.launch(this.#port);
  }

  stop(): Promise<void> {
    this.#stopping ??= (async () => {
      const child = this.#proc;
      this.#proc = null;
      if (child !== null && child.exitCode === null && child.signalCode === null) {
        const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
        child.kill('SIGKILL');
        await exited;
      }
      rmSync(this.dir, { recursive: true, force: true });
      live.delete(this);
    })();
    return this.#stopping;
  }

  /** At process exit: synchronous, no waiting. */
  killNow(): void {
    this.#proc?.kill('SIGKILL');
    rmSync(this.dir, { recursive: true, force: true });
  }

  cli(...args: string[]): Promise<string> {
    return redisCommand(this.host, this.#port, args);
  }
}

function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\./.test(host);
}

/** A port free on host right now (the OS's pick for port 0). */
function freePort(host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, host, () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
}

class RedisErrorReply {
  constructor(readonly message: string) {}
}
type Reply = string | number | null | RedisErrorReply | Reply[];

/** One RESP2 reply from buf at `at`; undefined while it is incomplete. */
function parseReply(buf: Buffer, at: number): { value: Reply; end: number } | undefined {
  const nl = buf.indexOf('\r\n', at);
  if (nl === -1) return undefined;
  const head = buf.toString('utf8', at + 1, nl);
  const next = nl + 2;
  switch (String.fromCharCode(buf[at]!)) {
    case '+':
      return { value: head, end: next };
    case '-':
      return { value: new RedisErrorReply(head), end: next };
    case ':':
      return { value: Number(head), end: next };
    case '$': {
      const n = Number(head);
      if (n < 0) return { value: null, end: next };
      if (buf.length < next + n + 2) return undefined;
      return { value: buf.toString('utf8', next, next + n), end: next + n + 2 };
    }
    case '*': {
      const n = Number(head);
      if (n < 0) return { value: null, end: next };
      const items: Reply[] = [];
      let end = next;
      for (let i = 0; i < n; i++) {
        const item = parseReply(buf, end);
        if (item === undefined) return undefined;
        items.push(item.value);
        end = item.end;
      }
      return { value: items, end };
    }
    default:
      throw new Error(`not a RESP reply: ${JSON.stringify(buf.toString('utf8', at, at + 40))}`);
  }
}

function replyText(value: Reply): string {
  if (Array.isArray(value)) return value.map(replyText).join('\n');
  if (value instanceof RedisErrorReply) return `(error) ${value.message}`;
  return value === null ? '' : String(value);
}

/** Sends one command on a fresh connection; its reply as text. An error reply rejects with its message. */
export function redisCommand(host: string, port: number, args: readonly string[], timeoutMs = 3000): Promise<string> {
  const what = `redis ${host}:${port} ${args[0] ?? '(no command)'}`;
  return new Promise((resolve, reject) => {
    let received = Buffer.alloc(0);
    let settled = false;
    const socket = connect({ host, port });
    const finish = (err: Error | undefined, text?: string): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      if (err) reject(err);
      else resolve(text!);
    };
    const timer = setTimeout(() => finish(new Error(`${what}: no reply within ${timeoutMs} ms`)), timeoutMs);
    socket.once('connect', () => {
      socket.write(`*${args.length}\r\n${args.map((a) => `$${Buffer.byteLength(a)}\r\n${a}\r\n`).join('')}`);
    });
    socket.on('data', (chunk: Buffer) => {
      received = Buffer.concat([received, chunk]);
      let reply;
      try {
        reply = parseReply(received, 0);
      } catch (err) {
        finish(err as Error);
        return;
      }
      if (reply === undefined) return;
      if (reply.value instanceof RedisErrorReply) finish(new Error(`${what}: ${reply.value.message}`));
      else finish(undefined, replyText(reply.value));
    });
    socket.once('error', (err) => finish(new Error(`${what}: ${err.message}`)));
    socket.once('close', () => finish(new Error(`${what}: connection closed before the reply`)));
  });
}
