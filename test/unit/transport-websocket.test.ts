import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, type IncomingMessage } from 'node:http';
import { connect, type AddressInfo } from 'node:net';
import { describe, it } from 'node:test';
import { normalizeAddress, readHandshake } from '../../src/gateway/transport/websocket-handshake.js';
import type { WebSocketHandshake } from '../../src/types.js';

/** Sends a raw request to a real server and returns the handshake read from what Node parsed. */
async function handshakeOf(
  rawHead: string,
  listenHost = '127.0.0.1',
): Promise<{ handshake: WebSocketHandshake; clientPort: number; rawAddress: string | undefined }> {
  const server = createServer();
  const seen = new Promise<{ handshake: WebSocketHandshake; rawAddress: string | undefined }>((resolve, reject) => {
    server.on('request', (req: IncomingMessage, res) => {
      try {
        resolve({ handshake: readHandshake(req), rawAddress: req.socket.remoteAddress });
      } catch (err) {
        reject(err as Error);
      }
      res.end();
    });
  });
  server.listen(0, listenHost);
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  const socket = connect(port, '127.0.0.1');
  await once(socket, 'connect');
  const clientPort = socket.localPort!;
  socket.write(rawHead);
  try {
    return { ...(await seen), clientPort };
  } finally {
    socket.destroy();
    server.close();
    server.closeAllConnections();
  }
}

describe('readHandshake', () => {
  it('reads url, decoded path, query, headers, cookies and the peer', async () => {
    const { handshake, clientPort } = await handshakeOf(
      'GET /chat%20room/a%2Fb?token=abc&tag=x&tag=y&sp=a+b%21&empty=&flag HTTP/1.1\r\n' +
        'Host: example.test\r\n' +
        'X-Custom: one\r\n' +
        'X-Custom: two\r\n' +
        'Cookie: sid=s%3A42; theme="dark"; bad=%E0%A4%A; sid=second; noequals; =nameless\r\n' +
        'Connection: close\r\n\r\n',
    );
    assert.equal(handshake.url, '/chat%20room/a%2Fb?token=abc&tag=x&tag=y&sp=a+b%21&empty=&flag');
    assert.equal(handshake.path, '/chat room/a/b');
    assert.deepEqual(handshake.query, { token: 'abc', tag: ['x', 'y'], sp: 'a b!', empty: '', flag: '' });
    assert.equal(handshake.headers['host'], 'example.test');
    assert.equal(handshake.headers['x-custom'], 'one, two');
    assert.deepEqual(handshake.cookies, { sid: 's:42', theme: 'dark', bad: '%E0%A4%A' });
    assert.equal(handshake.remoteAddress, '127.0.0.1');
    assert.equal(handshake.remotePort, clientPort);
    // It crosses the link as JSON: nothing may be lost on the way.
    assert.deepEqual(JSON.parse(JSON.stringify(handshake)), handshake);
  });

  it('handles a bare path, a fragment, malformed escapes and __proto__ keys', async () => {
    const { handshake } = await handshakeOf(
      'GET /%E0%A4%A?__proto__=x&a=%ZZ HTTP/1.1\r\nHost: h\r\nCookie: __proto__=p\r\nConnection: close\r\n\r\n',
    );
    assert.equal(handshake.path, '/%E0%A4%A');
    assert.equal(Object.getOwnPropertyDescriptor(handshake.query, '__proto__')?.value, 'x');
    assert.equal(handshake.query['a'], '%ZZ');
    assert.equal(Object.getOwnPropertyDescriptor(handshake.cookies, '__proto__')?.value, 'p');
    assert.equal(Object.getPrototypeOf(handshake.query), Object.prototype);

    const plain = (await handshakeOf('GET / HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n')).handshake;
    assert.equal(plain.path, '/');
    assert.deepEqual(plain.query, {});
    assert.deepEqual(plain.cookies, {});
  });

  it('reports IPv4 clients of a dual-stack listener as plain IPv4', async (t) => {
    let result;
    try {
      result = await handshakeOf('GET / HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n', '::');
    } catch (err) {
      t.skip(`no dual-stack IPv6 listener here: ${(err as Error).message}`);
      return;
    }
    // Node reports an IPv4 client of a '::' listener as ::ffff:127.0.0.1; handlers see 127.0.0.1.
    assert.equal(result.rawAddress, '::ffff:127.0.0.1');
    assert.equal(result.handshake.remoteAddress, '127.0.0.1');
  });
});

describe('normalizeAddress', () => {
  it('maps IPv4-mapped IPv6 addresses to IPv4 and leaves others alone', () => {
    assert.equal(normalizeAddress('::ffff:1.2.3.4'), '1.2.3.4');
    assert.equal(normalizeAddress('::FFFF:10.0.0.1'), '10.0.0.1');
    assert.equal(normalizeAddress('1.2.3.4'), '1.2.3.4');
    assert.equal(normalizeAddress('::1'), '::1');
    assert.equal(normalizeAddress('2001:db8::ffff:1.2.3.4'), '2001:db8::ffff:1.2.3.4');
    assert.equal(normalizeAddress('::ffff:abcd'), '::ffff:abcd');
    assert.equal(normalizeAddress(undefined), '');
  });
});
