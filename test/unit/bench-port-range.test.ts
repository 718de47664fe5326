// bench/run.js makes room in net.ipv4.ip_local_port_range for the
// connections the loaders open from one source address (bench/lib/port-range.js):
// widened where permitted and put back afterwards, otherwise the loaders open
// fewer per address. Exercised on a stand-in file, not the machine's setting.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { pathToFileURL } from 'node:url';
import type * as PortRange from '../../bench/lib/port-range.js';
import { REPO_ROOT } from '../helpers/cluster.js';

const { ensurePortRange, restorePortRange } = (await import(pathToFileURL(join(REPO_ROOT, 'bench', 'lib', 'port-range.js')).href)) as typeof PortRange;

const dir = mkdtempSync(join(tmpdir(), 'gatehouse-port-range-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const rangeFile = (name: string, text: string): string => {
  const file = join(dir, name);
  writeFileSync(file, text);
  return file;
};

test('a range wide enough is left alone', () => {
  const file = rangeFile('wide', '32768\t60999\n');
  const state = ensurePortRange(1000, { file });
  assert.deepEqual(state.before, [32768, 60999]);
  assert.deepEqual(state.after, [32768, 60999]);
  assert.equal(state.widened, false);
  assert.equal(state.perSource, 1000);
  assert.equal(state.note, null);
  assert.equal(readFileSync(file, 'utf8'), '32768\t60999\n');
});

test('a range too narrow is widened, and put back when the run ends', () => {
  const file = rangeFile('narrow', '50000 51000\n');
  const state = ensurePortRange(16_000, { file });
  assert.equal(state.widened, true);
  assert.deepEqual(state.after, [1024, 65535]);
  assert.equal(state.perSource, 16_000);
  assert.match(state.note ?? '', /widened from 50000–51000 to 1024–65535/);
  assert.equal(readFileSync(file, 'utf8').trim(), '1024\t65535');
  restorePortRange(state);
  assert.equal(readFileSync(file, 'utf8').trim(), '50000\t51000');
  restorePortRange(state); // twice: a no-op
  assert.equal(readFileSync(file, 'utf8').trim(), '50000\t51000');
});

test('where it cannot be widened, the loaders open as many per address as the range allows, and the results say why', () => {
  const file = rangeFile('readonly', '50000 51000\n');
  // As a process without CAP_NET_ADMIN sees /proc/sys (root may write any file here, so the refusal is stood in).
  const refuse = (): never => {
    throw Object.assign(new Error('permission denied'), { code: 'EACCES' });
  };
  const state = ensurePortRange(16_000, { file, write: refuse });
  assert.equal(state.widened, false);
  assert.deepEqual(state.after, [50000, 51000]);
  assert.equal(state.perSource, 901);
  assert.match(state.note ?? '', /could not be widened \(EACCES\); the loaders open 901 per address instead/);
  restorePortRange(state); // nothing to put back
  assert.equal(readFileSync(file, 'utf8'), '50000 51000\n');
});

test('a file that is not a port range is a clear error', () => {
  assert.throws(() => ensurePortRange(1000, { file: rangeFile('bad', 'hello\n') }), /not a port range: hello/);
});
