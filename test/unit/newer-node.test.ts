/**
 * What only a newer Node can show, run under one: the JS engine's own
 * SO_REUSEPORT listening sockets (net's `reusePort`, Node 22.12+;
 * gateway/engine-js/own-listening-socket.ts). The project runs on Node 20, so
 * scripts/newer-node.js fetches Node 22.12.0 from the npm registry (npm test
 * does it first) and this runs a few test files under it, with the JS engine:
 * the version rule and two servers on one port, two gateways with a listening
 * socket each, and the chat demo's scenarios over two gateways.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const FILES = ['unit/own-listening-socket.test.js', 'e2e/gateway-sockets.test.js', 'e2e/chat.test.js'];
const RUN_MS = 180_000;

test('under Node 22.12 the JS engine binds a listening socket per gateway, and the chat demo works over them', { timeout: RUN_MS + 60_000 }, async (t) => {
  const fetch = spawnSync(process.execPath, [join(root, 'scripts', 'newer-node.js'), '--fetch'], { encoding: 'utf8', timeout: 400_000 });
  const found = /^newer-node: Node (\S+) at (.+)$/m.exec(fetch.stdout);
  if (found === null) {
    const reason = `no newer Node: ${fetch.stdout.trim() || fetch.stderr.trim() || fetch.error?.message}`;
    if (process.env.CI) throw new Error(`${reason}; CI must have it`);
    t.skip(reason);
    return;
  }
  const [, version, node] = found as unknown as [string, string, string];
  // Not a child of this runner: its own runner, its own summary.
  const env: NodeJS.ProcessEnv = { ...process.env, GATEHOUSE_ENGINE: 'js' };
  delete env.NODE_TEST_CONTEXT;
  const child = spawn(node, ['--test', '--test-reporter=tap', ...FILES.map((f) => join(root, 'dist', 'test', f))], { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.setEncoding('utf8').on('data', (s: string) => (out += s));
  child.stderr.setEncoding('utf8').on('data', (s: string) => (out += s));
  const timer = setTimeout(() => child.kill('SIGKILL'), RUN_MS);
  const code = await new Promise<number | null>((resolve) => child.once('close', (c) => resolve(c)));
  clearTimeout(timer);
  const tail = out.split('\n').slice(-60).join('\n');
  assert.equal(code, 0, `Node ${version}: the files passed\n${tail}`);
  assert.match(out, new RegExp(`^# fail 0$`, 'm'), tail);
  assert.match(out, new RegExp(`^# skipped 0$`, 'm'), `nothing skipped (two servers on one port ran)\n${tail}`);
  assert.match(out, new RegExp(`ok \\d+ - two gateways: a listening socket each \\(js, Node ${version.replace(/\./g, '\\.')}\\)`), `the own-socket path ran\n${tail}`);
});
