/**
 * `gatehouse register`: a standalone register in the foreground — it serves
 * announcements and subscriptions with the secret it was given, stops on
 * SIGTERM with exit 0, and every misuse gets a clear message and exit code.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { createServer } from 'node:net';
import { after, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { createLogger } from '../../src/log/logger.js';
import { GatewayAnnouncer } from '../../src/register/announcer.js';
import { GatewayDirectory } from '../../src/register/gateway-directory.js';
import { CLI, REPO_ROOT } from '../helpers/cluster.js';

const logger = createLogger('test', {}, 'silent');
const cleanups: (() => unknown)[] = [];
after(async () => {
  for (const c of cleanups.reverse()) await c();
});

function env(): NodeJS.ProcessEnv {
  const e = { ...process.env };
  delete e.NODE_TEST_CONTEXT;
  for (const k of Object.keys(e)) if (k.startsWith('GATEHOUSE_')) delete e[k];
  return e;
}

function run(args: string[]): { status: number | null; stderr: string; stdout: string } {
  const r = spawnSync(process.execPath, [CLI, ...args], { cwd: REPO_ROOT, env: env(), encoding: 'utf8', timeout: 15_000 });
  return { status: r.status, stderr: r.stderr, stdout: r.stdout };
}

test('a standalone register serves gateways and workers with its secret, and stops on SIGTERM', async () => {
  const proc = spawn(process.execPath, [CLI, 'register', '--port', '0', '--secret-key', 'cli-secret'], { cwd: REPO_ROOT, env: env(), stdio: ['ignore', 'pipe', 'pipe'] });
  cleanups.push(() => proc.kill('SIGKILL'));
  const exited = new Promise<number | null>((r) => proc.once('exit', (code) => r(code)));
  let out = '';
  proc.stdout.setEncoding('utf8');
  const address = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no "register listening" line: ${out}`)), 10_000);
    proc.stdout.on('data', (chunk: string) => {
      out += chunk;
      const m = /"address":"([^"]+)"[^\n]*"msg":"register listening"|"msg":"register listening"[^\n]*"address":"([^"]+)"/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve((m[1] ?? m[2])!);
      }
    });
  });
  assert.match(address, /^127\.0\.0\.1:\d+$/);

  const gateway = { gatewayId: 'f00000000001', name: 'app', address: { tcp: '127.0.0.1:7300', unix: '/tmp/x.sock' }, host: 'h', runDir: '/tmp/x' };
  const announcer = new GatewayAnnouncer({ registers: [address], secretKey: 'cli-secret', logger, gateway, pingMs: 200, firstRetryMs: 20, maxRetryMs: 100 });
  announcer.start();
  cleanups.push(() => announcer.stop());
  const joined: string[] = [];
  const dir = new GatewayDirectory({ registers: [address], secretKey: 'cli-secret', logger, onJoin: (g) => joined.push(g.gatewayId), onLeave: () => {}, pingMs: 200, firstRetryMs: 20, maxRetryMs: 100 });
  dir.start();
  cleanups.push(() => dir.stop());
  const refused = new GatewayDirectory({ registers: [address], secretKey: 'not-it', logger, onJoin: (g) => joined.push(`wrong ${g.gatewayId}`), onLeave: () => {}, pingMs: 200, firstRetryMs: 20, maxRetryMs: 100 });
  refused.start();
  cleanups.push(() => refused.stop());
  const end = Date.now() + 10_000;
  while (joined.length === 0 && Date.now() < end) await sleep(20);
  await sleep(200);
  assert.deepEqual(joined, ['f00000000001']);
  assert.match(out, /register authentication failed/);

  proc.kill('SIGTERM');
  assert.equal(await exited, 0);
});

test('misuse: bad flags exit 2 with a message, a port in use exits 1 and says so', async () => {
  const badPort = run(['register', '--port', '70000']);
  assert.equal(badPort.status, 2);
  assert.match(badPort.stderr, /^gatehouse: --port must be an integer between 0 and 65535 \(got "70000"\)/);
  const notNumber = run(['register', '--port', '12ab']);
  assert.equal(notNumber.status, 2);
  assert.match(notNumber.stderr, /--port must be an integer between 0 and 65535 \(got "12ab"\)/);
  const unknown = run(['register', '--bogus']);
  assert.equal(unknown.status, 2);
  assert.match(unknown.stderr, /^gatehouse: .*--bogus/);
  const positional = run(['register', 'myapp']);
  assert.equal(positional.status, 2);
  const help = run(['register', '--help']);
  assert.equal(help.status, 0);
  assert.match(help.stdout, /usage: gatehouse register/);

  const busy = createServer();
  await new Promise<void>((r) => busy.listen(0, '127.0.0.1', () => r()));
  cleanups.push(() => busy.close());
  const port = (busy.address() as { port: number }).port;
  const inUse = run(['register', '--port', String(port)]);
  assert.equal(inUse.status, 1);
  assert.match(inUse.stderr, new RegExp(`^gatehouse: register cannot listen: 127\\.0\\.0\\.1:${port} is already in use`));
});
