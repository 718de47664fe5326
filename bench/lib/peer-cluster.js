// What the peer servers (bench/uws-server.js, ws-server.js, socketio-server.js)
// share to run as K processes on one port: `node bench/<peer>-server.js <port>
// [--processes K]`. With K = 1 (the default) the script is one process as
// before: it serves, prints {"port","pid","pids":[pid]} once listening,
// answers a line on stdin with {"published","connections","perProcess"} and
// stops at stdin's end. With K > 1 the process started is a primary that
// serves nothing itself: it starts K workers (Node's `cluster` for ws and
// Socket.IO, child_process.fork for uWS, which listens with SO_REUSEPORT on
// its own, so a port 0 becomes one free port the primary finds first; cluster
// workers all ask for the command line's port, even 0, and cluster's primary
// hands each the same listening socket), and keeps the same protocol on its stdin/stdout: the
// first line once every worker listens, with `pids` the primary and the
// workers (all of them are the server: the primary accepts the connections
// for cluster's round-robin and relays the cross-process sends); a stats line
// asks every worker and sums; stdin's end stops every worker, then itself.
// A worker exits when its IPC channel to the primary closes, so a primary
// killed with SIGKILL leaves no orphan; a worker that dies stops the rest.
//
// Messages on the IPC channels carry a `bench` key (the Socket.IO cluster
// adapter's own carry source "_sio_adapter", and each side ignores the other's):
//   worker → primary  {bench:'listening', port}
//   primary → worker  {bench:'stats', id}  → {bench:'stats', id, published, connections}
//   worker → primary  {bench:'relay', kind, name?, data, binary} → primary → every other worker
//   primary → worker  {bench:'stop'}
// The relay is for ws and uWS, which have no cross-process fan-out of their
// own: a worker that receives "b …", "g …" or "G <name> …" sends it to its own
// clients and relays it; the other workers send it to theirs.
import { createServer } from 'node:net';
import { createInterface } from 'node:readline';

/** The port and --processes K of argv (`<port> [--processes K]`). */
export function peerArgs(argv = process.argv.slice(2)) {
  let port = 0;
  let processes = 1;
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--processes') processes = Number(argv[++i]);
    else if (argv[i].startsWith('--processes=')) processes = Number(argv[i].slice('--processes='.length));
    else port = Number(argv[i]);
  }
  if (!Number.isInteger(processes) || processes < 1) throw new Error(`--processes must be a positive integer (got ${processes})`);
  if (!Number.isInteger(port) || port < 0) throw new Error(`the port must be a number (got ${port})`);
  return { port, processes };
}

/** A port free on 127.0.0.1 now (the kernel's choice for a port 0). */
function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/** Set in a worker's environment by the primary. */
export const isPeerWorker = process.env.BENCH_PEER_WORKER === '1';
/** A worker's port (the primary's choice), or the command line's. */
export const workerPort = () => Number(process.env.BENCH_PEER_PORT);

/**
 * The primary of K workers. `fork(env)` starts one worker with `env` added to its environment and returns
 * { child, pid }, `child` an EventEmitter with send(), 'message' and 'exit' (a cluster Worker or a ChildProcess).
 * `cluster`: the workers are Node cluster workers, which share the primary's socket for the port they ask for
 * (all ask for the same, even 0); otherwise each listens itself (SO_REUSEPORT) on the port, or one found free for 0.
 */
export async function runPrimary({ port, processes, fork, cluster = false }) {
  const workers = [];
  let stopping = false;
  const start = (i, p) =>
    new Promise((resolve, reject) => {
      const w = fork({ BENCH_PEER_WORKER: '1', BENCH_PEER_PORT: String(p), BENCH_PEER_INDEX: String(i) });
      workers[i] = w;
      w.child.on('message', (m) => {
        if (m?.bench === 'listening') resolve(m.port);
        else if (m?.bench === 'relay') {
          for (const other of workers) if (other !== w && other !== undefined) other.child.send(m);
        } else if (m?.bench === 'stats') w.onStats?.(m);
      });
      w.child.once('exit', (code, signal) => {
        w.exited = true;
        if (stopping) return;
        const why = `worker ${i} (pid ${w.pid}) exited with ${code ?? signal}`;
        console.error(why);
        reject(new Error(why));
        stopAll(1);
      });
    });
  const stopAll = async (code) => {
    if (stopping) return;
    stopping = true;
    const gone = workers.filter((w) => w && !w.exited).map((w) => new Promise((r) => (w.exited ? r() : w.child.once('exit', r))));
    for (const w of workers) if (w && !w.exited) w.child.send({ bench: 'stop' }, () => {});
    const timer = setTimeout(() => {
      for (const w of workers) if (w && !w.exited) process.kill(w.pid, 'SIGKILL');
    }, 3000);
    await Promise.all(gone);
    clearTimeout(timer);
    process.exit(code);
  };
  let actual;
  try {
    if (cluster) {
      const ports = await Promise.all(Array.from({ length: processes }, (_, i) => start(i, port)));
      if (new Set(ports).size !== 1) throw new Error(`the workers listen on different ports: ${ports.join(', ')}`);
      actual = ports[0];
    } else {
      // uSockets sets SO_REUSEPORT only on a listen to a given port: a port 0 is one chosen here first.
      const p = port !== 0 ? port : await freePort();
      const ports = await Promise.all(Array.from({ length: processes }, (_, i) => start(i, p)));
      actual = ports[0];
    }
  } catch (err) {
    if (!stopping) console.error(err.message);
    return stopAll(1);
  }
  process.stdout.write(`${JSON.stringify({ port: actual, pid: process.pid, pids: [process.pid, ...workers.map((w) => w.pid)] })}\n`);
  let nextId = 0;
  const ask = (w) =>
    new Promise((resolve) => {
      const id = nextId++;
      w.onStats = (m) => m.id === id && resolve(m);
      w.child.send({ bench: 'stats', id });
    });
  // One answer per line, in order, even when lines come faster than the workers answer.
  let queue = Promise.resolve();
  const lines = createInterface({ input: process.stdin });
  lines.on('line', () => {
    queue = queue.then(async () => {
      const each = await Promise.all(workers.map(ask));
      const published = each.reduce((n, s) => n + s.published, 0);
      const perProcess = each.map((s) => s.connections);
      const connections = perProcess.reduce((a, b) => a + b, 0);
      process.stdout.write(`${JSON.stringify({ published, connections, perProcess })}\n`);
    });
  });
  lines.on('close', () => queue.then(() => stopAll(0)));
}

/**
 * A serving process: a worker of the primary above, or (K = 1) the one process, speaking the protocol itself.
 * `stats()` returns {published, connections}; `stop()` closes the server; `onRelay(m)` sends a relayed message
 * to this process's clients. Returns { ready(port), relay(m) }: ready once listening; relay(m) hands a message
 * ({kind, name?, data, binary}) to the other workers (a no-op in the one process, where `relaying` is false).
 */
export function serveAs({ stats, stop, onRelay }) {
  if (!isPeerWorker) {
    return {
      ready(port) {
        process.stdout.write(`${JSON.stringify({ port, pid: process.pid, pids: [process.pid] })}\n`);
        process.stdin.on('data', () => {
          const s = stats();
          process.stdout.write(`${JSON.stringify({ published: s.published, connections: s.connections, perProcess: [s.connections] })}\n`);
        });
        process.stdin.on('end', () => {
          stop();
          process.exit(0);
        });
      },
      relay() {},
      relaying: false,
    };
  }
  process.on('message', (m) => {
    if (m?.bench === 'relay') onRelay(m);
    else if (m?.bench === 'stats') process.send({ bench: 'stats', id: m.id, ...stats() });
    else if (m?.bench === 'stop') {
      stop();
      process.exit(0);
    }
  });
  // The primary is gone (stopped, crashed or SIGKILLed): so is this worker.
  process.on('disconnect', () => process.exit(0));
  return {
    ready: (port) => process.send({ bench: 'listening', port }),
    relay: (m) => process.send({ bench: 'relay', ...m }),
    relaying: true,
  };
}
