/**
 * The supervisor killed with SIGKILL: gateways and workers keep serving every
 * client (old and new), `status` and `connections` still reach them through
 * the run directory, `reload` refuses with a clear error, and `stop` stops
 * them all. A business worker killed while the supervisor lives is restarted.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { LineClient, closeAllClients } from '../helpers/clients.js';
import { describe, forceStop, isRunning, readyPort, run, waitFor, writeCliApp } from '../helpers/cli-commands.js';

const app = writeCliApp({ gateways: 2, workers: 1 });

after(async () => {
  closeAllClients();
  await forceStop(app);
});

function pidOf(name: string): number {
  return Number(readFileSync(join(app.runDir, `${name}.pid`), 'utf8'));
}

test('a killed business worker is restarted by the supervisor; its client stays connected', async () => {
  const r = await run(['start', app.dir, '-d']);
  assert.equal(r.code, 0, describe(['start', '-d'], r));
  const c = await LineClient.connect(readyPort(app), { label: 'client' });
  c.send('a');
  assert.equal(await c.next(5000), 'v1:a');
  const old = pidOf('worker-0');
  process.kill(old, 'SIGKILL');
  await waitFor('a new worker-0', () => {
    try {
      return pidOf('worker-0') !== old && isRunning(pidOf('worker-0'));
    } catch {
      return false;
    }
  }, 15_000);
  c.send('b');
  assert.equal(await c.next(15_000), 'v1:b');
  assert.equal(c.isClosed, false);
});

test('after the supervisor dies, every client is still served and new ones are accepted', async () => {
  const port = readyPort(app);
  const clients = [];
  for (let i = 0; i < 4; i++) clients.push(await LineClient.connect(port, { label: `c${i}` }));
  const supervisor = pidOf('supervisor');
  const children = ['gateway-0', 'gateway-1', 'worker-0'].map(pidOf);
  process.kill(supervisor, 'SIGKILL');
  await waitFor('the supervisor is gone', () => !isRunning(supervisor));
  await new Promise((r) => setTimeout(r, 300));
  for (const pid of children) assert.ok(isRunning(pid), `child ${pid} outlives the supervisor`);
  for (const [i, c] of clients.entries()) {
    c.send(`m${i}`);
    assert.equal(await c.next(5000), `v1:m${i}`);
  }
  const late = await LineClient.connect(port, { label: 'late' });
  late.send('late');
  assert.equal(await late.next(5000), 'v1:late');
});

test('status and connections reach the children through the run directory; reload refuses', async () => {
  const st = await run(['status', app.dir, '--json']);
  assert.equal(st.code, 0, describe(['status', '--json'], st));
  const report = JSON.parse(st.stdout) as { processes: { role: string; index: number; pid: number; connections: number }[]; summary: { connections: number } };
  assert.deepEqual(report.processes.map((p) => `${p.role}-${p.index}`), ['gateway-0', 'gateway-1', 'worker-0']);
  assert.equal(report.summary.connections, 6); // 1 + 4 + late, none lost
  const conns = await run(['connections', app.dir, '--json']);
  assert.equal(conns.code, 0, describe(['connections'], conns));
  assert.equal(JSON.parse(conns.stdout).total, 6);
  const reload = await run(['reload', app.dir]);
  assert.equal(reload.code, 1, describe(['reload'], reload));
  assert.match(reload.stderr, new RegExp(`^gatehouse: cannot reload ${app.name}: its supervisor is not running \\(its processes still are: gateway-0 \\d+, gateway-1 \\d+, worker-0 \\d+\\)`));
  const start = await run(['start', app.dir, '-d']);
  assert.equal(start.code, 1);
  assert.match(start.stderr, new RegExp(`^gatehouse: ${app.name} is already running \\(pid \\d+\\)\\n$`));
});

test('stop -g stops the orphaned processes: gateways first, then the worker', async () => {
  const pids = ['gateway-0', 'gateway-1', 'worker-0'].map(pidOf);
  const r = await run(['stop', app.dir, '-g'], 30_000);
  assert.equal(r.code, 0, describe(['stop', '-g'], r));
  assert.equal(r.stdout, `gatehouse: ${app.name} stopped\n`);
  for (const pid of pids) assert.equal(isRunning(pid), false, `pid ${pid} is gone`);
  const log = readFileSync(join(app.runDir, 'gatehouse.log'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { msg: string; role: string; time: number });
  const stopping = log.filter((l) => / stopping$/.test(l.msg) && l.time > 0);
  const lastGateway = Math.max(...stopping.filter((l) => l.role === 'gateway').map((l) => l.time));
  const worker = stopping.filter((l) => l.role === 'worker').at(-1)!;
  assert.ok(worker.time >= lastGateway, 'the worker was asked to stop after the gateways');
  const st = await run(['status', app.dir]);
  assert.equal(st.code, 1);
  assert.equal(st.stderr, `gatehouse: ${app.name} is not running\n`);
});
