/**
 * Every misuse of the `gatehouse` command gets its exact message and exit
 * code: 2 for a wrong command line, 1 for a bad configuration or an app in the
 * wrong state.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { describe, run, writeCliApp } from '../helpers/cli-commands.js';

const app = writeCliApp();
after(() => app.remove());

test('a command without its app: exit 2 with the exact message', async () => {
  for (const command of ['start', 'stop', 'restart', 'reload', 'status', 'connections']) {
    const r = await run([command]);
    assert.equal(r.code, 2, describe([command], r));
    assert.equal(r.stderr, `gatehouse: ${command} needs an app: gatehouse ${command} <app>\n`);
  }
});

test('an unknown command, an unknown flag, a flag of another command: exit 2', async () => {
  const cases: [string[], RegExp][] = [
    [['launch', app.dir], /^gatehouse: unknown command "launch"/],
    [['status', app.dir, '--bogus'], /^gatehouse: Unknown option '--bogus'/],
    [['stop', app.dir, '--watch'], /^gatehouse: option --watch does not apply to "stop"/],
    [['status', app.dir, 'extra'], /^gatehouse: unexpected arguments: extra/],
    [['connections', app.dir, '--limit', 'x'], /^gatehouse: --limit must be a non-negative integer \(got "x"\)/],
    [[], /^gatehouse: a command is needed/],
  ];
  for (const [args, message] of cases) {
    const r = await run(args);
    assert.equal(r.code, 2, describe(args, r));
    assert.match(r.stderr, message, describe(args, r));
  }
});

test('--help prints the usage and exits 0', async () => {
  const r = await run(['--help']);
  assert.equal(r.code, 0);
  assert.match(r.stdout, /^usage: gatehouse <command> \[app\]/);
  for (const c of ['start', 'stop', 'restart', 'reload', 'status', 'connections', 'register']) assert.match(r.stdout, new RegExp(`\\n  ${c} `));
});

test('a bad configuration: "gatehouse: bad configuration: <message>", exit 1', async () => {
  const bad = writeCliApp({ extra: { gateway: { count: -1 } } });
  try {
    const r = await run(['start', bad.dir, '-d']);
    assert.equal(r.code, 1, describe(['start'], r));
    assert.match(r.stderr, /^gatehouse: bad configuration: gateway\.count .*\(got -1\)\n$/);
    const missing = await run(['status', join(bad.dir, 'nowhere')]);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /^gatehouse: bad configuration: app ".*nowhere" does not exist\n$/);
    writeFileSync(join(bad.dir, 'gatehouse.config.json'), JSON.stringify({ events: './gone.mjs', listeners: [{ protocol: 'text', port: 0 }], register: { embedded: false } }));
    const noEvents = await run(['start', bad.dir]);
    assert.equal(noEvents.code, 1);
    assert.match(noEvents.stderr, /^gatehouse: bad configuration: events module .*gone\.mjs does not exist\n$/);
  } finally {
    bad.remove();
  }
});

test('stop, reload, status and connections of an app that is not running: "<name> is not running", exit 1', async () => {
  for (const args of [['stop', app.dir], ['stop', app.dir, '-g'], ['reload', app.dir], ['status', app.dir], ['status', app.dir, '--json'], ['connections', app.dir]]) {
    const r = await run(args);
    assert.equal(r.code, 1, describe(args, r));
    assert.equal(r.stderr, `gatehouse: ${app.name} is not running\n`, describe(args, r));
    assert.equal(r.stdout, '');
  }
});
