// The benchmark's app; nothing else is done per event, so what is measured is
// the gateway, the link and the worker tier, not the handler:
//   b …  broadcast to every client (sendToAll)
//   p …  answered to its sender (sendToCurrentClient: the chat round trip)
//   s …  the same after writing the session (an app that keeps state per message:
//        one Session patch per event, bench/session-writes.js)
//   u …  a private message through the uid index (sendToUid to the sender's own uid, bound at its first u)
//   j    join the group "bench";  g …  sent to the group (sendToGroup; the sender, a member, gets its copy)
import { Gateway } from 'gatehousejs';

function text(message) {
  return typeof message === 'string' ? message : Buffer.from(message).toString('utf8');
}

export default {
  onMessage(clientId, message, ctx) {
    const line = text(message);
    switch (line.charCodeAt(0)) {
      case 0x62 /* b */:
        Gateway.sendToAll(line);
        return;
      case 0x70 /* p */:
        Gateway.sendToCurrentClient(line);
        return;
      case 0x73 /* s */:
        ctx.session.messages = (ctx.session.messages ?? 0) + 1;
        ctx.session.last = line.length;
        Gateway.sendToCurrentClient(line);
        return;
      case 0x75 /* u */:
        if (ctx.session.uid === undefined) {
          Gateway.bindUid(clientId, clientId);
          ctx.session.uid = clientId;
        }
        Gateway.sendToUid(clientId, line);
        return;
      case 0x6a /* j */:
        Gateway.joinGroup(clientId, 'bench');
        return;
      case 0x67 /* g */:
        Gateway.sendToGroup('bench', line);
        return;
    }
  },
};
