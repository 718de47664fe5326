// The listeners' accept-queue length (listen(2) backlog) is the configured
// one on both engines. For a listening socket, `ss -ltn` shows the backlog in
// its Send-Q column: the kernel's own record of what listen() was given
// (capped at net.core.somaxconn).
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { test } from 'node:test';
import { systemMaxBacklog } from '../../src/config/defaults.js';
import { TestGateway, listenerConfig } from '../helpers/gateway-test-engine.js';

/** Send-Q of the socket listening on 127.0.0.1:port, as the kernel reports it. */
function listenBacklog(port: number): number {
  const out = execFileSync('ss', ['-ltnH', `sport = :${port}`], { encoding: 'utf8' });
  const line = out.split('\n').find((l) => l.includes(`127.0.0.1:${port}`));
  assert.ok(line, `ss lists no listener on 127.0.0.1:${port}: ${JSON.stringify(out)}`);
  // State Recv-Q Send-Q Local Peer
  return Number(line.trim().split(/\s+/)[2]);
}

test('a listener listens with its configured backlog', async (t) => {
  const gw = await TestGateway.start({
    listeners: [listenerConfig('text', { name: 'small', backlog: 37 }), listenerConfig('websocket', { name: 'ws', backlog: 1234 })],
  });
  t.after(() => gw.close());
  assert.equal(listenBacklog(gw.port('small')), 37);
  assert.equal(listenBacklog(gw.port('ws')), 1234);
});

test("the default backlog is the system's maximum (net.core.somaxconn)", async (t) => {
  const gw = await TestGateway.start({ listeners: [listenerConfig('text')] });
  t.after(() => gw.close());
  assert.equal(listenBacklog(gw.port('text')), systemMaxBacklog());
});

test('systemMaxBacklog reads somaxconn, and falls back to 511', () => {
  assert.equal(systemMaxBacklog('/nonexistent/somaxconn'), 511);
  assert.equal(systemMaxBacklog('/proc/sys/net/core/somaxconn') > 0, true);
});
