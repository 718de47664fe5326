// The servers under test: the real gatehouse process tree (supervisor, one or
// more gateways, one business worker) with either engine, and the raw
// uWebSockets.js baseline (bench/uws-server.js). Each has `pids`, the server
// processes whose memory and CPU count as the server's, and stats(), its
// counters summed over them.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { sleep } from './proc.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const CLI = join(ROOT, 'dist/src/cli/main.js');
const APP = join(ROOT, 'bench/app');
/** A package's version as installed (its package.json), or null when it is not. */
function installed(name) {
  try {
    return JSON.parse(readFileSync(join(ROOT, 'node_modules', name, 'package.json'), 'utf8')).version;
  } catch {
    return null;
  }
}

/**
 * The peers: minimal servers of the libraries users would pick instead, one or more processes each (--processes);
 * `loaderProto` is what the load generator speaks to them; `config(K)` how they are configured, for the results.
 */
const PEERS = {
  uws: {
    script: join(ROOT, 'bench/uws-server.js'),
    loaderProto: 'websocket',
    config: (processes) => ({
      library: 'uWebSockets.js',
      // The package is the unofficial npm build (package.json: "uWebSockets.js": "npm:@trufflesuite/uws-js-unofficial@…").
      version: installed('uWebSockets.js'),
      binary: `uws_${process.platform}_${process.arch}_${process.versions.modules}.node`,
      processes,
      compression: false,
      maxPayloadLength: 4096,
      maxBackpressure: 1024 * 1024,
      listen: processes > 1 ? 'SO_REUSEPORT (LIBUS_LISTEN_DEFAULT), one App per process' : 'LIBUS_LISTEN_EXCLUSIVE_PORT',
      crossProcess: processes > 1 ? 'relayed over child_process IPC through the primary' : null,
    }),
  },
  ws: {
    script: join(ROOT, 'bench/ws-server.js'),
    loaderProto: 'websocket',
    config: (processes) => ({
      library: 'ws',
      version: installed('ws'),
      bufferutil: installed('bufferutil'),
      utf8Validate: installed('utf-8-validate'),
      processes,
      perMessageDeflate: false,
      maxPayload: 4096,
      cluster: processes > 1 ? 'node:cluster, default scheduling (round-robin on Linux)' : null,
      crossProcess: processes > 1 ? 'relayed over cluster IPC through the primary' : null,
    }),
  },
  socketio: {
    script: join(ROOT, 'bench/socketio-server.js'),
    loaderProto: 'socketio',
    config: (processes) => ({
      library: 'socket.io',
      version: installed('socket.io'),
      engine: 'ws',
      wsVersion: installed('ws'),
      bufferutil: installed('bufferutil'),
      utf8Validate: installed('utf-8-validate'),
      processes,
      transports: ['websocket'],
      perMessageDeflate: false,
      httpCompression: false,
      serveClient: false,
      maxHttpBufferSize: 4096,
      cluster: processes > 1 ? 'node:cluster, default scheduling (round-robin on Linux), no sticky sessions (WebSocket only)' : null,
      adapter: processes > 1 ? '@socket.io/cluster-adapter' : 'in-memory (socket.io-adapter)',
      adapterVersion: processes > 1 ? installed('@socket.io/cluster-adapter') : installed('socket.io-adapter'),
    }),
  },
};
export const PEER_NAMES = Object.keys(PEERS);

function run(args, env, ms) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), ms);
    child.on('exit', (code) => {
      clearTimeout(timer);
      if (code === 0) resolve(out);
      else {
        // The fatal line of the log (e.g. why the native engine is not available) says more than the CLI's summary.
        const fatal = /"level":60,.*?"msg":"((?:[^"\\]|\\.)*)"/.exec(out)?.[1];
        reject(new Error(`gatehouse ${args[0]} exited with ${code}: ${fatal ? JSON.parse(`"${fatal}"`) : out.trim()}`));
      }
    });
  });
}

/** The environment without the caller's GATEHOUSE_* settings, so only the bench's own apply. */
function cleanEnv(extra) {
  const env = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('GATEHOUSE_') && k !== 'UWS_USE_FALLBACK') env[k] = v;
  return { ...env, ...extra };
}

export class GatehouseTarget {
  /**
   * `app`: the app directory (default bench/app); with one listener, `protocol` and `port` set it.
   * `sets` (KEY=VALUE for --set) instead set its listeners themselves (the chat demo has two).
   * `gateways`: gateway processes (gateway.count); gateway i serves its /stats on opsPort + i.
   */
  constructor({ engine, protocol, port, opsPort, threads, app = APP, sets, gateways = 1 }) {
    this.name = engine;
    this.engine = engine;
    this.protocol = protocol;
    this.port = port;
    this.opsPort = opsPort;
    this.runDir = mkdtempSync(join(tmpdir(), 'gh-bench-'));
    // Explicit either way: the default ('auto') would pick native whenever the addon loads.
    this.env = cleanEnv({ GATEHOUSE_ENGINE: engine });
    this.args = sets
      ? [app, '--run-dir', this.runDir, '--set', `gateway.opsPort=${opsPort}`, ...sets.flatMap((kv) => ['--set', kv])]
      : [app, '--run-dir', this.runDir, '--set', `listeners.0.protocol=${protocol}`, '--set', `listeners.0.port=${port}`, '--set', `gateway.opsPort=${opsPort}`];
    this.gateways = gateways;
    if (gateways !== 1) this.args.push('--set', `gateway.count=${gateways}`);
    // The app's config runs one pool thread; the worker-tier bench varies it.
    if (threads !== undefined) this.args.push('--set', `worker.threads=${threads}`);
    this.threads = threads ?? 1;
    /** Several gateways: like a multi-process peer (PeerTarget.unboundedRelay), the windowed broadcast phase cannot close its loop. */
    this.unboundedRelay = gateways > 1;
    /** What the results record about this server's configuration. */
    this.config = { library: 'gatehousejs', engine, gateways, workerThreads: this.threads, protocol: sets ? 'per the app' : protocol };
  }

  async start() {
    try {
      await run(['start', ...this.args, '-d'], this.env, 30_000);
    } catch (err) {
      // A start that fails stops whatever it started (docs/cli.md); only the run directory is left.
      rmSync(this.runDir, { recursive: true, force: true });
      throw err;
    }
    this.pids = [];
    for (let i = 0; i < this.gateways; i++) this.pids.push(Number(readFileSync(join(this.runDir, `gateway-${i}.pid`), 'utf8').trim()));
    this.pid = this.pids[0];
    this.workerPid = Number(readFileSync(join(this.runDir, 'worker-0.pid'), 'utf8').trim());
    const engines = (await this.#statsEach()).map((s) => s.engine);
    if (engines.some((e) => e !== this.engine)) {
      await this.stop();
      throw new Error(`asked for the ${this.engine} engine, the gateways run ${[...new Set(engines)].join(', ')}`);
    }
  }

  async #statsEach() {
    return Promise.all(
      this.pids.map(async (_, i) => {
        const r = await fetch(`http://127.0.0.1:${this.opsPort + i}/stats`);
        if (r.status !== 200) throw new Error(`gateway ${i}'s /stats answered ${r.status}`);
        return r.json();
      }),
    );
  }

  /** The gateways' counters, from their operations endpoints: numbers summed, the rest as gateway 0 has it. */
  async stats() {
    const each = await this.#statsEach();
    const total = { ...each[0] };
    for (const s of each.slice(1)) {
      for (const [k, v] of Object.entries(s)) if (typeof v === 'number' && typeof total[k] === 'number') total[k] += v;
    }
    total.perGateway = each.map((s) => s.connections);
    return total;
  }

  /** Synchronous, for a bench that is exiting now. */
  stopNow() {
    spawnSync(process.execPath, [CLI, 'stop', ...this.args], { env: this.env, stdio: 'ignore', timeout: 15_000 });
    rmSync(this.runDir, { recursive: true, force: true });
  }

  async stop() {
    try {
      await run(['stop', ...this.args], this.env, 30_000);
    } finally {
      rmSync(this.runDir, { recursive: true, force: true });
    }
  }
}

/**
 * A peer server (uWebSockets.js, ws, Socket.IO): bench/<name>-server.js, `processes` server processes (default 1:
 * one; more: a primary and that many workers on the one port, bench/lib/peer-cluster.js). `config` says how the
 * peer is configured, for the results.
 */
export class PeerTarget {
  constructor({ name, port, processes = 1 }) {
    if (!Number.isInteger(processes) || processes < 1) throw new Error(`processes must be a positive integer (got ${processes})`);
    this.name = name;
    this.engine = name;
    this.protocol = 'websocket';
    this.loaderProto = PEERS[name].loaderProto;
    this.script = PEERS[name].script;
    this.port = port;
    this.processes = processes;
    this.config = PEERS[name].config(processes);
    /**
     * Across processes a peer delivers to its own clients first and relays to the others without backpressure
     * (ws and uWS through the primary, Socket.IO's cluster adapter too): a client keeping broadcasts
     * outstanding gets its own copies back at its process's pace while the other processes' queues grow
     * without bound (seen: a ws run at 100,000 still writing minutes after its window). gatehouse with several
     * gateways is alike (the worker's command reaches every gateway; the sender's copy comes from its own).
     * The windowed broadcast phase is skipped then; the one-off broadcasts measure every server alike.
     */
    this.unboundedRelay = processes > 1;
  }

  async start() {
    // Its own session, like the gatehouse daemon (`start -d`): with autogroup scheduling, a server sharing the
    // bench's session would share its CPU with the load generators, and the gateway does not.
    const args = [this.script, String(this.port)];
    if (this.processes !== 1) args.push('--processes', String(this.processes));
    this.child = spawn(process.execPath, args, { stdio: ['pipe', 'pipe', 'inherit'], detached: true });
    this.lines = createInterface({ input: this.child.stdout });
    const first = await new Promise((resolve, reject) => {
      this.lines.once('line', (l) => resolve(JSON.parse(l)));
      this.child.once('exit', (code) => reject(new Error(`${this.name}-server exited with ${code}`)));
    });
    // With K processes: the primary (it accepts for cluster's round-robin and relays) and the K workers.
    this.pids = Array.isArray(first.pids) && first.pids.length > 0 ? first.pids : [first.pid];
    this.pid = this.pids[0];
    this.workerPid = null;
  }

  /** The workers exit when their IPC channel to the primary closes, so a SIGKILLed primary leaves none behind. */
  stopNow() {
    this.child?.kill('SIGKILL');
    // A worker busy with a backlog notices its primary's end only when its event loop gets to it.
    for (const pid of this.pids ?? []) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {}
    }
  }

  /**
   * {published, connections, perProcess}, summed over the processes by the primary; {} after `ms` when the
   * workers are too busy to answer (the late answer is then discarded, not taken for the next question's).
   */
  async stats(ms = 5000) {
    if (!this.waiting) {
      this.waiting = [];
      this.lines.on('line', (l) => this.waiting.shift()?.(JSON.parse(l)));
    }
    return new Promise((resolve) => {
      let answered = false;
      this.waiting.push((answer) => {
        if (!answered) resolve(answer);
        answered = true;
      });
      setTimeout(() => {
        if (!answered) resolve({ statsTimedOut: true });
        answered = true;
      }, ms).unref();
      this.child.stdin.write('stats\n');
    });
  }

  async stop() {
    if (this.child.exitCode !== null) return;
    const gone = new Promise((r) => this.child.once('exit', r));
    this.child.stdin.end();
    await Promise.race([gone, sleep(3000)]);
    this.stopNow();
  }
}
