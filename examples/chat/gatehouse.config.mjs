// The chat demo's configuration. Its CHAT_* variables move the listeners, so a
// second instance can run beside the first as one chat over Redis (README,
// "The chat as a cluster"):
//   CHAT_TCP_PORT   the text listener (nc/telnet), default 8480
//   CHAT_WS_PORT    the WebSocket listener and the browser page, default 8481
// Every other setting can be given as a GATEHOUSE_* variable as usual
// (GATEHOUSE_REDIS, GATEHOUSE_INSTANCE, GATEHOUSE_ENGINE…; docs/configuration.md).

/** A port from the environment, or the default; anything else is refused by name. */
function port(variable, fallback) {
  const text = process.env[variable];
  if (text === undefined || text.trim() === '') return fallback;
  const n = Number(text);
  if (!/^\d+$/.test(text.trim()) || n > 65535) throw new Error(`${variable} must be a port number from 0 to 65535 (got ${JSON.stringify(text)})`);
  return n;
}

export default function chatConfig() {
  return {
    name: 'chat',
    events: '../../dist/examples/chat/events.js',
    listeners: [
      { name: 'chat-tcp', protocol: 'text', host: '0.0.0.0', port: port('CHAT_TCP_PORT', 8480), maxMessageSize: 4096 },
      { name: 'chat-ws', protocol: 'websocket', host: '0.0.0.0', port: port('CHAT_WS_PORT', 8481), maxMessageSize: 4096, static: { '/': './public/index.html' } },
    ],
    gateway: { count: 1 },
    worker: { count: 1 },
  };
}
