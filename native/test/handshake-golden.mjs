// Prints the golden values of framing_handshake_json_test.cc and
// framing_websocket_handshake_test.cc: each request below is sent as raw bytes
// to a real Node http server, and what the JS engine would produce is printed
// as C++ initializers: JSON.stringify(readHandshake(req)) for upgrade requests
// (with a fake peer address), and the raw answer for refused ones (ws's answer,
// or Node's for a request its parser rejects).
//   npx tsc -p tsconfig.json   # once, if dist/ is missing
//   node native/test/handshake-golden.mjs
import { createServer } from 'node:http';
import { connect } from 'node:net';
import { WebSocketServer } from 'ws';
import { readHandshake } from '../../dist/src/transport/websocket-handshake.js';

const KEY = 'dGhlIHNhbXBsZSBub25jZQ==';
const UP = `Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: ${KEY}\r\nSec-WebSocket-Version: 13\r\n`;

// [name, request (latin1), remoteAddress, remotePort]
const handshakes = [
  ['basic', `GET /chat?room=1&user=ann HTTP/1.1\r\nHost: example.com\r\n${UP}\r\n`, '::ffff:10.0.0.7', 50123],
  ['repeatedQuery', `GET /q?a=1&a=2&a=3&b=&c&=x&&d=%zz&e=%C3%A9&f=a+b%2Bc&g=%FF&h=%e2%82 HTTP/1.1\r\nHost: h\r\n${UP}\r\n`, '127.0.0.1', 1],
  ['leadingQuestion', `GET /p??x=1&?y=2 HTTP/1.1\r\nHost: h\r\n${UP}\r\n`, '::1', 2],
  ['rawLatin1', `GET /caf\xe9/%C3%A9?n=\xe9&m=%E9&k\xe9=v+\xe9 HTTP/1.1\r\nHost: h\r\n${UP}\r\n`, '::FFFF:1.2.3.4', 3],
  ['pathDecode', `GET /a%20b/%E2%82%AC/%2F HTTP/1.1\r\nHost: h\r\n${UP}\r\n`, '1.2.3.4', 4],
  ['pathMalformed', `GET /a%zz%20b HTTP/1.1\r\nHost: h\r\n${UP}\r\n`, '::ffff:1234:5678', 5],
  ['pathIncomplete', `GET /x%C3 HTTP/1.1\r\nHost: h\r\n${UP}\r\n`, '::ffff:999.1.1.1', 6],
  ['pathSurrogate', `GET /x%ED%A0%80?s=%ED%A0%80 HTTP/1.1\r\nHost: h\r\n${UP}\r\n`, 'fe80::1', 7],
  ['fragment', `GET //a/../b#frag?x=1 HTTP/1.1\r\nHost: h\r\n${UP}\r\n`, '', 0],
  ['numericKeys', `GET /n?10=a&2=b&x=c&01=d&4294967295=e&4294967294=f&0=g&2=h HTTP/1.1\r\nHost: h\r\n${UP}\r\n`, '::ffff:0.0.0.0', 65535],
  ['protoKeys', `GET /?__proto__=1&constructor=2&__proto__=3 HTTP/1.1\r\nHost: h\r\n__proto__: p\r\nConstructor: c\r\nCookie: __proto__=x; toString=y\r\n${UP}\r\n`, '10.1.1.1', 8],
  ['headers', `GET / HTTP/1.1\r\nHost: first\r\nhost: second\r\nX-A: 1\r\nx-a: 2\r\nCookie: a=1\r\ncookie: b=2\r\nSet-Cookie: s1\r\nset-cookie: s2\r\n123: n\r\n0: z\r\nUser-Agent: u1\r\nUser-Agent: u2\r\nX-Latin: caf\xe9 \xa0\r\nX-Empty:\r\nX-Spaces:   a  b   \r\nX-Quote: "q" \\ \t tab\r\nContent-Type: t1\r\nContent-Type: t2\r\nDate: d1\r\nDate: d2\r\nAuthorization: a1\r\nAuthorization: a2\r\n${UP}\r\n`, '192.168.0.1', 9],
  ['cookies', `GET / HTTP/1.1\r\nHost: h\r\nCookie:  a = 1 ; b="q v" ; c=%41%42; d=%zz; a=2; =x; noeq; e="; f=""; g=%E9; h=\xe9%20; \xa0i\xa0=\xa0j\xa0; k==v; l=a=b; "m"=n\r\n${UP}\r\n`, '::ffff:127.0.0.1', 10],
  ['emptyCookie', `GET / HTTP/1.1\r\nHost: h\r\nCookie:\r\n${UP}\r\n`, '::ffff:127.0.0.1', 11],
  ['upperQuery', `GET /?A=%41%4a%4A+%2b&b=%%41&c=%4 HTTP/1.1\r\nHost: h\r\n${UP}\r\n`, '::ffff:127.0.0.1', 12],
  ['controlsInQuery', `GET /?a=%00%01%1f%7f%22%5C&%E2%80%A8=%F0%9F%98%80 HTTP/1.1\r\nHost: h\r\n${UP}\r\n`, '::ffff:127.0.0.1', 13],
  ['http10', `GET /old HTTP/1.0\r\nHost: h\r\n${UP}\r\n`, '::ffff:127.0.0.1', 14],
  ['absoluteTarget', `GET http://example.com/x?y=1 HTTP/1.1\r\nHost: h\r\n${UP}\r\n`, '::ffff:127.0.0.1', 15],
];

// [name, request]: upgrade requests ws refuses, or Node's parser rejects.
const refusals = [
  ['post', `POST / HTTP/1.1\r\nHost: h\r\n${UP}Content-Length: 0\r\n\r\n`],
  ['badUpgrade', `GET / HTTP/1.1\r\nHost: h\r\nUpgrade: foo\r\nConnection: Upgrade\r\nSec-WebSocket-Key: ${KEY}\r\nSec-WebSocket-Version: 13\r\n\r\n`],
  ['badKey', `GET / HTTP/1.1\r\nHost: h\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: abc\r\nSec-WebSocket-Version: 13\r\n\r\n`],
  ['badVersion', `GET / HTTP/1.1\r\nHost: h\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: ${KEY}\r\nSec-WebSocket-Version: 12\r\n\r\n`],
  ['badProtocol', `GET / HTTP/1.1\r\nHost: h\r\n${UP}Sec-WebSocket-Protocol: a, , b\r\n\r\n`],
  ['protocol', `GET / HTTP/1.1\r\nHost: h\r\n${UP}Sec-WebSocket-Protocol: chat, super\r\n\r\n`],
  ['version8', `GET / HTTP/1.1\r\nHost: h\r\nUpgrade: WebSocket\r\nConnection: keep-alive, upgrade\r\nSec-WebSocket-Key: ${KEY}\r\nSec-WebSocket-Version: 8\r\n\r\n`],
  ['badRequestLine', `GET /\r\n\r\n`],
  ['badHeader', `GET / HTTP/1.1\r\nHost h\r\n\r\n`],
  ['bareLf', `GET / HTTP/1.1\nHost: h\n\n`],
  ['tooLarge', `GET / HTTP/1.1\r\nX: ${'a'.repeat(17000)}\r\n\r\n`],
];

function cString(text) {
  let out = '"';
  for (const ch of text) {
    const c = ch.codePointAt(0);
    if (c === 0x22) out += '\\"';
    else if (c === 0x5c) out += '\\\\';
    else if (c >= 0x20 && c < 0x7f) out += ch;
    else for (const b of Buffer.from(ch, c < 0x100 && text !== undefined && !isUtf8Out ? 'latin1' : 'utf8')) out += '\\' + b.toString(8).padStart(3, '0');
  }
  return out + '"';
}
let isUtf8Out = false;

const captured = [];
const server = createServer((req, res) => res.end('plain'));
const wss = new WebSocketServer({ noServer: true, perMessageDeflate: false, clientTracking: false });
server.on('upgrade', (req, socket, head) => {
  const [, , address, port] = handshakes.find(([name]) => req.headers['x-golden'] === name) ?? [];
  const fake = { url: req.url, headers: req.headers, socket: { remoteAddress: address === '' ? undefined : address, remotePort: port === 0 ? undefined : port } };
  captured.push(JSON.stringify(readHandshake(fake)));
  wss.handleUpgrade(req, socket, head, (ws) => ws.terminate());
});
await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
const { port } = server.address();

function exchange(bytes) {
  return new Promise((resolve) => {
    const chunks = [];
    const s = connect(port, '127.0.0.1', () => s.write(Buffer.from(bytes, 'latin1')));
    s.on('data', (c) => {
      chunks.push(c);
      if (Buffer.concat(chunks).includes('\r\n\r\n') && Buffer.concat(chunks).toString('latin1').startsWith('HTTP/1.1 101')) s.destroy();
    });
    s.on('error', () => {});
    s.on('close', () => resolve(Buffer.concat(chunks).toString('latin1')));
  });
}

console.log('// handshakeJson goldens: {name, request, remoteAddress, remotePort, json}');
for (const [name, request, address, rport] of handshakes) {
  captured.length = 0;
  const tagged = request.replace('\r\n', `\r\nX-Golden: ${name}\r\n`);
  const answer = await exchange(tagged);
  isUtf8Out = false;
  const req = cString(tagged);
  isUtf8Out = true;
  const json = captured.length === 1 ? cString(captured[0]) : `"<none: ${answer.split('\r\n')[0]}>"`;
  console.log(`    {"${name}", ${req}, ${cString(address)}, ${rport},\n     ${json}},`);
}
console.log('// refusal goldens: {name, request, answer}');
for (const [name, request] of refusals) {
  const answer = await exchange(request);
  isUtf8Out = false;
  console.log(`    {"${name}", ${cString(request.length > 200 ? '<long>' : request)},\n     ${cString(answer)}},`);
}
server.close();
