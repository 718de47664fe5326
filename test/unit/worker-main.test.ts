/**
 * The business-worker process entry as the supervisor starts it: fork with
 * GATEHOUSE_ROLE/INDEX/CONFIG_FILE and an IPC channel; it reports ready once
 * linked and started, and stops gracefully on {type:'stop'} or SIGTERM.
 */
import assert from 'node:assert/strict';
import { fork } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { EventKind, gatewayLinkPath } from '../../src/protocol/index.js';
import { ENV_CONFIG_FILE, ENV_INDEX, ENV_ROLE } from '../../src/supervisor/ipc.js';
import { testConfig } from '../fixtures/worker-config.js';
import { FakeGateway } from '../helpers/fake-gateway.js';

const MAIN = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', 'src', 'worker', 'main.js');

async function startChild(index: number) {
  const runDir = mkdtempSync(join(tmpdir(), 'gh-main-'));
  const log = join(runDir, 'app.log');
  const configFile = join(runDir, 'config.json');
  writeFileSync(configFile, JSON.stringify(testConfig(runDir, { threads: 2 })));
  const gw = await FakeGateway.start({ path: gatewayLinkPath(runDir, 0) });
  const child = fork(MAIN, [], {
    env: { ...process.env, [ENV_ROLE]: 'worker', [ENV_INDEX]: String(index), [ENV_CONFIG_FILE]: configFile, GATEHOUSE_LOG_LEVEL: 'silent', GATEHOUSE_TEST_LOG: log },
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  });
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  const ready = await new Promise<unknown>((r) => child.once('message', r));
  return { runDir, log, gw, child, exited, ready };
}

test('reports ready over IPC and stops on {type:"stop"} with exit code 0, running onWorkerStop', async () => {
  const { runDir, log, gw, child, exited, ready } = await startChild(3);
  try {
    assert.deepEqual(ready, { type: 'ready', role: 'worker', linked: 1 });
    const link = await gw.link();
    const id = gw.newClientId();
    link.send(id, EventKind.Connect);
    await link.waitFor(() => link.textsTo(id).length === 1, 3000, 'hello');
    child.send({ type: 'stop' });
    assert.equal(await exited, 0);
    const lines = readFileSync(log, 'utf8').trim().split('\n').sort();
    assert.deepEqual(lines, ['start 3 0', 'start 3 1', 'stop 3 0', 'stop 3 1']);
  } finally {
    child.kill('SIGKILL');
    await gw.close();
    rmSync(runDir, { recursive: true, force: true });
  }
});

test('SIGTERM stops it gracefully too', async () => {
  const { runDir, gw, child, exited } = await startChild(0);
  try {
    child.kill('SIGTERM');
    assert.equal(await exited, 0);
  } finally {
    child.kill('SIGKILL');
    await gw.close();
    rmSync(runDir, { recursive: true, force: true });
  }
});

test('started by hand (no supervisor environment), it says how to start it', async () => {
  const child = fork(MAIN, [], { env: { ...process.env, [ENV_ROLE]: '' }, stdio: ['ignore', 'ignore', 'pipe', 'ipc'] });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const code = await new Promise<number | null>((r) => child.once('exit', (c) => r(c)));
  assert.notEqual(code, 0);
  assert.match(stderr, /start it with "gatehouse start <app>"/);
});
