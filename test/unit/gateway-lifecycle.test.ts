// Starting and stopping a gateway: engine.stop(), and the process entry
// (ready message, stop on IPC / SIGTERM, refusal to start without a secret).
import assert from 'node:assert/strict';
import { fork, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import { CommandOp, EventKind } from '../../src/protocol/constants.js';
import type { GatewayReadyMessage } from '../../src/supervisor/ipc.js';
import { FakeWorker } from '../helpers/fake-worker.js';
import { TcpClient, TestGateway, listenerConfig, waitFor } from '../helpers/gateway-test-engine.js';

const MAIN = fileURLToPath(new URL('../../src/gateway/main.js', import.meta.url));

test('stop: clients closed (WebSocket 1001), close events delivered before the links close', async (t) => {
  const gw = await TestGateway.start({ listeners: [listenerConfig('text'), listenerConfig('websocket')] });
  t.after(() => gw.close());
  const w = await gw.worker({ autoAck: true });
  const tcp = await gw.tcpClient('text');
  const ws = await gw.wsClient('websocket');
  await w.eventCount(3);
  const started = Date.now();
  await gw.engine.stop({ graceMs: 1000, timeoutMs: 2000 });
  assert.ok(Date.now() - started < 2100);
  assert.equal(await ws.waitClosed(), 1001);
  await tcp.waitClosed();
  const closes = w.events.filter((e) => e.kind === EventKind.Close);
  assert.deepEqual(closes.map((e) => e.payload.toString()), ['gateway stopping', 'gateway stopping']);
  await w.waitClosed();
  assert.equal(gw.stats().connections, 0);
});

test('engine API: listConnections rows and link control events', async (t) => {
  const gw = await TestGateway.start({ listeners: [listenerConfig('text'), listenerConfig('websocket')] });
  t.after(() => gw.close());
  const seen: string[] = [];
  gw.engine.onEvent((e) => seen.push(e.type === 'link-close' ? `${e.type}:${e.redelivered}` : e.type));
  const w = await gw.worker({ autoAck: true });
  const tcp = await gw.tcpClient('text');
  await gw.wsClient('websocket');
  await w.eventCount(3);
  const tcpId = w.events[0]!.clientId;
  w.command(CommandOp.BindUid, [tcpId, 'u7']);
  w.command(CommandOp.JoinGroup, [tcpId, 'g']);
  tcp.write('hello\n');
  await w.eventCount(4);
  const rows = gw.engine.listConnections();
  assert.equal(rows.length, 2);
  const row = rows.find((r) => r.clientId === tcpId)!;
  assert.equal(row.listener, 'text');
  assert.equal(row.protocol, 'text');
  assert.equal(row.remoteAddress, '127.0.0.1');
  assert.equal(row.remotePort, tcp.socket.localPort);
  assert.equal(row.uid, 'u7');
  assert.deepEqual(row.groups, ['g']);
  assert.equal(row.bytesIn, 6);
  assert.equal(row.sendQueueBytes, 0);
  assert.equal(typeof row.idleMs, 'number');
  assert.equal(gw.engine.listConnections({ listener: 'websocket' }).length, 1);
  assert.equal(gw.engine.listConnections({ limit: 1 }).length, 1);
  w.close();
  await waitFor('link-close', () => (seen.length === 2 ? true : undefined));
  assert.deepEqual(seen, ['link-open', 'link-close:0']);
});

interface Child {
  proc: ChildProcess;
  ready: Promise<GatewayReadyMessage>;
  exit: Promise<number | null>;
  output: () => string;
}

function startGatewayProcess(gw: TestGateway, overrides: Record<string, unknown> = {}): Child {
  const file = join(gw.runDir, 'config.json');
  writeFileSync(file, JSON.stringify({ ...gw.config, logLevel: 'info', ...overrides }));
  const proc = fork(MAIN, [], {
    env: { ...process.env, GATEHOUSE_ROLE: 'gateway', GATEHOUSE_INDEX: '1', GATEHOUSE_CONFIG_FILE: file },
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  });
  let out = '';
  proc.stdout!.on('data', (c: Buffer) => (out += c.toString()));
  proc.stderr!.on('data', (c: Buffer) => (out += c.toString()));
  return {
    proc,
    ready: new Promise((resolve) => proc.on('message', (m) => resolve(m as GatewayReadyMessage))),
    exit: new Promise((resolve) => proc.on('exit', (code) => resolve(code))),
    output: () => out,
  };
}

test('the gateway process reports ready with its ports, serves, and stops on IPC stop with exit 0', async (t) => {
  const gw = new TestGateway({ listeners: [listenerConfig('text', { name: 'chat' })] });
  t.after(() => gw.close());
  const child = startGatewayProcess(gw);
  t.after(() => child.proc.kill('SIGKILL'));
  const ready = await child.ready;
  assert.equal(ready.type, 'ready');
  assert.equal(ready.role, 'gateway');
  assert.match(ready.gatewayId, /^[0-9a-f]{12}$/);
  assert.equal(ready.linkPath, join(gw.runDir, 'gateway-1.sock'));
  assert.equal(ready.linkPort, null);
  assert.equal(ready.listeners.length, 1);
  assert.equal(ready.listeners[0]!.name, 'chat');
  assert.ok(ready.listeners[0]!.port > 0);

  const w = await FakeWorker.connect(ready.linkPath, { autoAck: true });
  t.after(() => w.close());
  const client = await TcpClient.connect(ready.listeners[0]!.port);
  t.after(() => client.destroy());
  const connect = await w.nextEvent();
  assert.equal(connect.clientId.slice(0, 12), ready.gatewayId);

  const started = Date.now();
  child.proc.send({ type: 'stop' });
  assert.equal(await child.exit, 0);
  assert.ok(Date.now() - started < 2500, 'exits within ~2 s');
  await client.waitClosed();
});

test('SIGTERM stops the gateway process with exit 0', async (t) => {
  const gw = new TestGateway({ listeners: [listenerConfig('websocket')] });
  t.after(() => gw.close());
  const child = startGatewayProcess(gw);
  t.after(() => child.proc.kill('SIGKILL'));
  await child.ready;
  child.proc.kill('SIGTERM');
  assert.equal(await child.exit, 0);
});

test('the gateway process refuses to start with linkHost and no secretKey: fatal log, exit 1', async (t) => {
  const gw = new TestGateway();
  t.after(() => gw.close());
  const child = startGatewayProcess(gw, { gateway: { ...gw.config.gateway, linkHost: '127.0.0.1' }, secretKey: null });
  t.after(() => child.proc.kill('SIGKILL'));
  assert.equal(await child.exit, 1);
  await waitFor('the fatal line', () => (/"level":60/.test(child.output()) ? true : undefined));
  assert.match(child.output(), /secretKey/);
});
