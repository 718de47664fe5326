/**
 * The programmatic API: `start(config)` runs an app in this process (its
 * supervisor here, gateways and workers as children) and resolves with the
 * bound ports, reload() and stop(); the CLI reaches it through the run
 * directory as any app. Bad input is refused with a clear error, and nothing is
 * left running then.
 */
import assert from 'node:assert/strict';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { ConfigError, start, StartError, type GatehouseApp } from '../../src/index.js';
import { LineClient, closeAllClients } from '../helpers/clients.js';
import { forceStop, run, taggedEvents, waitFor, writeCliApp, type CliApp } from '../helpers/cli-commands.js';

const apps: CliApp[] = [];
const running: GatehouseApp[] = [];
after(async () => {
  closeAllClients();
  await Promise.all(running.map((a) => a.stop().catch(() => {})));
  for (const a of apps) {
    await forceStop(a);
    a.remove();
  }
});

function newApp(options: Parameters<typeof writeCliApp>[0] = {}): CliApp {
  const a = writeCliApp({ ...options, extra: { logLevel: 'error', ...options.extra } });
  apps.push(a);
  return a;
}

async function refused(port: number): Promise<boolean> {
  try {
    const c = await LineClient.connect(port, { label: 'after stop' });
    await c.close();
    return false;
  } catch {
    return true;
  }
}

test('start(object): the ports it bound, a client served, reload with the connection kept, stop', async () => {
  const dir = newApp().dir;
  const app = await start(
    {
      name: `api-${process.pid}`,
      events: './events.mjs',
      runDir: './run',
      logLevel: 'error',
      listeners: [{ name: 'tcp', protocol: 'text', host: '127.0.0.1', port: 0 }],
      gateway: { count: 1 },
      worker: { count: 1, threads: 1 },
      register: { embedded: false },
    },
    { dir },
  );
  running.push(app);
  assert.equal(app.name, `api-${process.pid}`);
  assert.equal(app.runDir, join(dir, 'run'), 'relative paths resolve against options.dir');
  const port = app.ports.tcp!;
  assert.ok(Number.isInteger(port) && port > 0, `the port the system chose for port 0: ${JSON.stringify(app.ports)}`);

  const c = await LineClient.connect(port, { label: 'client' });
  c.send('a');
  assert.equal(await c.next(5000), 'v1:a');

  // New code, no dropped connection.
  apps.at(-1)!.setEvents(taggedEvents('v2'));
  assert.deepEqual(await app.reload(), { replaced: 1 });
  c.send('b');
  assert.equal(await c.next(5000), 'v2:b');
  assert.equal(c.isClosed, false);

  const stopping = app.stop({ graceful: true });
  assert.equal(app.stop(), stopping, 'a second stop() is the same stop');
  await stopping;
  await waitFor('the client closed by the stop', () => c.isClosed, 5000);
  assert.equal(await refused(port), true, 'nothing listens after stop()');
  assert.deepEqual(readdirSync(app.runDir).filter((n) => n.endsWith('.pid') || n.endsWith('.sock') || n.endsWith('.ctl')), [], 'the run directory is clean');
});

test('start(path): an app directory, read as `gatehouse start` reads it; the CLI sees it, and its stop stops the app, not this process', async () => {
  const a = newApp({ gateways: 2 });
  const app = await start(a.dir);
  running.push(app);
  assert.equal(app.name, a.name);
  const c = await LineClient.connect(app.ports.tcp!, { label: 'client' });
  c.send('x');
  assert.equal(await c.next(5000), 'v1:x');

  const st = await run(['status', a.dir, '--json']);
  assert.equal(st.code, 0, st.stderr);
  const report = JSON.parse(st.stdout) as { processes: { role: string; pid: number }[] };
  assert.deepEqual(report.processes.map((p) => p.role).sort(), ['gateway', 'gateway', 'supervisor', 'worker']);
  assert.equal(report.processes.find((p) => p.role === 'supervisor')!.pid, process.pid, 'this process is the supervisor');

  const again = await start(a.dir).then(
    () => assert.fail('a second start of a running app must be refused'),
    (err: unknown) => err,
  );
  assert.ok(again instanceof StartError, String(again));
  assert.match((again as Error).message, new RegExp(`^${a.name} is already running \\(pid ${process.pid}\\)$`));
  c.send('y');
  assert.equal(await c.next(5000), 'v1:y', 'the refused start changed nothing');

  const stop = await run(['stop', a.dir]);
  assert.equal(stop.code, 0, stop.stderr);
  await waitFor('the client closed by `gatehouse stop`', () => c.isClosed, 10_000);
  assert.equal(existsSync(join(a.runDir, 'supervisor.pid')), false);
  await app.stop(); // already stopped: resolves
});

test('bad input is refused with a clear error, naming the setting, and nothing starts', async () => {
  const dir = newApp().dir;
  const base = { events: './events.mjs', runDir: './run', logLevel: 'error' as const, listeners: [{ name: 'tcp', protocol: 'text' as const, port: 0 }] };

  const badThreads = await start({ ...base, worker: { threads: 0 } }, { dir }).catch((e: unknown) => e);
  assert.ok(badThreads instanceof ConfigError, String(badThreads));
  assert.match(badThreads.message, /worker\.threads/);

  const noEvents = await start({ ...base, events: './missing.mjs' }, { dir }).catch((e: unknown) => e);
  assert.ok(noEvents instanceof ConfigError, String(noEvents));
  assert.match(noEvents.message, /^events module .*missing\.mjs does not exist$/);

  const fromEnv = await start({ ...base }, { dir, env: { GATEHOUSE_WORKER_COUNT: 'many' } }).catch((e: unknown) => e);
  assert.ok(fromEnv instanceof ConfigError, String(fromEnv));
  assert.match(fromEnv.message, /GATEHOUSE_WORKER_COUNT/, 'a bad value from the environment names its variable');

  const notConfig = await start(42 as never).catch((e: unknown) => e);
  assert.ok(notConfig instanceof ConfigError, String(notConfig));
  assert.match(notConfig.message, /an app directory, a config file path or a configuration object \(got number\)/);

  assert.equal(existsSync(join(dir, 'run', 'supervisor.pid')), false, 'nothing was started');
});

test('two apps with the default register settings run side by side on one machine (each embedded register gets its own port)', async () => {
  const dirs = [newApp().dir, newApp().dir];
  const both = await Promise.all(
    dirs.map((dir, i) =>
      start({ name: `side-${i}-${process.pid}`, events: './events.mjs', runDir: './run', logLevel: 'error', listeners: [{ name: 'tcp', protocol: 'text', host: '127.0.0.1', port: 0 }] }, { dir }),
    ),
  );
  running.push(...both);
  for (const [i, app] of both.entries()) {
    const c = await LineClient.connect(app.ports.tcp!, { label: `app ${i}` });
    c.send(`hello ${i}`);
    assert.equal(await c.next(5000), `v1:hello ${i}`);
  }
  await Promise.all(both.map((a) => a.stop()));
});
