// When a JS gateway binds its client listeners itself (SO_REUSEPORT) rather
// than through the cluster primary's shared socket: exactly where Node's
// net.Server has `reusePort` (docs/worker.md, "Connect storms").
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:net';
import { test } from 'node:test';
import { clientListenOptions, nodeHasReusePort } from '../../src/gateway/engine-js/own-listening-socket.js';

test('reusePort is known from Node 22.12 and 23.1 on, on Linux only', () => {
  for (const v of ['20.20.2', '22.0.0', '22.11.9', '23.0.0']) assert.equal(nodeHasReusePort(v, 'linux'), false, v);
  for (const v of ['22.12.0', '22.23.5', '23.1.0', '24.0.0', '26.3.1']) assert.equal(nodeHasReusePort(v, 'linux'), true, v);
  assert.equal(nodeHasReusePort('24.0.0', 'darwin'), false);
  assert.equal(nodeHasReusePort('not-a-version', 'linux'), false);
});

test("a listener's options: its own exclusive SO_REUSEPORT socket, or the shared one", () => {
  assert.deepEqual(clientListenOptions('127.0.0.1', 0, 4096, true), { host: '127.0.0.1', port: 0, backlog: 4096, exclusive: true, reusePort: true });
  assert.deepEqual(clientListenOptions('127.0.0.1', 8480, 37, false), { host: '127.0.0.1', port: 8480, backlog: 37 });
});

function listen(server: Server, options: object): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(options, () => resolve((server.address() as { port: number }).port));
  });
}

test('with reusePort, two servers bind one port (what two JS gateways do)', { skip: !nodeHasReusePort() && `Node ${process.versions.node} has no reusePort` }, async (t) => {
  const a = createServer();
  const b = createServer();
  t.after(() => {
    a.close();
    b.close();
  });
  const port = await listen(a, clientListenOptions('127.0.0.1', 0, 511));
  assert.equal(await listen(b, clientListenOptions('127.0.0.1', port, 511)), port);
});
