/**
 * GATEHOUSE_* variables and `--set` flags: the name mapping, typed parsing,
 * precedence (flags > env > file > defaults) and the exact errors.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { test } from 'node:test';
import { allEnvNames, ConfigError, envNameOf, LISTENER_SETTINGS, loadConfig, parseSetFlags, SETTINGS, settingOfEnv, settingsFromEnv } from '../../src/config/index.js';

const base = { events: './events.js', listeners: [{ protocol: 'text', port: 9000 }] };

function app(config: object = base): string {
  const dir = mkdtempSync(join(tmpdir(), 'gh-config-env-'));
  writeFileSync(join(dir, 'gatehouse.config.json'), JSON.stringify(config));
  return dir;
}

test('every setting has a variable derived from its path, and the variable leads back to it', () => {
  assert.equal(envNameOf('gateway.pingInterval'), 'GATEHOUSE_GATEWAY_PING_INTERVAL');
  assert.equal(envNameOf('gateway.pingNotResponseLimit'), 'GATEHOUSE_GATEWAY_PING_NOT_RESPONSE_LIMIT');
  assert.equal(envNameOf('worker.threads'), 'GATEHOUSE_WORKER_THREADS');
  assert.equal(envNameOf('register.addresses'), 'GATEHOUSE_REGISTER_ADDRESSES');
  assert.equal(envNameOf('secretKey'), 'GATEHOUSE_SECRET_KEY');
  assert.equal(envNameOf('listeners.2.frame.headerSize'), 'GATEHOUSE_LISTENERS_2_FRAME_HEADER_SIZE');
  const names = allEnvNames();
  assert.equal(new Set(names).size, names.length, 'no two settings share a variable');
  for (const s of SETTINGS) assert.equal(settingOfEnv(envNameOf(s.path))?.path, s.path);
  for (const s of LISTENER_SETTINGS) assert.equal(settingOfEnv(envNameOf(`listeners.3.${s.path}`))?.path, `listeners.3.${s.path}`);
  assert.equal(settingOfEnv('GATEHOUSE_THREADS')?.path, 'worker.threads');
});

test('variables are typed by the schema and reach every kind of setting', async () => {
  const dir = app({ ...base, listeners: [{ protocol: 'frame', port: 9000 }] });
  const c = await loadConfig(dir, {}, {
    GATEHOUSE_NAME: 'chat',
    GATEHOUSE_SECRET_KEY: 's3cret',
    GATEHOUSE_QUERY_TIMEOUT: '2500',
    GATEHOUSE_LOG_LEVEL: 'debug',
    GATEHOUSE_LOG_FILE: 'logs/x.log',
    GATEHOUSE_STOP_TIMEOUT: '2000',
    GATEHOUSE_RELOAD_TIMEOUT: '4000',
    GATEHOUSE_GATEWAY_PING_INTERVAL: '10',
    GATEHOUSE_GATEWAY_PING_DATA: '{"type":"ping"}',
    GATEHOUSE_GATEWAY_LINK_HOST: '0.0.0.0',
    GATEHOUSE_GATEWAY_SLOW_CONSUMER_POLICY: 'close',
    GATEHOUSE_WORKER_THREADS: '4',
    GATEHOUSE_WORKER_GATEWAYS: '10.0.0.1:7300, 10.0.0.2:7300',
    GATEHOUSE_WORKER_PROCESS_TIMEOUT: '500',
    GATEHOUSE_REGISTER_EMBEDDED: 'false',
    GATEHOUSE_REGISTER_ADDRESSES: 'a:1,b:2',
    GATEHOUSE_LISTENERS_0_PORT: '9100',
    GATEHOUSE_LISTENERS_0_FRAME_HEADER_SIZE: '2',
    GATEHOUSE_LISTENERS_0_FRAME_LENGTH_INCLUDES_HEADER: 'yes',
    GATEHOUSE_TEST_LOG: '/not/a/setting',
    GATEHOUSE_WORKER_COUNT: '',
  });
  assert.equal(c.name, 'chat');
  assert.equal(c.secretKey, 's3cret');
  assert.equal(c.queryTimeout, 2500);
  assert.equal(c.logLevel, 'debug');
  assert.equal(c.logFile, resolve('logs/x.log'), 'a path from the environment is relative to the current directory');
  assert.equal(c.stopTimeout, 2000);
  assert.equal(c.reloadTimeout, 4000);
  assert.equal(c.gateway.pingInterval, 10);
  assert.equal(c.gateway.pingData, '{"type":"ping"}');
  assert.equal(c.gateway.linkHost, '0.0.0.0');
  assert.equal(c.gateway.slowConsumerPolicy, 'close');
  assert.equal(c.worker.threads, 4);
  assert.equal(c.worker.count, 1, 'an empty variable counts as unset');
  assert.deepEqual(c.worker.gateways, ['10.0.0.1:7300', '10.0.0.2:7300']);
  assert.equal(c.worker.processTimeout, 500);
  assert.equal(c.register.embedded, false);
  assert.deepEqual(c.register.addresses, ['a:1', 'b:2']);
  assert.equal(c.listeners[0]!.port, 9100);
  assert.deepEqual(c.listeners[0]!.frame, { headerSize: 2, endian: 'big', lengthIncludesHeader: true });
  const listed = await loadConfig(dir, {}, { GATEHOUSE_LISTENERS: '[{"protocol":"json","port":7001},{"protocol":"text","port":7002}]', GATEHOUSE_LISTENERS_1_PORT: '7003' });
  assert.deepEqual(listed.listeners.map((l) => `${l.protocol}:${l.port}`), ['json:7001', 'text:7003'], 'the whole list first, then a field of it');
  const nulled = await loadConfig(app({ ...base, secretKey: 'k', gateway: { linkHost: '0.0.0.0' } }), {}, { GATEHOUSE_GATEWAY_LINK_HOST: 'null' });
  assert.equal(nulled.gateway.linkHost, null);
});

test('flags win over variables, which win over the file, which wins over defaults', async () => {
  const dir = app({ ...base, gateway: { count: 2, pingInterval: 5 }, worker: { count: 3, threads: 4 }, stopTimeout: 5000 });
  const env = { GATEHOUSE_GATEWAY_PING_INTERVAL: '7', GATEHOUSE_WORKER_THREADS: '6', GATEHOUSE_STOP_TIMEOUT: '6000' };
  const c = await loadConfig(dir, { set: parseSetFlags(['stopTimeout=7000', 'worker.threads=8', 'worker.threads=9']), threads: 10 }, env);
  assert.equal(c.reloadTimeout, 30000, 'default');
  assert.equal(c.gateway.count, 2, 'file');
  assert.equal(c.gateway.pingInterval, 7, 'env over file');
  assert.equal(c.stopTimeout, 7000, '--set over env');
  assert.equal(c.worker.threads, 10, 'named flag over --set, which took the later of two');
  const later = await loadConfig(dir, { set: parseSetFlags(['worker.threads=8', 'worker.threads=9']) }, env);
  assert.equal(later.worker.threads, 9, 'the later --set wins');
  const rundir = await loadConfig(dir, { runDir: 'rel/run' }, { GATEHOUSE_RUN_DIR: '/tmp/elsewhere' });
  assert.equal(rundir.runDir, resolve('rel/run'));
});

test('--set parses typed values and names what is wrong', () => {
  assert.deepEqual(parseSetFlags(['gateway.pingInterval=2.5', 'listeners[1].port=81', 'register.addresses=', 'secretKey=']), [
    { path: 'gateway.pingInterval', value: 2.5, source: '--set gateway.pingInterval' },
    { path: 'listeners.1.port', value: 81, source: '--set listeners[1].port' },
    { path: 'register.addresses', value: [], source: '--set register.addresses' },
    { path: 'secretKey', value: null, source: '--set secretKey' },
  ]);
  const cases: [string, string][] = [
    ['worker.threads', '--set needs key=value, e.g. --set worker.threads=4 (got "worker.threads")'],
    ['=4', '--set needs key=value, e.g. --set worker.threads=4 (got "=4")'],
    ['worker.thread=4', '--set worker.thread: not a setting (did you mean worker.threads?); see docs/configuration.md'],
    ['listeners.0.prot=1', '--set listeners.0.prot: not a setting (did you mean listeners.<i>.port?); see docs/configuration.md'],
    ['nonsense.entirely=1', '--set nonsense.entirely: not a setting; see docs/configuration.md'],
    ['worker.threads=four', '--set worker.threads must be an integer (got "four")'],
    ['gateway.pingInterval=soon', '--set gateway.pingInterval must be a number (got "soon")'],
    ['register.embedded=maybe', '--set register.embedded must be true or false (got "maybe")'],
    ['listeners=[{', '--set listeners must be JSON: '],
    ['register.addresses=["a:1",2]', '--set register.addresses must be a JSON array of strings (got "[\\"a:1\\",2]")'],
    ['runDir=', '--set runDir must not be empty'],
  ];
  for (const [flag, message] of cases) {
    assert.throws(() => parseSetFlags([flag]), (err: unknown) => err instanceof ConfigError && err.message.startsWith(message), `${flag} → ${message}`);
  }
});

test('wrong variables get exact messages naming the variable', async () => {
  const dir = app();
  const cases: [NodeJS.ProcessEnv, string][] = [
    [{ GATEHOUSE_WORKER_THREADS: 'four' }, 'environment variable GATEHOUSE_WORKER_THREADS must be an integer (got "four")'],
    [{ GATEHOUSE_REGISTER_EMBEDDED: 'maybe' }, 'environment variable GATEHOUSE_REGISTER_EMBEDDED must be true or false (got "maybe")'],
    [{ GATEHOUSE_WORKER_THREDS: '4' }, 'environment variable GATEHOUSE_WORKER_THREDS is not a setting (did you mean GATEHOUSE_WORKER_THREADS?); see docs/configuration.md'],
    [{ GATEHOUSE_GATEWAY_NONSENSE_ENTIRELY: '1' }, 'environment variable GATEHOUSE_GATEWAY_NONSENSE_ENTIRELY is not a setting; see docs/configuration.md'],
    [{ GATEHOUSE_GATEWAYS: '2', GATEHOUSE_GATEWAY_COUNT: '3' }, 'environment variable GATEHOUSE_GATEWAYS="2" and environment variable GATEHOUSE_GATEWAY_COUNT="3" both set gateway.count; keep one'],
    [{ GATEHOUSE_WORKER_THREADS: '0' }, 'worker.threads must be an integer between 1 and 1024 (got 0); set by environment variable GATEHOUSE_WORKER_THREADS'],
    [{ GATEHOUSE_LISTENERS_0_PORT: '70000' }, 'listeners[0].port must be an integer between 0 and 65535 (got 70000); set by environment variable GATEHOUSE_LISTENERS_0_PORT'],
    [{ GATEHOUSE_LISTENERS_2_PORT: '1' }, 'environment variable GATEHOUSE_LISTENERS_2_PORT: there is no listeners[2] (there are 1 listeners; add listeners in order)'],
    [{ GATEHOUSE_LISTENERS_1_PORT: '9001' }, 'listeners[1].protocol is required (one of text, json, frame, websocket, custom); set by environment variable GATEHOUSE_LISTENERS_1_PORT'],
    [{ GATEHOUSE_REGISTER_HOST: '0.0.0.0' }, 'register.host 0.0.0.0 lets other machines reach the register, which requires a secretKey; set by environment variable GATEHOUSE_REGISTER_HOST'],
    [{ GATEHOUSE_LOG_LEVEL: 'loud' }, "logLevel must be one of 'trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent' (got \"loud\"); set by environment variable GATEHOUSE_LOG_LEVEL"],
  ];
  for (const [env, message] of cases) {
    await assert.rejects(loadConfig(dir, {}, env), (err: unknown) => err instanceof ConfigError && err.message === message, message);
  }
  await assert.rejects(loadConfig(dir, { set: parseSetFlags(['gateway.count=0']) }, {}), {
    message: 'gateway.count must be an integer between 1 and 256 (got 0); set by --set gateway.count',
  });
  await assert.rejects(loadConfig(dir, { gateways: 0 }, {}), { message: 'gateway.count must be an integer between 1 and 256 (got 0); set by --gateways' });
  await assert.rejects(loadConfig(app({ ...base, gateway: 3 }), { set: parseSetFlags(['gateway.count=2']) }, {}), {
    message: '--set gateway.count: gateway in the file must be an object to set gateway.count',
  });
});

test('variables that are not settings but not meant as ones are left alone', () => {
  assert.deepEqual(settingsFromEnv({ GATEHOUSE_ROLE: 'gateway', GATEHOUSE_REGISTERS: 'a:1', GATEHOUSE_REGISTER_BIND_PORT: '1236', GATEHOUSE_TEST_LOG_LEVEL: 'debug', GATEHOUSE_LOG_PRETTY: '1', GATEHOUSE_TEST_LOG: '/x', PATH: '/bin' }), []);
});
