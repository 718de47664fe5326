// The `ws` peer: what a Node user writes with the most used WebSocket library,
// configured as its README recommends for speed (no permessage-deflate, the
// bufferutil and utf-8-validate addons installed). One process. "b …" goes to
// every client (ws has no topics: a loop over wss.clients with send(), as its
// README broadcasts), "p …" and "u …" back to their sender, "j" joins the
// group, "g …" goes to the group. "J <name>" joins the group <name> and is
// answered "J ok"; "G <name> …" goes to that group's members (the sender only if
// it joined): the group fan-out scenario. Groups are a Map of name → Set of
// sockets, a socket leaving all of its groups when it closes, a group removed
// when its last member leaves. <name> ends at the next space; a J or G without
// one is ignored. Prints
// {"port","pid"} once listening; a line on stdin answers {"published"};
// stdin's end stops it.
import { WebSocketServer } from 'ws';

const port = Number(process.argv[2] ?? 0);
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
      published++;
    } else if (first === 0x70 /* p */ || first === 0x75 /* u */) ws.send(data, { binary: isBinary });
    else if (first === 0x6a /* j */) group.add(ws);
    else if (first === 0x67 /* g */) for (const member of group) member.send(data, { binary: isBinary });
    else if (first === 0x4a /* J */ || first === 0x47 /* G */) {
      const name = groupName(data);
      if (name === undefined) return;
      if (first === 0x4a) {
        join(ws, name);
        ws.send('J ok');
      } else for (const member of groups.get(name) ?? []) member.send(data, { binary: isBinary });
    }
  });
  ws.on('close', () => {
    group.delete(ws);
    leaveAll(ws);
  });
  ws.on('error', () => {});
});
wss.on('listening', () => process.stdout.write(`${JSON.stringify({ port: wss.address().port, pid: process.pid })}\n`));
process.stdin.on('data', () => process.stdout.write(`${JSON.stringify({ published })}\n`));
process.stdin.on('end', () => {
  wss.close();
  process.exit(0);
});
