/**
 * The gateway's operations HTTP endpoints on both servers (uWebSockets.js and
 * the node:http fallback, forced through the injectable loader): the same
 * answers, one log line naming the server, exclusive ports; and the
 * gateway.opsPort / gateway.opsHost settings.
 */
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { after, test } from 'node:test';
import { pino } from 'pino';
import { resolveConfig, settingsFromEnv } from '../../src/config/index.js';
import type { ConnectionRow, EngineStats } from '../../src/gateway/engine.js';
import { loadUwsBinary, startOpsHttp, type OpsHttpOptions, type OpsHttpServer, type OpsSource } from '../../src/gateway/ops-http/ops-http.js';
import { listenerConfig, TestGateway, waitFor } from '../helpers/gateway-test-engine.js';

function row(i: number): ConnectionRow {
  return {
    clientId: `c${i}`, listener: 'text', protocol: 'text', remoteAddress: '127.0.0.1', remotePort: 40000 + i,
    uid: null, groups: [], bytesIn: 0, bytesOut: 0, sendQueueBytes: 0, eventsWaiting: 0, eventsUnacked: 0, slowConsumerDrops: 0, connectedAt: 1, idleMs: 0,
  };
}

/** A source whose engine returns fixed rows and a couple of counters, and records the limits asked. */
function fakeSource(): OpsSource & { limits: (number | undefined)[]; failStats: boolean } {
  const src = {
    engineKind: 'native' as const,
    limits: [] as (number | undefined)[],
    failStats: false,
    engine: {
      stats: () => {
        if (src.failStats) throw new Error('engine gone');
        return { gatewayId: 'g1', connections: 3 } as unknown as EngineStats;
      },
      listConnections: (o: { limit?: number } = {}) => {
        src.limits.push(o.limit);
        return [row(0), row(1), row(2)].slice(0, o.limit);
      },
    },
  };
  return src;
}

function memoryLogger(): { logger: OpsHttpOptions['logger']; lines: { msg: string; server?: string; uwsUnavailable?: string }[] } {
  const lines: { msg: string; server?: string }[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const l of chunk.toString().split('\n')) if (l) lines.push(JSON.parse(l));
      done();
    },
  });
  return { logger: pino({ level: 'info' }, sink), lines };
}

const open: OpsHttpServer[] = [];
after(async () => {
  for (const s of open) await s.close();
});

async function get(server: OpsHttpServer, target: string, method = 'GET'): Promise<{ status: number; type: string | null; body: string }> {
  const r = await fetch(`http://127.0.0.1:${server.port}${target}`, { method });
  return { status: r.status, type: r.headers.get('content-type'), body: await r.text() };
}

const LOADERS: { name: string; kind: OpsHttpServer['kind']; loadUws?: OpsHttpOptions['loadUws'] }[] = [
  { name: 'uWebSockets.js', kind: 'uWebSockets.js' },
  { name: 'node:http (uWS unavailable)', kind: 'node:http', loadUws: async () => null },
  {
    name: 'node:http (uWS fails to load)',
    kind: 'node:http',
    loadUws: async () => {
      throw new Error('Module did not self-register');
    },
  },
];

/** uWebSockets.js is an optional dependency: without its binary only the fallback can be tested. */
const uwsMissing = await loadUwsBinary().then(
  () => false,
  (err: Error) => `uWebSockets.js does not load here: ${err.message.split('\n')[0]}`,
);

for (const { name, kind, loadUws } of LOADERS) {
  test(`endpoints on ${name}`, { skip: kind === 'uWebSockets.js' ? uwsMissing : false }, async () => {
    const source = fakeSource();
    const { logger, lines } = memoryLogger();
    const server = await startOpsHttp({ host: '127.0.0.1', port: 0, source, logger, loadUws });
    open.push(server);
    assert.equal(server.kind, kind);
    assert.ok(server.port > 0);
    await waitFor('the log line', () => (lines.length > 0 ? true : undefined));
    assert.equal(lines.length, 1);
    assert.equal(lines[0]!.server, kind);
    assert.equal(lines[0]!.msg, `operations HTTP on ${kind}`);
    if (loadUws !== undefined && name.includes('fails')) assert.equal(lines[0]!.uwsUnavailable, 'Module did not self-register');

    assert.deepEqual(await get(server, '/healthz'), { status: 200, type: 'application/json', body: '{"status":"ok"}' });
    const stats = await get(server, '/stats');
    assert.equal(stats.status, 200);
    assert.deepEqual(JSON.parse(stats.body), { gatewayId: 'g1', connections: 3, engine: 'native' });

    const all = await get(server, '/connections');
    assert.equal(all.status, 200);
    assert.deepEqual(JSON.parse(all.body), [row(0), row(1), row(2)]);
    assert.deepEqual(JSON.parse((await get(server, '/connections?limit=2')).body), [row(0), row(1)]);
    assert.deepEqual(JSON.parse((await get(server, '/connections?x=1&limit=0')).body), []);
    assert.deepEqual(source.limits, [undefined, 2, 0]);
    const bad = await get(server, '/connections?limit=-1');
    assert.equal(bad.status, 400);
    assert.match(JSON.parse(bad.body).error, /^limit must be a non-negative integer/);

    for (const [target, method] of [['/', 'GET'], ['/nope', 'GET'], ['/healthz/', 'GET'], ['/healthz', 'POST'], ['/stats', 'DELETE']] as const) {
      const r = await get(server, target, method);
      assert.equal(r.status, 404, `${method} ${target}`);
      assert.deepEqual(JSON.parse(r.body), { error: 'not found' });
    }

    source.failStats = true;
    const failed = await get(server, '/stats');
    assert.equal(failed.status, 500);
    assert.deepEqual(JSON.parse(failed.body), { error: 'engine gone' });
    assert.equal((await get(server, '/healthz')).status, 200);

    // Exclusive: a second server on the same port is refused rather than sharing it.
    await assert.rejects(startOpsHttp({ host: '127.0.0.1', port: server.port, source, logger, loadUws }));
    await server.close();
    open.pop();
    await assert.rejects(fetch(`http://127.0.0.1:${server.port}/healthz`));
  });
}

test('a real JS engine: /stats carries every counter and engine "js", /connections its rows', async () => {
  const gw = await TestGateway.start({ listeners: [listenerConfig('text')] });
  const { logger } = memoryLogger();
  const server = await startOpsHttp({ host: '127.0.0.1', port: 0, source: { engine: gw.engine, engineKind: 'js' }, logger });
  try {
    const client = await gw.tcpClient('text');
    await waitFor('the connection', () => (gw.stats().connections === 1 ? true : undefined));
    const stats = JSON.parse((await get(server, '/stats')).body) as Record<string, unknown>;
    assert.equal(stats.engine, 'js');
    assert.deepEqual(Object.keys(stats).sort(), [...Object.keys(gw.stats()), 'engine'].sort());
    assert.equal(stats.connections, 1);
    const rows = JSON.parse((await get(server, '/connections?limit=5')).body) as ConnectionRow[];
    assert.equal(rows.length, 1);
    assert.equal(rows[0]!.remotePort, client.socket.localPort);
  } finally {
    await server.close();
    await gw.close();
  }
});

test('gateway.opsPort and gateway.opsHost: defaults, variables, ranges, collisions', () => {
  const base = { events: './e.js', listeners: [{ protocol: 'text', port: 9000 }] };
  const d = resolveConfig(base, '/srv/app');
  assert.equal(d.gateway.opsPort, 0);
  assert.equal(d.gateway.opsHost, '127.0.0.1');
  const c = resolveConfig({ ...base, gateway: { opsPort: 9100, opsHost: '0.0.0.0', count: 2 } }, '/srv/app');
  assert.equal(c.gateway.opsPort, 9100);
  assert.equal(c.gateway.opsHost, '0.0.0.0');
  assert.deepEqual(settingsFromEnv({ GATEHOUSE_GATEWAY_OPS_PORT: '9100', GATEHOUSE_GATEWAY_OPS_HOST: '10.0.0.1' }), [
    { path: 'gateway.opsHost', value: '10.0.0.1', source: 'environment variable GATEHOUSE_GATEWAY_OPS_HOST' },
    { path: 'gateway.opsPort', value: 9100, source: 'environment variable GATEHOUSE_GATEWAY_OPS_PORT' },
  ]);
  assert.throws(() => resolveConfig({ ...base, gateway: { opsPort: 70000 } }, '/srv/app'), /^ConfigError: gateway\.opsPort must be an integer between 0 and 65535 \(got 70000\)$/);
  assert.throws(() => resolveConfig({ ...base, gateway: { opsPort: '9100' } }, '/srv/app'), /gateway\.opsPort must be an integer between 0 and 65535 \(got "9100"\)/);
  assert.throws(() => resolveConfig({ ...base, gateway: { opsHost: ' ' } }, '/srv/app'), /gateway\.opsHost must not be empty/);
  assert.throws(() => resolveConfig({ ...base, gateway: { opsPort: 65535, count: 2 } }, '/srv/app'), /gateway\.opsPort 65535 leaves no port for gateway 1/);
  // Gateway 1's ops port is the listener's port.
  assert.throws(() => resolveConfig({ ...base, gateway: { opsPort: 8999, count: 2 } }, '/srv/app'), /gateway\.opsPort \(gateway 1's operations HTTP\) and listener "text-9000" both use/);
});
