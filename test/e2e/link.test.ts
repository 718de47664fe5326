/**
 * Worker-link security, from outside: with gateway.linkHost set, a gateway
 * listens for worker links on TCP (linkPort). A peer that does not know the
 * secret is refused (Reject "authentication failed", then close); one that does
 * gets a Welcome whose proof checks out; malformed frames close the link
 * without hurting the gateway; TCP links refuse to start without a secretKey;
 * the run directory is mode 0700.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { statSync } from 'node:fs';
import { connect } from 'node:net';
import {
  decodeHello,
  decodeWelcome,
  encodeAuth,
  encodeFrame,
  FrameType,
  gatewayProof,
  newNonce,
  NONCE_SIZE,
  workerProof,
} from '../../src/protocol/index.js';
import { closeAllClients, LineClient, StreamClient, type Splitter } from '../helpers/clients.js';
import { fixtureApp, freePort, spawnCluster, startCluster, type Cluster } from '../helpers/cluster.js';

const SECRET = 's3cret';

interface LinkFrame {
  type: number;
  body: Buffer;
}

const splitLinkFrames: Splitter<LinkFrame> = (buf) => {
  const messages: LinkFrame[] = [];
  let offset = 0;
  while (buf.length - offset >= 5) {
    const length = buf.readUInt32BE(offset);
    if (buf.length - offset - 4 < length) break;
    messages.push({ type: buf[offset + 4]!, body: Buffer.from(buf.subarray(offset + 5, offset + 4 + length)) });
    offset += 4 + length;
  }
  return { messages, rest: buf.subarray(offset) };
};

/** A TCP peer on a gateway's link port, speaking the link protocol by hand. */
class LinkPeer extends StreamClient<LinkFrame> {
  static connectTo(port: number, label: string): Promise<LinkPeer> {
    return new Promise((resolve, reject) => {
      const socket = connect({ port, host: '127.0.0.1' });
      socket.once('connect', () => resolve(new LinkPeer(socket, splitLinkFrames, label)));
      socket.once('error', (e) => reject(new Error(`${label}: connect to link port ${port} failed: ${e.message}`)));
    });
  }

  async expectFrame(type: number, what: string): Promise<Buffer> {
    const f = await this.next();
    assert.equal(f.type, type, `${this.label}: expected ${what} (type 0x${type.toString(16)}), got type 0x${f.type.toString(16)} body ${JSON.stringify(f.body.toString('latin1'))}`);
    return f.body;
  }

  /** Reads Hello; returns the gateway's nonce. */
  async hello(): Promise<Buffer> {
    const body = await this.expectFrame(FrameType.Hello, 'Hello');
    const { nonce, info } = decodeHello(body);
    assert.equal(nonce.length, NONCE_SIZE);
    assert.match(info.gatewayId, /^[0-9a-f]{12}$/);
    return nonce;
  }
}

let cluster: Cluster;
let linkPort: number;

async function assertServing(label: string): Promise<void> {
  const c = await LineClient.connect(cluster.port('tcp'), { label });
  c.send(label);
  assert.equal(await c.next(), `S:${label}`, 'the gateway still serves clients');
  await c.close();
}

before(async () => {
  linkPort = await freePort();
  cluster = await startCluster({
    app: {
      events: fixtureApp('echo'),
      secretKey: SECRET,
      runDir: 'default',
      listeners: [{ name: 'tcp', protocol: 'text' }],
      gateway: { linkHost: '127.0.0.1', linkPort },
      worker: { threads: 1 },
    },
  });
});

after(async () => {
  closeAllClients();
  await cluster?.stop();
});

describe('worker links', () => {
  test('the (default) run directory is mode 0700', () => {
    const st = statSync(cluster.runDir);
    assert.ok(st.isDirectory());
    assert.equal((st.mode & 0o777).toString(8), '700', `mode of ${cluster.runDir}`);
  });

  test('an Auth with a wrong HMAC is answered with Reject and the link is closed', async () => {
    const peer = await LinkPeer.connectTo(linkPort, 'wrong secret');
    const ng = await peer.hello();
    const nw = newNonce();
    peer.write(encodeFrame(FrameType.Auth, ...encodeAuth(nw, workerProof('not-the-secret', ng, nw), { workerId: 'intruder', pid: 1 })));
    const reason = (await peer.expectFrame(FrameType.Reject, 'Reject')).toString('utf8');
    assert.match(reason, /authentication failed/);
    await peer.waitClosed(3000);
    await assertServing('after-wrong-secret');
  });

  test('an Auth of a version the gateway does not speak (1, 7) is rejected, naming the versions', async () => {
    for (const v of [1, 7]) {
      const peer = await LinkPeer.connectTo(linkPort, `version ${v}`);
      const ng = await peer.hello();
      const nw = newNonce();
      const parts = encodeAuth(nw, workerProof(SECRET, ng, nw), { workerId: 'old-or-future', pid: 1 });
      const version = Buffer.alloc(2);
      version.writeUInt16BE(v);
      peer.write(encodeFrame(FrameType.Auth, version, ...parts.slice(1)));
      const reason = (await peer.expectFrame(FrameType.Reject, 'Reject')).toString('utf8');
      assert.equal(reason, `auth: protocol version ${v} is not supported (this side speaks 2 and 3)`);
      await peer.waitClosed(3000);
    }
    await assertServing('after-wrong-versions');
  });

  test('frames before the handshake is done, and a frame of length 0, close the link; the gateway keeps serving', async () => {
    const early = await LinkPeer.connectTo(linkPort, 'command before auth');
    await early.hello();
    early.write(encodeFrame(FrameType.Command, Buffer.from([1, 0, 0, 2]), Buffer.from('""')));
    await early.waitClosed(3000);

    const zero = await LinkPeer.connectTo(linkPort, 'zero-length frame');
    await zero.hello();
    zero.write(Buffer.from([0, 0, 0, 0]));
    await zero.waitClosed(3000);

    await assertServing('after-malformed');
  });

  test('the right secret gets a Welcome with a valid gateway proof (control); an unknown frame type then closes the link', async () => {
    const peer = await LinkPeer.connectTo(linkPort, 'right secret');
    const ng = await peer.hello();
    const nw = newNonce();
    peer.write(encodeFrame(FrameType.Auth, ...encodeAuth(nw, workerProof(SECRET, ng, nw), { workerId: 'probe', pid: process.pid })));
    const welcome = decodeWelcome(await peer.expectFrame(FrameType.Welcome, 'Welcome'));
    assert.deepEqual(welcome.mac, gatewayProof(SECRET, ng, nw), 'Welcome proves the gateway knows the secret');
    peer.write(encodeFrame(0x7e, Buffer.from('??')));
    await peer.waitClosed(3000);
    await assertServing('after-unknown-type');
  });

  test('a TCP link host without a secretKey refuses to start', async () => {
    const port = await freePort();
    const bad = spawnCluster({
      app: { events: fixtureApp('echo'), listeners: [{ name: 'tcp', protocol: 'text' }], gateway: { linkHost: '127.0.0.1', linkPort: port } },
    });
    try {
      let timer: NodeJS.Timeout | undefined;
      const exit = await Promise.race([
        bad.exited,
        new Promise<null>((r) => {
          timer = setTimeout(() => r(null), 15_000);
        }),
      ]);
      clearTimeout(timer);
      assert.ok(exit !== null, `the supervisor did not exit within 15 s\n${bad.tail()}`);
      assert.notEqual(exit.code, 0, `exit code\n${bad.tail()}`);
      assert.equal(bad.ready, null, 'it must not get ready');
      const output = JSON.stringify(bad.lines) + bad.stderr;
      assert.match(output, /secretKey/, `the error names secretKey\n${bad.tail()}`);
    } finally {
      await bad.stop();
    }
  });
});
