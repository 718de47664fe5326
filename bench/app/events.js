// The benchmark's app: "b …" is broadcast to every client (sendToAll), "p …" is
// answered to its sender (the chat round trip); nothing else is done per event,
// so what is measured is the gateway and the link, not the handler.
import { Gateway } from 'gatehouse';

function text(message) {
  return typeof message === 'string' ? message : Buffer.from(message).toString('utf8');
}

export default {
  onMessage(_clientId, message) {
    const line = text(message);
    if (line.charCodeAt(0) === 0x62) Gateway.sendToAll(line);
    else if (line.charCodeAt(0) === 0x70) Gateway.sendToCurrentClient(line);
  },
};
