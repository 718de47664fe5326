// The benchmark's app; nothing else is done per event, so what is measured is
// the gateway, the link and the worker tier, not the handler:
//   b …  broadcast to every client (sendToAll)
//   p …  answered to its sender (sendToCurrentClient: the chat round trip)
//   s …  the same after writing the session (an app that keeps state per message:
//        one Session patch per event, bench/session-writes.js)
//   u …  a private message through the uid index (sendToUid to the sender's own uid, bound at its first u)
//   j    join the group "bench";  g …  sent to the group (sendToGroup; the sender, a member, gets its copy)
//   J <name>    join the group <name> (joinGroup), answered to the sender with exactly "J ok" so that
//               the load generator counts joins (its joinAcks);
//   G <name> …  the whole message sent to the group <name> (sendToGroup: members only, the sender
//               included only if it joined): the group fan-out scenario (bench/loadgen --groups,
//               --mode groupcast). <name> ends at the next space or the message's end; a J or G
//               without one is ignored, as is any message this table does not list.
import { Gateway } from 'gatehousejs';

function text(message) {
  return typeof message === 'string' ? message : Buffer.from(message).toString('utf8');
}

/** The <name> of "J <name>" or "G <name> …", or undefined when the second byte is no space or the name is empty. */
function groupName(line) {
  if (line.charCodeAt(1) !== 0x20) return undefined;
  const end = line.indexOf(' ', 2);
  const name = end < 0 ? line.slice(2) : line.slice(2, end);
  return name === '' ? undefined : name;
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
      case 0x4a /* J */: {
        const name = groupName(line);
        if (name === undefined) return;
        Gateway.joinGroup(clientId, name);
        Gateway.sendToCurrentClient('J ok');
        return;
      }
      case 0x47 /* G */: {
        const name = groupName(line);
        if (name !== undefined) Gateway.sendToGroup(name, line);
        return;
      }
    }
  },
};
