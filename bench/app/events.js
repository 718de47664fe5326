// The benchmark's app: "b …" is broadcast to every client (sendToAll), "p …" is
// answered to its sender (the chat round trip), "s …" too after writing the
// session (an app that keeps state per message: one Session patch per event,
// bench/session-writes.js); nothing else is done per event, so what is
// measured is the gateway and the link, not the handler.
import { Gateway } from 'gatehouse';

function text(message) {
  return typeof message === 'string' ? message : Buffer.from(message).toString('utf8');
}

export default {
  onMessage(_clientId, message, ctx) {
    const line = text(message);
    const c = line.charCodeAt(0);
    if (c === 0x62) Gateway.sendToAll(line);
    else if (c === 0x70) Gateway.sendToCurrentClient(line);
    else if (c === 0x73) {
      ctx.session.messages = (ctx.session.messages ?? 0) + 1;
      ctx.session.last = line.length;
      Gateway.sendToCurrentClient(line);
    }
  },
};
