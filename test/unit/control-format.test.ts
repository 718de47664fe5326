/**
 * What `gatehouse status` prints: human units, aligned columns, the summary
 * (client-facing counts from gateways only); and the run directory's pid files.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { formatBytes, formatDuration, renderTable } from '../../src/cli/format.js';
import { summarize } from '../../src/cli/status.js';
import type { ProcessStatus } from '../../src/control/protocol.js';
import { isAlive, listPidFiles, readPidFile, removeOwnPidFile, writePidFile } from '../../src/supervisor/pid-files.js';

test('bytes and durations in human units', () => {
  assert.deepEqual([0, 512, 1536, 10 * 1024 * 1024, 3.5 * 1024 ** 3].map(formatBytes), ['0 B', '512 B', '1.5 KiB', '10 MiB', '3.5 GiB']);
  assert.deepEqual([0, 59, 61, 3600 + 7 * 60, 2 * 86400 + 4 * 3600].map(formatDuration), ['0s', '59s', '1m01s', '1h07m', '2d04h']);
  assert.equal(formatBytes(undefined), '-');
});

test('tables: numbers right-aligned, text left-aligned, a rule above the summary', () => {
  const out = renderTable(['ROLE', 'PID', 'MEMORY'], [['gateway', '12', '5 MiB'], ['worker', '12345', '10 MiB'], ['total', '-', '15 MiB']], { separatorBefore: 2 });
  assert.equal(out, ['ROLE       PID  MEMORY', 'gateway     12   5 MiB', 'worker   12345  10 MiB', '-------  -----  ------', 'total        -  15 MiB'].join('\n'));
});

function row(role: string, n: number): ProcessStatus {
  return { role, index: 0, pid: 1, memory: 100, connections: n, messagesIn: n, messagesOut: n, sendFailures: 1, events: n, eventsPerSecond: n / 2, engine: null, uptime: n };
}

test('the summary counts clients, messages and events once (gateways), memory and failures of all', () => {
  const s = summarize([row('supervisor', 7), row('gateway', 10), row('gateway', 20), row('worker', 1000)]);
  assert.deepEqual(s, { processes: 4, memory: 400, connections: 30, messagesIn: 30, messagesOut: 30, sendFailures: 4, events: 30, eventsPerSecond: 15, uptime: 7 });
});

test('pid files: written, read, removed only by their owner, listed in tree order, dead pids seen', () => {
  const dir = mkdtempSync(join(tmpdir(), 'gh-pid-'));
  try {
    const dead = spawnSync(process.execPath, ['-e', '0']).pid!;
    writePidFile(dir, 'worker-1', process.pid);
    writePidFile(dir, 'gateway-0', process.pid);
    writePidFile(dir, 'supervisor', process.pid);
    writePidFile(dir, 'worker-0', dead);
    writeFileSync(join(dir, 'register.pid'), 'garbage\n');
    assert.equal(readPidFile(dir, 'worker-1'), process.pid);
    assert.equal(readPidFile(dir, 'register'), null);
    const list = listPidFiles(dir);
    assert.deepEqual(list.map((e) => [e.name, e.role, e.index, e.alive]), [
      ['supervisor', 'supervisor', null, true],
      ['gateway-0', 'gateway', 0, true],
      ['worker-0', 'worker', 0, false],
      ['worker-1', 'worker', 1, true],
    ]);
    assert.equal(isAlive(dead), false);
    // A draining worker must not remove the file its successor wrote.
    removeOwnPidFile(dir, 'worker-0', process.pid);
    assert.equal(readPidFile(dir, 'worker-0'), dead);
    removeOwnPidFile(dir, 'worker-0', dead);
    assert.equal(readPidFile(dir, 'worker-0'), null);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
