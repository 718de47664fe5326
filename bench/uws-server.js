// The raw uWebSockets.js baseline: one process, one App, every connection
// subscribed to one topic. "b …" from a client is published to all (uWS corks
// and fans out in C++: the best a JS-driven WebSocket server here can do);
// "p …" and "u …" are sent back to their sender (uWS has no uid index: a private
// message is a send to its socket); "j" subscribes to topic "bench", "g …" is
// published to it. "J <name>" subscribes to topic <name> and is answered
// "J ok"; "G <name> …" is published to topic <name> (app.publish reaches every
// subscriber, the sender too only if it subscribed): the group fan-out
// scenario. <name> ends at the next space; a J or G without one is ignored.
// Prints {"port","pid"} once listening.
import { createRequire } from 'node:module';

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

const port = Number(process.argv[2] ?? 0);
let published = 0;
const app = uws.App();
app.ws('/*', {
  compression: uws.DISABLED,
  maxPayloadLength: 4096,
  // The same bound per connection as gatehouse's default gateway.sendBufferSize.
  maxBackpressure: 1024 * 1024,
  idleTimeout: 0,
  open: (ws) => ws.subscribe('all'),
  message: (ws, message, isBinary) => {
    const first = new Uint8Array(message, 0, 1)[0];
    if (first === 0x62 /* b */) {
      app.publish('all', message, isBinary);
      published++;
    } else if (first === 0x70 /* p */ || first === 0x75 /* u */) ws.send(message, isBinary);
    else if (first === 0x6a /* j */) ws.subscribe('bench');
    else if (first === 0x67 /* g */) app.publish('bench', message, isBinary);
    else if (first === 0x4a /* J */ || first === 0x47 /* G */) {
      // A view, not a copy: uWS reuses `message` after this call returns, and nothing here keeps it.
      const name = groupName(Buffer.from(message));
      if (name === undefined) return;
      if (first === 0x4a) {
        ws.subscribe(name);
        ws.send('J ok', false);
      } else app.publish(name, message, isBinary);
    }
  },
});
app.listen('127.0.0.1', port, 1, (listenSocket) => {
  if (!listenSocket) {
    console.error(`cannot listen on 127.0.0.1:${port}`);
    process.exit(1);
  }
  process.stdout.write(`${JSON.stringify({ port: uws.us_socket_local_port(listenSocket), pid: process.pid })}\n`);
});
process.stdin.on('data', () => process.stdout.write(`${JSON.stringify({ published })}\n`));
process.stdin.on('end', () => {
  app.close();
  process.exit(0);
});
