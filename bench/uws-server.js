// The raw uWebSockets.js baseline: one App per process, every connection
// subscribed to one topic. "b …" from a client is published to all (uWS corks
// and fans out in C++: the best a JS-driven WebSocket server here can do);
// "p …" and "u …" are sent back to their sender (uWS has no uid index: a private
// message is a send to its socket); "j" subscribes to topic "bench", "g …" is
// published to it. "J <name>" subscribes to topic <name> and is answered
// "J ok"; "G <name> …" is published to topic <name> (app.publish reaches every
// subscriber, the sender too only if it subscribed): the group fan-out
// scenario. <name> ends at the next space; a J or G without one is ignored.
// Prints {"port","pid","pids"} once listening; a line on stdin answers
// {"published","connections","perProcess"}; stdin's end stops it.
//
// `--processes K` (default 1: one process listening with
// LIBUS_LISTEN_EXCLUSIVE_PORT, as before) runs K processes, each with its own
// App on the one port: uWS's own way to use more cores is one App per thread or
// process, and on Linux it listens with SO_REUSEPORT unless told otherwise
// (LIBUS_LISTEN_DEFAULT), so the kernel spreads the connections over the K
// listening sockets by a hash of the 4-tuple, and nothing accepts on their
// behalf. The process started is a primary that serves nothing: it forks the
// K with child_process.fork (an IPC channel each; bench/lib/peer-cluster.js),
// all on the one port (for a port 0, one it finds free: uSockets sets
// SO_REUSEPORT only when it is given a port). uWS topics are per App, so a "b …",
// "g …" or "G <name> …" a worker receives is published in its App as above and
// relayed over IPC (process.send → the primary → child.send to every other
// worker), each of which publishes it to the same topic in its own App: every
// subscriber of every process gets it once. "J"/"j" subscribe in the App
// holding the socket; "p"/"u" stay local; `published` counts a "b" where it
// was received, summed by the primary. The relay is the simplest honest design:
// one hop through the primary per message and process, the cost a Node
// deployment of uWS without a broker would pay.
import { fork } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { isPeerWorker, peerArgs, runPrimary, serveAs, workerPort } from './lib/peer-cluster.js';

const require = createRequire(import.meta.url);
const dir = require.resolve('uWebSockets.js/package.json').replace(/package\.json$/, '');
// The binary itself: the package's entry would silently fall back to a ws-based imitation.
const uws = require(`${dir}binaries/uws_${process.platform}_${process.arch}_${process.versions.modules}.node`);

/** The <name> of "J <name>" or "G <name> …" (bytes of a message), or undefined when it has none. */
function groupName(bytes) {
  if (bytes.length < 3 || bytes[1] !== 0x20) return undefined;
  const end = bytes.indexOf(0x20, 2);
  const name = bytes.toString('utf8', 2, end < 0 ? bytes.length : end);
  return name === '' ? undefined : name;
}

const args = peerArgs();
if (args.processes > 1 && !isPeerWorker) {
  await runPrimary({
    ...args,
    fork: (env) => {
      // Buffers as Buffers on the IPC channel (the default JSON would spell every byte out); stdin and stdout are
      // the primary's protocol, not the workers'.
      const child = fork(fileURLToPath(import.meta.url), [], { env: { ...process.env, ...env }, serialization: 'advanced', stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
      return { child, pid: child.pid };
    },
  });
} else serve();

function serve() {
  const port = isPeerWorker ? workerPort() : args.port;
  let published = 0;
  let connections = 0;
  const app = uws.App();
  /** A copy for the other processes: uWS reuses `message` once the handler returns. */
  const relay = (kind, name, message, binary) => {
    if (peers.relaying) peers.relay({ kind, name, data: Buffer.from(new Uint8Array(message)), binary });
  };
  const peers = serveAs({
    stats: () => ({ published, connections }),
    stop: () => app.close(),
    // Another worker's "b", "g" or "G <name>", to this App's subscribers of that topic.
    onRelay: ({ kind, name, data, binary }) => app.publish(kind === 'b' ? 'all' : kind === 'g' ? 'bench' : name, data, binary),
  });
  app.ws('/*', {
    compression: uws.DISABLED,
    maxPayloadLength: 4096,
    // The same bound per connection as gatehouse's default gateway.sendBufferSize.
    maxBackpressure: 1024 * 1024,
    idleTimeout: 0,
    open: (ws) => {
      connections++;
      ws.subscribe('all');
    },
    close: () => connections--,
    message: (ws, message, isBinary) => {
      const first = new Uint8Array(message, 0, 1)[0];
      if (first === 0x62 /* b */) {
        app.publish('all', message, isBinary);
        relay('b', undefined, message, isBinary);
        published++;
      } else if (first === 0x70 /* p */ || first === 0x75 /* u */) ws.send(message, isBinary);
      else if (first === 0x6a /* j */) ws.subscribe('bench');
      else if (first === 0x67 /* g */) {
        app.publish('bench', message, isBinary);
        relay('g', undefined, message, isBinary);
      } else if (first === 0x4a /* J */ || first === 0x47 /* G */) {
        // A view, not a copy: uWS reuses `message` after this call returns, and nothing here keeps it.
        const name = groupName(Buffer.from(message));
        if (name === undefined) return;
        if (first === 0x4a) {
          ws.subscribe(name);
          ws.send('J ok', false);
        } else {
          app.publish(name, message, isBinary);
          relay('G', name, message, isBinary);
        }
      }
    },
  });
  // One process: the port to itself, as before; K: SO_REUSEPORT, shared with the other workers.
  app.listen('127.0.0.1', port, isPeerWorker ? 0 /* LIBUS_LISTEN_DEFAULT */ : 1 /* LIBUS_LISTEN_EXCLUSIVE_PORT */, (listenSocket) => {
    if (!listenSocket) {
      console.error(`cannot listen on 127.0.0.1:${port}`);
      process.exit(1);
    }
    peers.ready(uws.us_socket_local_port(listenSocket));
  });
}
