// The chat demo's login and private line, served by one node:net process with
// no worker tier: the floor a Node server reaches for the same protocol
// (bench/chat.js runs it beside gatehouse). A client's first line is its
// nickname; "to:text" goes to the client logged in as `to` as
// "<nick> (private): text", and "(to <to>): text" back to the sender.
// Prints {"port":N,"pid":P} once listening; ends when stdin closes.
import { createServer } from 'node:net';

const byNick = new Map();
const server = createServer((socket) => {
  socket.setNoDelay(true);
  let nick = null;
  let buffered = '';
  socket.write('Welcome! Enter your nickname:\n');
  socket.on('data', (chunk) => {
    buffered += chunk.toString('utf8');
    let nl;
    while ((nl = buffered.indexOf('\n')) >= 0) {
      const line = buffered.slice(0, nl);
      buffered = buffered.slice(nl + 1);
      if (nick === null) {
        nick = line.trim();
        byNick.set(nick, socket);
        socket.write(`Hello ${nick}\n`);
        continue;
      }
      const colon = line.indexOf(':');
      const to = colon > 0 ? byNick.get(line.slice(0, colon)) : undefined;
      if (to === undefined) continue;
      const text = line.slice(colon + 1);
      to.write(`${nick} (private): ${text}\n`);
      socket.write(`(to ${line.slice(0, colon)}): ${text}\n`);
    }
  });
  socket.on('close', () => nick !== null && byNick.get(nick) === socket && byNick.delete(nick));
  socket.on('error', () => {});
});
server.listen(Number(process.argv[2] ?? 0), '127.0.0.1', () => {
  process.stdout.write(`${JSON.stringify({ port: server.address().port, pid: process.pid })}\n`);
});
process.stdin.on('data', () => {});
process.stdin.on('end', () => process.exit(0));
