/**
 * Failures: a handler that throws (or rejects) affects only its event, the
 * client stays connected and is answered next, and the error is logged with
 * the client id; a business-worker process that dies is restarted and its
 * clients are served again; SIGTERM stops everything and the supervisor exits 0.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { closeAllClients, eventually, LineClient } from '../helpers/clients.js';
import { fixtureApp, startCluster, type Cluster, type LogLine } from '../helpers/cluster.js';

let cluster: Cluster;
const stopFile = join(mkdtempSync(join(tmpdir(), 'gh-e2e-stop-')), 'stopped.txt');

before(async () => {
  cluster = await startCluster({
    env: { GH_E2E_STOP_FILE: stopFile },
    app: {
      events: fixtureApp('throwing'),
      listeners: [
        { name: 'tcp', protocol: 'text' },
        { name: 'connboom', protocol: 'text' },
      ],
      worker: { count: 1, threads: 2 },
    },
  });
});

after(async () => {
  closeAllClients();
  await cluster?.stop();
  rmSync(dirname(stopFile), { recursive: true, force: true });
});

async function connectWithId(label: string): Promise<{ c: LineClient; id: string }> {
  const c = await LineClient.connect(cluster.port('tcp'), { label });
  const first = await c.next();
  const id = /^id ([0-9a-f]{24})$/.exec(first)?.[1];
  assert.ok(id, `expected "id <clientId>" on connect, got ${JSON.stringify(first)}`);
  return { c, id };
}

function errorLogWith(...needles: string[]): (l: LogLine) => boolean {
  return (l) => typeof l.level === 'number' && l.level >= 50 && needles.every((n) => JSON.stringify(l).includes(n));
}

describe('handler errors', () => {
  test('a handler that throws leaves the client connected, the next message is answered, the error is logged with the client id', async () => {
    const { c, id } = await connectWithId('thrower');
    const tag = `t${Date.now()}`;
    c.send(`throw ${tag}`);
    c.send('echo after-throw');
    assert.equal(await c.next(), 'after-throw');
    await cluster.waitForLog(errorLogWith(id, `boom ${tag}`), `an error line with client id ${id} and "boom ${tag}"`);
    assert.equal(c.isClosed, false);
    await c.close();
  });

  test('an async handler that rejects: same', async () => {
    const { c, id } = await connectWithId('rejecter');
    const tag = `r${Date.now()}`;
    c.write(`reject ${tag}\necho after-reject\n`);
    assert.equal(await c.next(), 'after-reject');
    await cluster.waitForLog(errorLogWith(id, `boom ${tag}`), `an error line with client id ${id} and "boom ${tag}"`);
    await c.close();
  });

  test('onConnect that throws leaves the client connected and served', async () => {
    const c = await LineClient.connect(cluster.port('connboom'), { label: 'connboom' });
    c.send('echo served');
    assert.equal(await c.next(), 'served');
    await cluster.waitForLog(errorLogWith('connect boom'), 'an error line for the onConnect failure');
    await c.close();
  });
});

describe('process tree', () => {
  test('a business-worker process that dies is restarted and the client is served again', async () => {
    const { c } = await connectWithId('survivor');
    c.send('pid');
    const before = Number(/^pid (\d+)$/.exec(await c.next())?.[1]);
    assert.ok(before > 0);
    process.kill(before, 'SIGKILL');
    await eventually(
      async () => {
        try {
          process.kill(before, 0);
          return false;
        } catch {
          return true;
        }
      },
      (gone) => gone,
      `worker ${before} gone`,
    );
    c.send('echo back');
    assert.equal(await c.next(15_000), 'back', 'answered after the worker died');
    c.send('pid');
    const afterPid = Number(/^pid (\d+)$/.exec(await c.next())?.[1]);
    assert.ok(afterPid > 0 && afterPid !== before, `a new worker process serves the client (before ${before}, after ${afterPid})`);
    assert.equal(c.isClosed, false, 'the client stayed connected');
    await c.close();
  });

  test('SIGTERM stops everything: onWorkerStop runs once per thread, the supervisor exits 0, no process is left, clients are closed', async () => {
    const { c } = await connectWithId('until-stop');
    const exit = await cluster.stop('SIGTERM', 8000);
    assert.equal(exit.killed, false, `the supervisor did not exit within 8 s of SIGTERM\n${cluster.tail()}`);
    assert.equal(exit.code, 0, `exit code (signal ${exit.signal})\n${cluster.tail()}`);
    assert.equal(exit.lingering, false, 'processes of the supervisor were still running after it exited');
    await c.waitClosed(3000);
    const stopped = existsSync(stopFile) ? readFileSync(stopFile, 'utf8').trim().split('\n').sort() : [];
    assert.deepEqual(stopped, ['0:0', '0:1'], 'onWorkerStop of worker 0, threads 0 and 1 (the worker restarted above runs them once each)');
  });
});
