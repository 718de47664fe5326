import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, type IncomingMessage } from 'node:http';
import { connect, type AddressInfo } from 'node:net';
import { describe, it } from 'node:test';
import { normalizeAddress, rawHandshake } from '../../src/gateway/transport/websocket-handshake.js';
import {
  deriveHandshake,
  headersOf,
  isRawHandshake,
  protocol2Handshake,
  type RawHandshake,
} from '../../src/protocol/websocket-handshake.js';
import type { WebSocketHandshake } from '../../src/types.js';

interface Seen {
  /** What a worker derives from the payload the JS gateway sends (after the JSON trip over the link). */
  handshake: WebSocketHandshake;
  raw: RawHandshake;
  /** What Node's own parser made of the headers: `{ ...req.headers }`. */
  nodeHeaders: Record<string, unknown>;
  rawAddress: string | undefined;
}

/** Sends a raw request (latin1) to a real server and returns the handshake derived from what Node parsed. */
async function handshakeOf(rawHead: string, listenHost = '127.0.0.1'): Promise<Seen & { clientPort: number }> {
  const server = createServer();
  const seen = new Promise<Seen>((resolve, reject) => {
    server.on('clientError', (err: Error) => reject(err));
    server.on('request', (req: IncomingMessage, res) => {
      try {
        const raw = JSON.parse(JSON.stringify(rawHandshake(req))) as RawHandshake;
        resolve({ handshake: deriveHandshake(raw), raw, nodeHeaders: { ...req.headers }, rawAddress: req.socket.remoteAddress });
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
  socket.write(Buffer.from(rawHead, 'latin1'));
  try {
    return { ...(await seen), clientPort };
  } finally {
    socket.destroy();
    server.close();
    server.closeAllConnections();
  }
}

describe('the WebSocket handshake, derived from the raw head', () => {
  it('reads url, decoded path, query, headers, cookies and the peer', async () => {
    const { handshake, raw: rawHandshake0, clientPort } = await handshakeOf(
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
    // The version-2 payload is the same object, as JSON.
    assert.deepEqual(JSON.parse(protocol2Handshake(JSON.stringify(rawHandshake0))), handshake);
  });

  it("derives headers exactly as Node's parser does: case, repeats, set-cookie, cookie, single-valued fields, latin1, key order", async () => {
    // (Content-Length is single-valued too, but Node refuses a head that repeats it.)
    const once = ['Age', 'Authorization', 'Content-Type', 'ETag', 'Expires', 'From', 'Host',
      'If-Modified-Since', 'If-Unmodified-Since', 'Last-Modified', 'Location', 'Max-Forwards', 'Proxy-Authorization',
      'Referer', 'Retry-After', 'Server', 'User-Agent'];
    const heads = [
      'GET / HTTP/1.1\r\n' + once.map((n) => `${n}: 1\r\n${n.toLowerCase()}: 2\r\n`).join('') + 'Connection: close\r\n\r\n',
      'GET / HTTP/1.1\r\nHost: h\r\nX-A: 1\r\nx-a: 2\r\nX-A: 3\r\nSet-Cookie: s1\r\nset-cookie: s2\r\nCookie: a=1\r\n' +
        'cookie: b=2\r\n123: n\r\n0: z\r\n__proto__: p\r\nConstructor: c\r\ntoString: t\r\nX-Latin: caf\xe9 \xa0\r\n' +
        'X-Empty:\r\nX-Spaces:   a  b   \r\nDate: d1\r\nDate: d2\r\nVary: v1\r\nVary: v2\r\nConnection: close\r\n\r\n',
      'GET / HTTP/1.1\r\nHost: h\r\nSet-Cookie: only\r\nConnection: close\r\n\r\n',
    ];
    for (const head of heads) {
      const { handshake, raw, nodeHeaders } = await handshakeOf(head);
      // Compared as JSON so that key order counts too.
      assert.equal(JSON.stringify(handshake.headers), JSON.stringify(nodeHeaders));
      assert.equal(JSON.stringify(headersOf(raw.rawHeaders)), JSON.stringify(nodeHeaders));
    }
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

describe('isRawHandshake', () => {
  it('tells a version-3 payload from a version-2 one', () => {
    assert.equal(isRawHandshake({ url: '/', rawHeaders: [], remoteAddress: '', remotePort: 0 }), true);
    assert.equal(isRawHandshake({ url: '/', path: '/', query: {}, headers: {}, cookies: {}, remoteAddress: '', remotePort: 0 }), false);
    assert.equal(isRawHandshake(null), false);
    assert.equal(isRawHandshake('x'), false);
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
