/**
 * Logging: the JSON-or-pretty decision, and that the lines each role writes
 * carry role, pid and index, from the main thread and from a worker thread.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { closeSync, existsSync, mkdtempSync, openSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { chooseLogFormat, createLogger } from '../../src/log/logger.js';

const LOGGER_MODULE = fileURLToPath(new URL('../../src/log/logger.js', import.meta.url));

test('pretty only on a terminal or when asked for, and never into a file', () => {
  const facts = (prettyVariable: string | undefined, isTTY: boolean, isFile: boolean) => chooseLogFormat({ prettyVariable, isTTY, isFile });
  assert.equal(facts(undefined, true, false), 'pretty');
  assert.equal(facts(undefined, false, false), 'json');
  assert.equal(facts('1', false, false), 'pretty');
  assert.equal(facts('0', true, false), 'json');
  assert.equal(facts('', true, false), 'json');
  assert.equal(facts('1', false, true), 'json', 'a log file always gets JSON lines');
  assert.equal(facts('1', true, true), 'json');
  assert.throws(() => facts('sometimes', true, false), { message: 'GATEHOUSE_LOG_PRETTY must be 1 (pretty) or 0 (JSON lines) (got "sometimes")' });
  assert.throws(() => facts('sometimes', false, true), /GATEHOUSE_LOG_PRETTY must be/, 'wrong even when a file would ignore it');
});

test('each role writes JSON lines with role, pid, its fields and its own level', () => {
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(...chunk.toString().split('\n').filter(Boolean));
      done();
    },
  });
  const gateway = createLogger('gateway', { index: 2, gatewayId: 7 }, 'info', { destination: sink });
  const supervisor = createLogger('supervisor', {}, 'debug', { destination: sink });
  gateway.info({ clients: 3 }, 'ready');
  gateway.debug('below the gateway level');
  supervisor.debug('at the supervisor level');
  const records = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
  assert.equal(records.length, 2);
  assert.deepEqual(
    { role: records[0]!.role, pid: records[0]!.pid, index: records[0]!.index, gatewayId: records[0]!.gatewayId, clients: records[0]!.clients, msg: records[0]!.msg, level: records[0]!.level },
    { role: 'gateway', pid: process.pid, index: 2, gatewayId: 7, clients: 3, msg: 'ready', level: 30 },
  );
  assert.equal(records[1]!.role, 'supervisor');
  assert.equal(records[1]!.msg, 'at the supervisor level');
  assert.equal(records[1]!.index, undefined);
});

/** Runs a script that logs to fd 1 in a fresh process and returns what it wrote. */
function runLogging(script: string, env: NodeJS.ProcessEnv, stdout: 'pipe' | number = 'pipe'): string {
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
    env: { ...process.env, GATEHOUSE_LOG_PRETTY: undefined, ...env },
    stdio: ['ignore', stdout, 'pipe'],
    timeout: 20_000,
  });
  assert.equal(r.status, 0, r.stderr?.toString());
  return r.stdout?.toString() ?? '';
}

const MAIN_AND_THREAD = `
  import { Worker } from 'node:worker_threads';
  import { createLogger } from ${JSON.stringify(LOGGER_MODULE)};
  createLogger('worker', { index: 1 }, 'info').info('from the main thread');
  const thread = new Worker(${JSON.stringify(`import { createLogger } from ${JSON.stringify(LOGGER_MODULE)}; createLogger('thread', { index: 1, threadId: 1 }, 'info').info('from a thread');`)}, { eval: true });
  await new Promise((resolve, reject) => { thread.on('exit', resolve); thread.on('error', reject); });
`;

test('a process and its worker threads write JSON lines to a pipe by default', () => {
  const out = runLogging(MAIN_AND_THREAD, {});
  const records = out.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
  assert.deepEqual(records.map((r) => [r.role, r.index, r.msg]).sort(), [
    ['thread', 1, 'from a thread'],
    ['worker', 1, 'from the main thread'],
  ]);
  assert.ok(records.every((r) => typeof r.pid === 'number' && r.pid !== process.pid));
});

test('GATEHOUSE_LOG_PRETTY=1 makes a pipe pretty, but a log file stays JSON lines', () => {
  const pretty = runLogging(MAIN_AND_THREAD, { GATEHOUSE_LOG_PRETTY: '1' });
  assert.match(pretty, /INFO \(\d+\): worker-1 from the main thread/);
  assert.match(pretty, /INFO \(\d+\): thread-1 from a thread/);
  assert.throws(() => JSON.parse(pretty.split('\n')[0]!));
  const file = join(mkdtempSync(join(tmpdir(), 'gh-log-')), 'gatehouse.log');
  const fd = openSync(file, 'a');
  try {
    runLogging(MAIN_AND_THREAD, { GATEHOUSE_LOG_PRETTY: '1' }, fd);
  } finally {
    closeSync(fd);
  }
  const records = readFileSync(file, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
  assert.deepEqual(records.map((r) => r.role).sort(), ['thread', 'worker']);
});

test('a log that cannot be written (disk full) is reported once and does not stop the process', { skip: !existsSync('/dev/full') && 'needs /dev/full' }, () => {
  const fd = openSync('/dev/full', 'w');
  try {
    const r = spawnSync(
      process.execPath,
      ['--input-type=module', '-e', `import { createLogger } from ${JSON.stringify(LOGGER_MODULE)}; const l = createLogger('gateway', { index: 0 }, 'info'); for (let i = 0; i < 5; i++) l.info('line ' + i); process.stderr.write('still serving\\n');`],
      { stdio: ['ignore', fd, 'pipe'], timeout: 20_000 },
    );
    const stderr = r.stderr.toString();
    assert.equal(r.status, 0, stderr);
    assert.match(stderr, /^gatehouse: writing the log failed, later lines may be lost: ENOSPC[^\n]*\nstill serving\n$/);
  } finally {
    closeSync(fd);
  }
});
