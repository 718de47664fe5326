// The Socket.IO peer: what most Node users would pick instead of gatehouse,
// configured as its documentation recommends for speed — WebSocket transport
// only, compression off (permessage-deflate and HTTP compression), no client
// bundle served, bufferutil and utf-8-validate installed for its `ws` engine.
// Messages are "m" events with a string: "b …" goes to everyone
// (io.emit), "p …" and "u …" back to the sender, "j" joins the room "bench",
// "g …" goes to the room. "J <name>" joins the room <name> (socket.join) and is
// answered "J ok"; "G <name> …" goes to that room (io.to(name): its members,
// the sender only if it joined): the group fan-out scenario. <name> ends at
// the next space; a J or G without one is ignored. Prints {"port","pid","pids"}
// once listening; a line on stdin answers {"published","connections","perProcess"};
// stdin's end stops it.
//
// `--processes K` (default 1: one process, as above) runs K workers of Node's
// `cluster` module on the one port with the official cluster adapter, as
// Socket.IO's documentation "Using multiple nodes" / "Cluster adapter" shows:
// setupPrimary() in the primary, io.adapter(createAdapter()) in each worker
// (bench/lib/peer-cluster.js: the primary, the protocol, the stop). io.emit and
// io.to(room).emit then reach the clients of every worker: the adapter sends
// the packet to the primary, which forwards it to every other worker's adapter.
// No sticky sessions (@socket.io/sticky): the clients connect with the
// WebSocket transport only, so a client's whole session is one TCP connection,
// held by whichever worker cluster's round-robin handed it to; the HTTP
// long-polling transport (several requests per session) is what needs them.
// Rooms are per worker (socket.join where the socket is), as with any adapter.
// `published` counts a "b" where it was received, summed by the primary.
import cluster from 'node:cluster';
import { createServer } from 'node:http';
import { createAdapter, setupPrimary } from '@socket.io/cluster-adapter';
import { Server } from 'socket.io';
import { isPeerWorker, peerArgs, runPrimary, serveAs, workerPort } from './lib/peer-cluster.js';

/** The <name> of "J <name>" or "G <name> …", or undefined when it has none. */
function groupName(line) {
  if (line.charCodeAt(1) !== 0x20) return undefined;
  const end = line.indexOf(' ', 2);
  const name = end < 0 ? line.slice(2) : line.slice(2, end);
  return name === '' ? undefined : name;
}

const args = peerArgs();
if (args.processes > 1 && cluster.isPrimary) {
  // Forwards the adapters' packets between the workers.
  setupPrimary();
  // stdin and stdout are the primary's protocol, not the workers'.
  cluster.setupPrimary({ stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
  await runPrimary({
    ...args,
    cluster: true,
    fork: (env) => {
      const worker = cluster.fork(env);
      return { child: worker, pid: worker.process.pid };
    },
  });
} else serve();

function serve() {
  const port = isPeerWorker ? workerPort() : args.port;
  let published = 0;
  const http = createServer();
  const io = new Server(http, {
    transports: ['websocket'],
    perMessageDeflate: false,
    httpCompression: false,
    serveClient: false,
    maxHttpBufferSize: 4096,
  });
  if (isPeerWorker) io.adapter(createAdapter());
  io.on('connection', (socket) => {
    socket.on('m', (line) => {
      if (typeof line !== 'string' || line.length === 0) return;
      const first = line.charCodeAt(0);
      if (first === 0x62 /* b */) {
        io.emit('m', line);
        published++;
      } else if (first === 0x70 /* p */ || first === 0x75 /* u */) socket.emit('m', line);
      else if (first === 0x6a /* j */) socket.join('bench');
      else if (first === 0x67 /* g */) io.to('bench').emit('m', line);
      else if (first === 0x4a /* J */ || first === 0x47 /* G */) {
        const name = groupName(line);
        if (name === undefined) return;
        if (first === 0x4a) {
          socket.join(name);
          socket.emit('m', 'J ok');
        } else io.to(name).emit('m', line);
      }
    });
  });
  // The adapter carries every cross-process send: nothing to relay here.
  const peers = serveAs({ stats: () => ({ published, connections: io.engine.clientsCount }), stop: () => io.close(), onRelay: () => {} });
  http.listen(port, '127.0.0.1', () => peers.ready(http.address().port));
}
