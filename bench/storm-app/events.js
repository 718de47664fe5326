// The connect-storm bench's app (bench/storm.js), the same as the e2e test's
// fixture (test/fixtures/apps/storm.ts): a welcome line on connect, "b …"
// broadcast to every client, and "p …" lines echoed to their sender (the
// open clients whose round trip the bench times during the storm).
import { Gateway } from 'gatehousejs';

export default {
  onConnect(clientId) {
    Gateway.sendToCurrentClient(`welcome ${clientId}`);
  },
  onMessage(_clientId, message) {
    const line = typeof message === 'string' ? message : Buffer.from(message).toString('utf8');
    if (line.startsWith('b ')) Gateway.sendToAll(line);
    else if (line.startsWith('p ')) Gateway.sendToCurrentClient(line);
  },
};
