// The Socket.IO peer: what most Node users would pick instead of gatehouse,
// configured as its documentation recommends for speed — WebSocket transport
// only, compression off (permessage-deflate and HTTP compression), no client
// bundle served, bufferutil and utf-8-validate installed for its `ws` engine.
// One process. Messages are "m" events with a string: "b …" goes to everyone
// (io.emit), "p …" and "u …" back to the sender, "j" joins the room "bench",
// "g …" goes to the room. "J <name>" joins the room <name> (socket.join) and is
// answered "J ok"; "G <name> …" goes to that room (io.to(name): its members,
// the sender only if it joined): the group fan-out scenario. <name> ends at
// the next space; a J or G without one is ignored. Prints {"port","pid"} once listening; a line on
// stdin answers {"published"}; stdin's end stops it.
import { createServer } from 'node:http';
import { Server } from 'socket.io';

/** The <name> of "J <name>" or "G <name> …", or undefined when it has none. */
function groupName(line) {
  if (line.charCodeAt(1) !== 0x20) return undefined;
  const end = line.indexOf(' ', 2);
  const name = end < 0 ? line.slice(2) : line.slice(2, end);
  return name === '' ? undefined : name;
}

const port = Number(process.argv[2] ?? 0);
let published = 0;
const http = createServer();
const io = new Server(http, {
  transports: ['websocket'],
  perMessageDeflate: false,
  httpCompression: false,
  serveClient: false,
  maxHttpBufferSize: 4096,
});
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
http.listen(port, '127.0.0.1', () => process.stdout.write(`${JSON.stringify({ port: http.address().port, pid: process.pid })}\n`));
process.stdin.on('data', () => process.stdout.write(`${JSON.stringify({ published })}\n`));
process.stdin.on('end', () => {
  io.close();
  process.exit(0);
});
