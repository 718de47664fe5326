/**
 * The control socket: JSON-line requests answered by id, errors as ok:false,
 * refusal of malformed requests, a stale socket file replaced, a live one
 * refused unless taken over, and a client that reports an unreachable socket.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { pino } from 'pino';
import { ControlCommandError, controlRequest, ControlUnreachableError } from '../../src/control/client.js';
import { controlSocketPath } from '../../src/control/protocol.js';
import { startControlServer } from '../../src/control/server.js';

const dir = mkdtempSync(join(tmpdir(), 'gh-ctl-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const logger = pino({ level: 'silent' });

function rawExchange(path: string, text: string): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const s = createConnection(path);
    let got = '';
    s.setEncoding('utf8');
    s.on('data', (d: string) => (got += d));
    s.on('error', reject);
    s.on('close', () => resolve(got.trim().split('\n').filter(Boolean)));
    s.write(text, () => setTimeout(() => s.end(), 100));
  });
}

test('answers each request by id, with results and errors', async () => {
  const path = controlSocketPath(dir, 'a');
  assert.equal(path, join(dir, 'a.ctl'));
  const server = await startControlServer(
    path,
    {
      status: () => ({ pid: process.pid }),
      echo: (req) => ({ got: req.value }),
      slow: async () => new Promise((r) => setTimeout(() => r('late'), 50)),
      fail: () => {
        throw new Error('cannot do that now');
      },
    },
    logger,
  );
  try {
    assert.deepEqual(await controlRequest(path, 'status'), { pid: process.pid });
    assert.deepEqual(await controlRequest(path, 'echo', { value: [1, 'x'] }), { got: [1, 'x'] });
    assert.equal(await controlRequest(path, 'slow'), 'late');
    await assert.rejects(controlRequest(path, 'fail'), (err: Error) => err instanceof ControlCommandError && err.message === 'cannot do that now');
    await assert.rejects(controlRequest(path, 'nope'), (err: Error) => err instanceof ControlCommandError && /^unknown command "nope" \(known: status, echo, slow, fail\)$/.test(err.message));
    // Two requests on one connection, the slow one first: answers carry their ids.
    const lines = await rawExchange(path, '{"id":1,"cmd":"slow"}\n{"id":2,"cmd":"echo","value":7}\n');
    assert.deepEqual(lines.map((l) => JSON.parse(l)), [
      { id: 2, ok: true, result: { got: 7 } },
      { id: 1, ok: true, result: 'late' },
    ]);
  } finally {
    await server.close();
  }
});

test('malformed requests are answered with an error, not a crash', async () => {
  const path = controlSocketPath(dir, 'b');
  const server = await startControlServer(path, { status: () => 'ok', constructor: () => 'x' }, logger);
  try {
    const lines = await rawExchange(path, 'not json\n[1]\n{"cmd":"status"}\n{"id":3}\n{"id":4,"cmd":"toString"}\n');
    const answers = lines.map((l) => JSON.parse(l) as { id: number; ok: boolean; error?: string });
    assert.equal(answers.length, 5);
    assert.match(answers[0]!.error!, /^bad request: /);
    assert.equal(answers[1]!.error, 'bad request: a request must be a JSON object');
    assert.equal(answers[2]!.error, 'bad request: a request needs an integer "id"');
    assert.equal(answers[3]!.error, 'bad request: a request needs a string "cmd"');
    assert.deepEqual([answers[4]!.id, answers[4]!.ok], [4, false]); // no prototype lookups
    assert.equal(await controlRequest(path, 'status'), 'ok', 'still serving');
  } finally {
    await server.close();
  }
});

test('a stale socket file is replaced; a live one is refused unless taken over', async () => {
  const path = controlSocketPath(dir, 'c');
  writeFileSync(path, 'left by a crash');
  const first = await startControlServer(path, { status: () => 'first' }, logger);
  await assert.rejects(startControlServer(path, { status: () => 'second' }, logger), /control socket .* is in use by another process/);
  const second = await startControlServer(path, { status: () => 'second' }, logger, { takeOver: true });
  try {
    assert.equal(await controlRequest(path, 'status'), 'second');
  } finally {
    await first.close();
    await second.close();
  }
});

test('the client reports a missing socket and a silent one as unreachable', async () => {
  await assert.rejects(controlRequest(join(dir, 'none.ctl'), 'status', {}, 500), (err: Error) => err instanceof ControlUnreachableError && /ENOENT/.test(err.message));
  const path = controlSocketPath(dir, 'd');
  const server = await startControlServer(path, { hang: () => new Promise(() => {}) }, logger);
  try {
    const started = Date.now();
    await assert.rejects(controlRequest(path, 'hang', {}, 200), (err: Error) => err instanceof ControlUnreachableError && /no answer to "hang" within 200 ms/.test(err.message));
    assert.ok(Date.now() - started < 2000);
  } finally {
    await server.close();
  }
});
