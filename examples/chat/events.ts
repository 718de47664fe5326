/**
 * The chat demo: a nickname, then public lines, private lines (`nick:text`),
 * rooms (`/join`, `/leave`, `#room:text`), `/who` and `/count`. The same handlers
 * serve the text listener (telnet/nc on 8480) and the WebSocket page (8481).
 */
import { Gateway, type CloseContext, type EventContext, type EventsModule } from 'gatehousejs';

const NAME = /^[A-Za-z0-9_-]{1,32}$/;
const PRIVATE = /^([A-Za-z0-9_-]{1,32}):(.*)$/s;
const ROOM_LINE = /^#([A-Za-z0-9_-]{1,32}):(.*)$/s;
const PROMPT = 'Enter your nickname:';

function say(line: string): void {
  Gateway.sendToCurrentClient(line);
}

async function chooseNickname(clientId: string, line: string, ctx: EventContext): Promise<void> {
  const nick = line.trim();
  if (!NAME.test(nick)) {
    say('invalid nickname');
    say(PROMPT);
    return;
  }
  if (await Gateway.isUidOnline(nick)) {
    say('nickname taken');
    say(PROMPT);
    return;
  }
  ctx.session.nick = nick;
  Gateway.bindUid(clientId, nick);
  say(`Hello ${nick}`);
  Gateway.sendToAll(`${nick} joined`, { exclude: [clientId] });
}

/** Handles a /command; false when the line is not one (it is then chat text). */
async function command(clientId: string, line: string): Promise<boolean> {
  const [verb, arg, ...extra] = line.trim().split(/\s+/);
  switch (verb) {
    case '/join':
    case '/leave':
      if (!arg || extra.length > 0 || !NAME.test(arg)) {
        say(`usage: ${verb} <room>`);
        return true;
      }
      if (verb === '/join') {
        Gateway.joinGroup(clientId, arg);
        say(`joined ${arg}`);
      } else {
        Gateway.leaveGroup(clientId, arg);
        say(`left ${arg}`);
      }
      return true;
    case '/who': {
      const uids = (await Gateway.getAllUidList()).sort();
      say(`online: ${uids.join(', ')}`);
      return true;
    }
    case '/count':
      say(`connections: ${await Gateway.getAllClientCount()}`);
      return true;
    default:
      return false;
  }
}

const chat: EventsModule<string | Buffer> = {
  onConnect() {
    say(`Welcome! ${PROMPT}`);
  },

  async onMessage(clientId, message, ctx) {
    const line = typeof message === 'string' ? message : message.toString('utf8');
    const nick = ctx.session.nick;
    if (typeof nick !== 'string') return chooseNickname(clientId, line, ctx);
    if (line.startsWith('/') && (await command(clientId, line))) return;

    const room = ROOM_LINE.exec(line);
    if (room) {
      Gateway.sendToGroup(room[1]!, `${nick}@${room[1]}: ${room[2]}`);
      return;
    }
    const direct = PRIVATE.exec(line);
    if (direct) {
      const [, to, text] = direct as unknown as [string, string, string];
      if (await Gateway.isUidOnline(to)) {
        Gateway.sendToUid(to, `${nick} (private): ${text}`);
        say(`(to ${to}): ${text}`);
      } else {
        say(`${to} is not online`);
      }
      return;
    }
    Gateway.sendToAll(`${nick}: ${line}`);
  },

  onClose(clientId: string, ctx: CloseContext) {
    const nick = ctx.session.nick;
    if (typeof nick === 'string') Gateway.sendToAll(`${nick} left`, { exclude: [clientId] });
  },
};

export default chat;
