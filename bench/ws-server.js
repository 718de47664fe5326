// The `ws` peer: what a Node user writes with the most used WebSocket library,
// configured as its README recommends for speed (no permessage-deflate, the
// bufferutil and utf-8-validate addons installed). One process. "b …" goes to
// every client (ws has no topics: a loop over wss.clients with send(), as its
// README broadcasts), "p …" and "u …" back to their sender, "j" joins the
// group, "g …" goes to the group. Prints
// {"port","pid"} once listening; a line on stdin answers {"published"};
// stdin's end stops it.
import { WebSocketServer } from 'ws';

const port = Number(process.argv[2] ?? 0);
const group = new Set();
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
  });
  ws.on('close', () => group.delete(ws));
  ws.on('error', () => {});
});
wss.on('listening', () => process.stdout.write(`${JSON.stringify({ port: wss.address().port, pid: process.pid })}\n`));
process.stdin.on('data', () => process.stdout.write(`${JSON.stringify({ published })}\n`));
process.stdin.on('end', () => {
  wss.close();
  process.exit(0);
});
