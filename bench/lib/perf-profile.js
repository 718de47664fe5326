// A system-wide CPU profile of one phase (`perf record -a`): where the two
// cores' time goes while one broadcast reaches N connections — which part is
// the gateways' code, which the kernel's write path, which the load
// generators reading — for docs/benchmarks.md's breakdown. Needs `perf`
// (Debian's linux-perf) and the privilege to profile every process.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sleep } from './proc.js';

/** Starts `perf record -a -g` now; `stop()` ends it and resolves with the report's top lines (or an error text). */
export async function startProfile({ frequency = 499 } = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'gh-perf-'));
  const data = join(dir, 'perf.data');
  const perf = spawn('perf', ['record', '-a', '-g', '-F', String(frequency), '-o', data], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  perf.stderr.on('data', (d) => (stderr += d));
  const exited = new Promise((resolve) => perf.once('close', resolve));
  perf.once('error', (err) => (stderr += err.message));
  await sleep(300); // perf opens its events on every CPU before it samples
  return {
    async stop() {
      perf.kill('SIGINT');
      await Promise.race([exited, sleep(20_000)]);
      try {
        const report = (sort) =>
          spawnSync('perf', ['report', '-i', data, '--stdio', '--no-children', '--sort', sort, '--percent-limit', '0.5', '-g', 'none'], { encoding: 'utf8', maxBuffer: 64 << 20 });
        const byCommand = report('comm');
        if (byCommand.status !== 0) return { error: `perf report failed: ${byCommand.stderr.trim() || stderr.trim()}` };
        const bySymbol = report('comm,dso,sym');
        const keep = (out) => out.split('\n').filter((l) => l.trim() && !l.startsWith('#')).slice(0, 40);
        return { byCommand: keep(byCommand.stdout), bySymbol: keep(bySymbol.stdout) };
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}
