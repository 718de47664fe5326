import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { ConfigError, loadConfig, resolveConfig } from '../../src/config/index.js';
import { prepareRunDir } from '../../src/supervisor/run-dir.js';

const base = { events: './events.js', listeners: [{ protocol: 'text', port: 9000 }] };

test('defaults are filled in and paths resolved against the app directory', () => {
  const c = resolveConfig(base, '/srv/app');
  assert.equal(c.name, 'app');
  assert.equal(c.events, '/srv/app/events.js');
  assert.equal(c.listeners[0]!.name, 'text-9000');
  assert.equal(c.listeners[0]!.host, '0.0.0.0');
  assert.equal(c.listeners[0]!.maxMessageSize, 1024 * 1024);
  assert.deepEqual(c.listeners[0]!.frame, { headerSize: 4, endian: 'big', lengthIncludesHeader: false });
  assert.equal(c.gateway.count, 1);
  assert.equal(c.worker.count, 1);
  assert.ok(c.worker.threads >= 1);
  assert.equal(c.secretKey, null);
  assert.match(c.runDir, /gatehouse-\d+\/app-[0-9a-f]{10}$/);
  assert.equal(c.logFile, join(c.runDir, 'gatehouse.log'));
  assert.equal(c.stopTimeout, 10000);
  assert.equal(c.reloadTimeout, 30000);
  assert.equal(c.worker.processTimeout, 30000);
  assert.deepEqual(c.register, { embedded: true, host: '127.0.0.1', port: 0, addresses: [] });
});

test('settings that are right are accepted as written', () => {
  const c = resolveConfig(
    {
      ...base,
      secretKey: 'k',
      logFile: 'logs/app.log',
      stopTimeout: 100,
      register: { embedded: false, host: '0.0.0.0', port: 0, addresses: ['[::1]:1236', '10.0.0.5:1236'] },
      worker: { gateways: ['gw.example:7300'] },
    },
    '/srv/app',
  );
  assert.equal(c.logFile, '/srv/app/logs/app.log');
  assert.deepEqual(c.register.addresses, ['[::1]:1236', '10.0.0.5:1236']);
  assert.deepEqual(c.worker.gateways, ['gw.example:7300']);
  // The register and a listener may share a port number on different hosts.
  const apart = resolveConfig({ ...base, listeners: [{ protocol: 'text', port: 1236, host: '10.0.0.1' }], register: { port: 1236 } }, '/srv/app');
  assert.equal(apart.register.port, 1236);
});

test('each wrong setting is named with what it must be', () => {
  const cases: [unknown, RegExp][] = [
    [{ ...base, listeners: [{ protocol: 'text', port: 70000 }] }, /^listeners\[0\]\.port must be an integer between 0 and 65535 \(got 70000\)$/],
    [{ ...base, listeners: [{ protocol: 'udp', port: 1 }] }, /^listeners\[0\]\.protocol must be one of 'text', 'json', 'frame', 'websocket', 'custom'/],
    [{ ...base, listeners: [{ protocol: 'frame', port: 1, frame: { headerSize: 3 } }] }, /^listeners\[0\]\.frame\.headerSize must be 2 or 4 \(got 3\)$/],
    [{ ...base, listeners: [{ protocol: 'custom', port: 1 }] }, /^listeners\[0\]\.codec must name the codec module/],
    [{ ...base, listeners: [{ protocol: 'text', port: 1, prot: 2 }] }, /^listeners\[0\]\.prot is not a setting/],
    [{ ...base, gateway: { count: 0 } }, /^gateway\.count must be an integer between 1 and 256 \(got 0\)$/],
    [{ ...base, worker: { threads: 1.5 } }, /^worker\.threads must be an integer/],
    [{ ...base, gateway: { linkHost: '0.0.0.0' } }, /requires a secretKey/],
    [{ ...base, gatway: {} }, /^gatway is not a setting/],
    [{ listeners: [] }, /^events must name/],
    [{ ...base, listeners: [{ protocol: 'text', port: 1 }, { protocol: 'json', port: 1 }] }, /both use 0\.0\.0\.0:1/],
    [{ ...base, listeners: [{ protocol: 'text', port: 1, name: 'a' }, { protocol: 'json', port: 2, name: 'a' }] }, /name "a" is used twice/],
    [{ ...base, listeners: [{ protocol: 'text', port: 1, host: '' }] }, /^listeners\[0\]\.host must not be empty$/],
    [{ ...base, listeners: [{ protocol: 'frame', port: 1, frame: { lengthIncludesHeader: 'yes' } }] }, /^listeners\[0\]\.frame\.lengthIncludesHeader must be true or false \(got "yes"\)$/],
    [{ ...base, listeners: {} }, /^listeners must be a list of client listeners \(got \{\}\)$/],
    [{ ...base, name: '' }, /^name must not be empty$/],
    [{ ...base, runDir: '' }, /^runDir must not be empty$/],
    [{ ...base, logFile: 7 }, /^logFile must be a string \(got 7\)$/],
    [{ ...base, logLevel: 'verbose' }, /^logLevel must be one of 'trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent' \(got "verbose"\)$/],
    [{ ...base, queryTimeout: 0 }, /^queryTimeout must be an integer between 1 and 3600000 \(got 0\)$/],
    [{ ...base, stopTimeout: 50 }, /^stopTimeout must be an integer between 100 and 3600000 \(got 50\)$/],
    [{ ...base, reloadTimeout: '30s' }, /^reloadTimeout must be an integer between 100 and 3600000 \(got "30s"\)$/],
    [{ ...base, secretKey: '' }, /^secretKey must not be empty/],
    [{ ...base, secretKey: 42 }, /^secretKey must be a string \(got 42\)$/],
    [{ ...base, gateway: 3 }, /^gateway must be an object \(got 3\)$/],
    [{ ...base, gateway: { pingInterval: -1 } }, /^gateway\.pingInterval must be a number between 0 and 86400 \(got -1\)$/],
    [{ ...base, gateway: { pingNotResponseLimit: 2.5 } }, /^gateway\.pingNotResponseLimit must be an integer between 0 and 1000 \(got 2\.5\)$/],
    [{ ...base, gateway: { pingData: 1 } }, /^gateway\.pingData must be a string \(got 1\)$/],
    [{ ...base, gateway: { linkHost: '' } }, /^gateway\.linkHost must not be empty$/],
    [{ ...base, gateway: { linkPort: 0 } }, /^gateway\.linkPort must be an integer between 1 and 65535 \(got 0\)$/],
    [{ ...base, secretKey: 's', gateway: { linkHost: '0.0.0.0', linkPort: 65535, count: 2 } }, /^gateway\.linkPort 65535 leaves no port for gateway 1/],
    [{ ...base, secretKey: 's', gateway: { linkHost: '0.0.0.0', linkPort: 9000 } }, /^gateway\.linkPort \(gateway 0's worker link\) and listener "text-9000" both use 0\.0\.0\.0:9000$/],
    [{ ...base, gateway: { maxUnackedEvents: 1 } }, /^gateway\.maxUnackedEvents must be an integer between 16 and 16777216 \(got 1\)$/],
    [{ ...base, gateway: { sendBufferSize: 10 } }, /^gateway\.sendBufferSize must be an integer between 1024 and 1073741824 \(got 10\)$/],
    [{ ...base, gateway: { slowConsumerPolicy: 'block' } }, /^gateway\.slowConsumerPolicy must be one of 'drop', 'close' \(got "block"\)$/],
    [{ ...base, worker: { count: -1 } }, /^worker\.count must be an integer between 0 and 256 \(got -1\)$/],
    [{ ...base, worker: { maxBatchEvents: 0 } }, /^worker\.maxBatchEvents must be an integer between 1 and 1048576 \(got 0\)$/],
    [{ ...base, worker: { credits: 0 } }, /^worker\.credits must be an integer between 1 and 16777216 \(got 0\)$/],
    [{ ...base, worker: { processTimeout: 0 } }, /^worker\.processTimeout must be an integer between 1 and 86400000 \(got 0\)$/],
    [{ ...base, worker: { gateways: 'a:1' } }, /^worker\.gateways must be a list of "host:port" addresses \(got "a:1"\)$/],
    [{ ...base, worker: { gateways: ['a:1', 'b:70000'] } }, /^worker\.gateways\[1\] must be "host:port" with a port from 1 to 65535 \(got "b:70000"\)$/],
    [{ ...base, worker: { gateways: ['10.0.0.2:7300'] } }, /^worker\.gateways links over TCP, which requires a secretKey$/],
    [{ ...base, worker: { thread: 2 } }, /^worker\.thread is not a setting/],
    [{ ...base, register: { embedded: 'no' } }, /^register\.embedded must be true or false \(got "no"\)$/],
    [{ ...base, register: { host: '' } }, /^register\.host must not be empty$/],
    [{ ...base, register: { port: 65536 } }, /^register\.port must be an integer between 0 and 65535 \(got 65536\)$/],
    [{ ...base, register: { addresses: ['nohost'] } }, /^register\.addresses\[0\] must be "host:port" with a port from 1 to 65535 \(got "nohost"\)$/],
    [{ ...base, register: { host: '0.0.0.0' } }, /^register\.host 0\.0\.0\.0 lets other machines reach the register, which requires a secretKey$/],
    [{ ...base, register: { addresses: ['127.0.0.1:1236', '10.1.1.1:1236'] } }, /^register\.addresses includes 10\.1\.1\.1:1236 on another machine, which requires a secretKey$/],
    [{ ...base, register: { port: 9000 } }, /^register\.port \(the embedded register\) and listener "text-9000" both use 0\.0\.0\.0:9000$/],
    [{ ...base, register: { registers: [] } }, /^register\.registers is not a setting/],
  ];
  for (const [raw, message] of cases) {
    assert.throws(() => resolveConfig(raw, '/srv/app'), (err: unknown) => err instanceof ConfigError && message.test(err.message), String(message));
  }
});

test('flags override the environment, which overrides the file', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'gh-config-'));
  writeFileSync(join(dir, 'gatehouse.config.json'), JSON.stringify({ ...base, gateway: { count: 2 }, worker: { count: 3, threads: 4 } }));
  const fileOnly = await loadConfig(dir, {}, {});
  assert.equal(fileOnly.gateway.count, 2);
  assert.equal(fileOnly.worker.threads, 4);
  const env = { GATEHOUSE_GATEWAYS: '5', GATEHOUSE_THREADS: '6' };
  const withEnv = await loadConfig(dir, {}, env);
  assert.equal(withEnv.gateway.count, 5);
  assert.equal(withEnv.worker.threads, 6);
  assert.equal(withEnv.worker.count, 3);
  const withFlags = await loadConfig(dir, { gateways: 7 }, env);
  assert.equal(withFlags.gateway.count, 7);
  assert.equal(withFlags.worker.threads, 6);
  await assert.rejects(loadConfig(dir, {}, { GATEHOUSE_WORKERS: 'many' }), { message: 'environment variable GATEHOUSE_WORKERS must be an integer (got "many")' });
  await assert.rejects(loadConfig(join(dir, 'missing'), {}, {}), /does not exist/);
});

test('the run directory is private to its owner', () => {
  const dir = join(mkdtempSync(join(tmpdir(), 'gh-run-')), 'nested', 'run');
  prepareRunDir(dir);
  assert.equal(statSync(dir).mode & 0o777, 0o700);
});

test("a listener's backlog defaults to net.core.somaxconn and is checked", () => {
  const somaxconn = Number(readFileSync('/proc/sys/net/core/somaxconn', 'utf8').trim());
  assert.equal(resolveConfig(base, '/srv/app').listeners[0]!.backlog, somaxconn);
  const withBacklog = { ...base, listeners: [{ protocol: 'text', port: 9000, backlog: 100 }] };
  assert.equal(resolveConfig(withBacklog, '/srv/app').listeners[0]!.backlog, 100);
  assert.throws(
    () => resolveConfig({ ...base, listeners: [{ protocol: 'text', port: 9000, backlog: 0 }] }, '/srv/app'),
    (err: unknown) => err instanceof ConfigError && err.message === 'listeners[0].backlog must be an integer between 1 and 1048576 (got 0)',
  );
});
