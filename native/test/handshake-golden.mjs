// Prints the golden values of transport_handshake_test.cc: each request below is sent as raw bytes
// to a real Node http server, and what the JS engine would produce is printed
// as C++ initializers: the websocket-connect payload of the JS engine,
// JSON.stringify(rawHandshake(req)) (with a fake peer address), which the
// native engine's HTTP parser must match, and the raw answer for refused ones (ws's answer,
// or Node's for a request its parser rejects).
//   npx tsc -p tsconfig.json   # once, if dist/ is missing
//   node native/test/handshake-golden.mjs
// With --websocket it prints instead the goldens of transport_websocket_test.cc:
// what ws's own Receiver (isServer, maxPayload) reports for client frame streams.
import { createServer } from 'node:http';
import { connect } from 'node:net';
import { Receiver, WebSocketServer } from 'ws';
import assert from 'node:assert/strict';
import { rawHandshake } from '../../dist/src/gateway/transport/websocket-handshake.js';
import { deriveHandshake } from '../../dist/src/protocol/websocket-handshake.js';

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
  ['knownFields', `GET / HTTP/1.1\r\nHost: h\r\nETag: e1\r\nETag: e2\r\nFrom: f1\r\nfrom: f2\r\nServer: s1\r\nServer: s2\r\nReferer: r1\r\nReferer: r2\r\nExpires: x1\r\nExpires: x2\r\nLocation: l1\r\nLocation: l2\r\nRetry-After: 1\r\nRetry-After: 2\r\nMax-Forwards: 1\r\nMax-Forwards: 2\r\nLast-Modified: m1\r\nLast-Modified: m2\r\nIf-Modified-Since: i1\r\nIf-Modified-Since: i2\r\nProxy-Authorization: p1\r\nProxy-Authorization: p2\r\nIf-Unmodified-Since: u1\r\nIf-Unmodified-Since: u2\r\nAge: 1\r\nAge: 2\r\nVary: v1\r\nVary: v2\r\nOrigin: o1\r\nOrigin: o2\r\nAccept: a1\r\nAccept: a2\r\nSec-WebSocket-Extensions: e1\r\nSec-WebSocket-Extensions: e2\r\nX-Forwarded-For: 1\r\nX-Forwarded-For: 2\r\n${UP}\r\n`, '::ffff:127.0.0.1', 16],
  ['multiSpaceTarget', `GET  /x?a=1 HTTP/1.1\r\nHost: h\r\n${UP}\r\n`, '::ffff:127.0.0.1', 17],
  ['noSpaceValue', `GET /x HTTP/1.1\r\nHost:h\r\nX-Tab:\t\tv\t\r\n${UP}\r\n`, '::ffff:127.0.0.1', 18],
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
  ['noHost', `GET / HTTP/1.1\r\n${UP}\r\n`],
  ['unknownMethod', `FOO / HTTP/1.1\r\nHost: h\r\n${UP}\r\n`],
  ['lowerMethod', `get / HTTP/1.1\r\nHost: h\r\n${UP}\r\n`],
  ['version12', `GET / HTTP/1.2\r\nHost: h\r\n${UP}\r\n`],
  ['relativeTarget', `GET x HTTP/1.1\r\nHost: h\r\n${UP}\r\n`],
  ['spaceBeforeColon', `GET / HTTP/1.1\r\nHost : h\r\n${UP}\r\n`],
  ['obsFold', `GET / HTTP/1.1\r\nHost: h\r\nX: a\r\n b\r\n${UP}\r\n`],
  ['controlInValue', `GET / HTTP/1.1\r\nHost: h\r\nX: a\x01b\r\n${UP}\r\n`],
  ['delInValue', `GET / HTTP/1.1\r\nHost: h\r\nX: a\x7fb\r\n${UP}\r\n`],
  ['badNameChar', `GET / HTTP/1.1\r\nHost: h\r\nX(y): 1\r\n${UP}\r\n`],
  ['twoContentLengths', `GET / HTTP/1.1\r\nHost: h\r\nContent-Length: 0\r\nContent-Length: 0\r\n${UP}\r\n`],
  ['connect', `CONNECT h:1 HTTP/1.1\r\nHost: h\r\n${UP}\r\n`],
  ['duplicateKey', `GET / HTTP/1.1\r\nHost: h\r\n${UP}Sec-WebSocket-Key: ${KEY}\r\n\r\n`],
  ['versionHex', `GET / HTTP/1.1\r\nHost: h\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: ${KEY}\r\nSec-WebSocket-Version: 0xd\r\n\r\n`],
  ['versionFloat', `GET / HTTP/1.1\r\nHost: h\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: ${KEY}\r\nSec-WebSocket-Version: 1.3e1\r\n\r\n`],
  ['versionNbsp', `GET / HTTP/1.1\r\nHost: h\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: ${KEY}\r\nSec-WebSocket-Version: \xa08\xa0\r\n\r\n`],
  ['versionMissing', `GET / HTTP/1.1\r\nHost: h\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: ${KEY}\r\n\r\n`],
  ['twoUpgrades', `GET / HTTP/1.1\r\nHost: h\r\nUpgrade: websocket\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: ${KEY}\r\nSec-WebSocket-Version: 13\r\n\r\n`],
  ['protocolTrailingSpace', `GET / HTTP/1.1\r\nHost: h\r\n${UP}Sec-WebSocket-Protocol: a, b\t\r\n\r\n`],
  ['protocolDuplicate', `GET / HTTP/1.1\r\nHost: h\r\n${UP}Sec-WebSocket-Protocol: a, a\r\n\r\n`],
  ['protocolTwoHeaders', `GET / HTTP/1.1\r\nHost: h\r\n${UP}Sec-WebSocket-Protocol: x\r\nSec-WebSocket-Protocol: y\r\n\r\n`],
  ['protocolSpacesInside', `GET / HTTP/1.1\r\nHost: h\r\n${UP}Sec-WebSocket-Protocol: a  ,b\r\n\r\n`],
  ['protocolEmpty', `GET / HTTP/1.1\r\nHost: h\r\n${UP}Sec-WebSocket-Protocol:\r\n\r\n`],
  ['keyWithSpaceInside', `GET / HTTP/1.1\r\nHost: h\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ= =\r\nSec-WebSocket-Version: 13\r\n\r\n`],
  ['leadingEmptyLines', `\r\n\r\nGET / HTTP/1.1\r\nHost: h\r\n${UP}\r\n`],
  ['upgradeCase', `GET / HTTP/1.1\r\nHost: h\r\nUpgrade: WEBSOCKET\r\nConnection: UPGRADE\r\nSec-WebSocket-Key: ${KEY}\r\nSec-WebSocket-Version: 13\r\n\r\n`],
  ['http10Upgrade', `GET / HTTP/1.0\r\n${UP}\r\n`],
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

if (process.argv.includes('--websocket')) {
  await websocketGoldens();
  process.exit(0);
}

const captured = [];
const server = createServer((req, res) => res.end('plain'));
const wss = new WebSocketServer({ noServer: true, perMessageDeflate: false, clientTracking: false });
server.on('upgrade', (req, socket, head) => {
  const [, , address, port] = handshakes.find(([name]) => req.headers['x-golden'] === name) ?? [];
  const fake = { url: req.url, rawHeaders: req.rawHeaders, socket: { remoteAddress: address === '' ? undefined : address, remotePort: port === 0 ? undefined : port } };
  const raw = rawHandshake(fake);
  // The worker derives req.headers from rawHeaders: hold its rules to Node's own on every golden.
  assert.equal(JSON.stringify(deriveHandshake(raw).headers), JSON.stringify({ ...req.headers }));
  captured.push(JSON.stringify(raw));
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

console.log('// handshake goldens: {name, request, remoteAddress, remotePort, json}');
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

// A client frame: masked unless told otherwise, the shortest length form unless `form` says 16 or 64.
function wsFrame(opcode, payload, { fin = true, rsv = 0, mask = [0x12, 0x34, 0x56, 0x78], form } = {}) {
  const data = Buffer.from(payload, 'latin1');
  const head = [(fin ? 0x80 : 0) | (rsv << 4) | opcode];
  const m = mask === null ? 0 : 0x80;
  const n = data.length;
  if (form === 64 || (form === undefined && n > 0xffff)) {
    head.push(m | 127);
    for (let i = 7; i >= 0; i--) head.push(Math.floor(n / 2 ** (8 * i)) & 0xff);
  } else if (form === 16 || (form === undefined && n > 125)) head.push(m | 126, n >> 8, n & 0xff);
  else head.push(m | n);
  if (mask !== null) head.push(...mask);
  const body = Buffer.from(data);
  if (mask !== null) for (let i = 0; i < body.length; i++) body[i] ^= mask[i & 3];
  return Buffer.concat([Buffer.from(head), body]).toString('latin1');
}
function closePayload(code, reason = '') {
  return String.fromCharCode(code >> 8, code & 0xff) + reason;
}

async function websocketGoldens() {
  const big = 'b'.repeat(70000);
  // [name, maxPayload, stream (latin1)]
  const cases = [
    ['text', 100, wsFrame(1, 'hello')],
    ['binaryZeroMask', 100, wsFrame(2, '\x00\xff\x80', { mask: [0, 0, 0, 0] })],
    ['twoMessages', 100, wsFrame(1, 'a') + wsFrame(2, 'bc')],
    ['emptyText', 100, wsFrame(1, '')],
    ['fragmentsWithPing', 100, wsFrame(1, 'hel', { fin: false }) + wsFrame(9, 'p!') + wsFrame(0, '', { fin: false }) + wsFrame(0, 'lo')],
    ['fragmentedUtf8SplitInside', 100, wsFrame(1, '\xe2\x82', { fin: false }) + wsFrame(0, '\xac')],
    ['invalidUtf8Text', 100, wsFrame(1, 'ok\xff')],
    ['invalidUtf8Fragmented', 100, wsFrame(1, 'ok', { fin: false }) + wsFrame(0, '\xc0\x80')],
    ['binaryNotChecked', 100, wsFrame(2, '\xff\xfe')],
    ['unmasked', 100, wsFrame(1, 'x', { mask: null })],
    ['rsv1', 100, wsFrame(1, 'x', { rsv: 4 })],
    ['rsv2', 100, wsFrame(1, 'x', { rsv: 2 })],
    ['rsv3', 100, wsFrame(1, 'x', { rsv: 1 })],
    ['rsv1OnPing', 100, wsFrame(9, 'x', { rsv: 4 })],
    ['opcode3', 100, wsFrame(3, 'x')],
    ['opcode11', 100, wsFrame(11, 'x')],
    ['opcode15Unmasked', 100, wsFrame(15, 'x', { mask: null })],
    ['continuationFirst', 100, wsFrame(0, 'x')],
    ['textInsideFragmented', 100, wsFrame(1, 'a', { fin: false }) + wsFrame(1, 'b')],
    ['binaryInsideFragmented', 100, wsFrame(2, 'a', { fin: false }) + wsFrame(2, 'b')],
    ['pingNotFin', 100, wsFrame(9, 'x', { fin: false })],
    ['ping126', 1000, wsFrame(9, 'x'.repeat(126))],
    ['ping125', 1000, wsFrame(9, 'x'.repeat(125))],
    ['pongPayload', 100, wsFrame(10, 'pong data')],
    ['pingUnmasked', 100, wsFrame(9, 'x', { mask: null })],
    ['closeLength1', 100, wsFrame(8, 'x')],
    ['closeEmpty', 100, wsFrame(8, '') + wsFrame(1, 'ignored')],
    ['closeNormal', 100, wsFrame(8, closePayload(1000, 'bye')) + 'garbage\xff\xff'],
    ['close1005', 100, wsFrame(8, closePayload(1005))],
    ['close999', 100, wsFrame(8, closePayload(999))],
    ['close1004', 100, wsFrame(8, closePayload(1004))],
    ['close1014', 100, wsFrame(8, closePayload(1014))],
    ['close1015', 100, wsFrame(8, closePayload(1015))],
    ['close2999', 100, wsFrame(8, closePayload(2999))],
    ['close3000', 100, wsFrame(8, closePayload(3000, 'r'))],
    ['close4999', 100, wsFrame(8, closePayload(4999))],
    ['close5000', 100, wsFrame(8, closePayload(5000))],
    ['closeBadReason', 100, wsFrame(8, closePayload(1000, '\xed\xa0\x80'))],
    ['closeInsideFragmented', 100, wsFrame(1, 'a', { fin: false }) + wsFrame(8, closePayload(1001, 'away'))],
    ['length16', 1000, wsFrame(2, 'z'.repeat(200))],
    ['length16Small', 1000, wsFrame(2, 'abc', { form: 16 })],
    ['length64', 100000, wsFrame(2, big)],
    ['length64Small', 100, wsFrame(1, 'abc', { form: 64 })],
    ['length64Huge', 100, '\x82\xff\x00\x20\x00\x00\x00\x00\x00\x00\x12\x34\x56\x78'],
    ['length64Max53', 100, '\x82\xff\x00\x1f\xff\xff\xff\xff\xff\xff\x12\x34\x56\x78'],
    ['tooLarge', 10, wsFrame(1, '12345678901')],
    ['exactLimit', 10, wsFrame(1, '1234567890')],
    ['tooLargeFragments', 10, wsFrame(2, '123456', { fin: false }) + wsFrame(0, '123456')],
    ['tooLargeHeaderOnly', 10, '\x82\xfe\x01\x00\x12\x34\x56\x78'],
    ['controlNotCounted', 10, wsFrame(2, '12345', { fin: false }) + wsFrame(9, 'x'.repeat(20)) + wsFrame(0, '12345')],
    ['errorThenMore', 100, wsFrame(1, 'ok') + wsFrame(3, 'x') + wsFrame(1, 'never')],
    ['emptyFragments', 100, wsFrame(2, '', { fin: false }) + wsFrame(0, '', { fin: false }) + wsFrame(0, '')],
    ['incomplete', 100, wsFrame(1, 'a') + wsFrame(1, 'partial').slice(0, 5)],
  ];
  console.log('// websocket goldens: {name, maxPayload, stream, events}');
  for (const [name, max, stream] of cases) {
    const events = [];
    const r = new Receiver({ isServer: true, maxPayload: max });
    r.on('message', (data, isBinary) => events.push(`${isBinary ? 'B' : 'T'}:${Buffer.from(data).toString('latin1')}`));
    r.on('ping', (d) => events.push(`ping:${d.toString('latin1')}`));
    r.on('pong', (d) => events.push(`pong:${d.toString('latin1')}`));
    r.on('conclude', (code, reason) => events.push(`close:${code}:${reason.toString('latin1')}`));
    r.on('error', (err) => events.push(`error:${err[Symbol.for('status-code')] ?? err[Object.getOwnPropertySymbols(err).find((s) => String(s).includes('status-code'))]}:${err.code}:${err.message}`));
    r.write(Buffer.from(stream, 'latin1'));
    await new Promise((resolve) => setImmediate(resolve));
    isUtf8Out = false;
    const shown = stream.length > 300 ? `"<${name}>"` : cString(stream);
    console.log(`    {"${name}", ${max}, ${shown},\n     {${events.map((e) => cString(e.length > 300 ? e.slice(0, 40) + `...(${e.length})` : e)).join(', ')}}},`);
  }
}
