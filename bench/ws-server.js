// The `ws` peer: what a Node user writes with the most used WebSocket library,
// configured as its README recommends for speed (no permessage-deflate, the
// bufferutil and utf-8-validate addons installed). "b …" goes to
// every client (ws has no topics: a loop over wss.clients with send(), as its
// README broadcasts), "p …" and "u …" back to their sender, "j" joins the
// group, "g …" goes to the group. "J <name>" joins the group <name> and is
// answered "J ok"; "G <name> …" goes to that group's members (the sender only if
// it joined): the group fan-out scenario. Groups are a Map of name → Set of
// sockets, a socket leaving all of its groups when it closes, a group removed
// when its last member leaves. <name> ends at the next space; a J or G without
// one is ignored. Prints {"port","pid","pids"} once listening; a line on stdin
// answers {"published","connections","perProcess"}; stdin's end stops it.
//
// `--processes K` (default 1: one process, as above) runs K workers of Node's
// `cluster` module on the one port, as ws's README points to for using more
// than one core (bench/lib/peer-cluster.js: the primary, the protocol, the
// stop). Cluster's default policy on Linux is round-robin: the primary accepts
// every connection and hands it to a worker. ws has no cross-process fan-out,
// so a worker that receives "b …", "g …" or "G <name> …" sends it to its own
// clients (or group members) as above and relays it over IPC (process.send →
// the primary → worker.send to every other worker), and each of those sends it
// to its own clients or members of that group: every client of every process
// gets a broadcast once, every member of a group once. Groups are per process
// (a J is answered by the worker holding the socket); "p"/"u" stay local.
// `published` counts a "b" where it was received, summed by the primary.
import cluster from 'node:cluster';
import { WebSocketServer } from 'ws';
import { isPeerWorker, peerArgs, runPrimary, serveAs, workerPort } from './lib/peer-cluster.js';

const args = peerArgs();
if (args.processes > 1 && cluster.isPrimary) {
  // Buffers as Buffers on the IPC channels (the default JSON would spell every byte out); stdin and stdout are the
  // primary's protocol, not the workers'.
  cluster.setupPrimary({ serialization: 'advanced', stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
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
  const group = new Set();
  /** Named groups ("J <name>"), and the names each socket joined (to leave them on close). */
  const groups = new Map();
  const joined = new WeakMap();

  /** The <name> of "J <name>" or "G <name> …" (a Buffer), or undefined when it has none. */
  function groupName(data) {
    if (data.length < 3 || data[1] !== 0x20) return undefined;
    const end = data.indexOf(0x20, 2);
    const name = data.toString('utf8', 2, end < 0 ? data.length : end);
    return name === '' ? undefined : name;
  }

  function join(ws, name) {
    let members = groups.get(name);
    if (members === undefined) groups.set(name, (members = new Set()));
    members.add(ws);
    let names = joined.get(ws);
    if (names === undefined) joined.set(ws, (names = new Set()));
    names.add(name);
  }

  function leaveAll(ws) {
    for (const name of joined.get(ws) ?? []) {
      const members = groups.get(name);
      members.delete(ws);
      if (members.size === 0) groups.delete(name);
    }
    joined.delete(ws);
  }
  let published = 0;
  const wss = new WebSocketServer({ host: '127.0.0.1', port, perMessageDeflate: false, maxPayload: 4096 });
  wss.on('connection', (ws) => {
    ws.on('message', (data, isBinary) => {
      const first = data[0];
      if (first === 0x62 /* b */) {
        for (const client of wss.clients) client.send(data, { binary: isBinary });
        peers.relay({ kind: 'b', data, binary: isBinary });
        published++;
      } else if (first === 0x70 /* p */ || first === 0x75 /* u */) ws.send(data, { binary: isBinary });
      else if (first === 0x6a /* j */) group.add(ws);
      else if (first === 0x67 /* g */) {
        for (const member of group) member.send(data, { binary: isBinary });
        peers.relay({ kind: 'g', data, binary: isBinary });
      } else if (first === 0x4a /* J */ || first === 0x47 /* G */) {
        const name = groupName(data);
        if (name === undefined) return;
        if (first === 0x4a) {
          join(ws, name);
          ws.send('J ok');
        } else {
          for (const member of groups.get(name) ?? []) member.send(data, { binary: isBinary });
          peers.relay({ kind: 'G', name, data, binary: isBinary });
        }
      }
    });
    ws.on('close', () => {
      group.delete(ws);
      leaveAll(ws);
    });
    ws.on('error', () => {});
  });
  /** Another worker's "b", "g" or "G <name>", to this worker's clients. */
  function onRelay({ kind, name, data, binary }) {
    const to = kind === 'b' ? wss.clients : kind === 'g' ? group : (groups.get(name) ?? []);
    for (const client of to) client.send(data, { binary });
  }
  const peers = serveAs({ stats: () => ({ published, connections: wss.clients.size }), stop: () => wss.close(), onRelay });
  wss.on('listening', () => peers.ready(wss.address().port));
}
