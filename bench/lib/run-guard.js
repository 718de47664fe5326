// What every bench run does around its measurements: refuse to run without a
// build, stop the server it started whatever ends the run (its time limit,
// Ctrl-C, SIGTERM: a gatehouse daemon would outlive the bench), and describe
// the machine and the tree it measured.
import { spawnSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { cpus, release } from 'node:os';
import { fileURLToPath } from 'node:url';
import { machineCpu, sleep } from './proc.js';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** Exits with a clear line when dist/ is missing. */
export function requireBuild(file = 'dist/src/cli/main.js') {
  if (existsSync(`${ROOT}${file}`)) return;
  console.error('bench: build first (npm run build)');
  process.exit(1);
}

/**
 * Bounds the run to `timeLimitSeconds` and stops `guard.current` (the server
 * running now; set it when one starts, null when it stopped) on the way out,
 * then calls `guard.onAbort(why)` if set (to save what was measured so far).
 * Load generators and the uWS server end by themselves when their stdin
 * closes with this process.
 */
export function guardRun(timeLimitSeconds) {
  const guard = { current: null };
  const abort = (why) => {
    console.error(`bench: ${why}; stopping`);
    guard.current?.stopNow();
    // What was measured before the end is kept (synchronously: the process exits next).
    try {
      guard.onAbort?.(why);
    } catch (err) {
      console.error(`bench: saving the results so far failed: ${err.message}`);
    }
    process.exit(1);
  };
  setTimeout(() => abort(`time limit of ${timeLimitSeconds} s reached`), Number(timeLimitSeconds) * 1000).unref();
  process.on('SIGINT', () => abort('interrupted'));
  process.on('SIGTERM', () => abort('terminated'));
  return guard;
}

/**
 * The machine and the tree measured: the commit, whether src/ or native/src
 * had uncommitted changes, when the native addon was built (it may be older
 * than the tree), and how busy the machine was over 2 s before the bench
 * added anything (on shared cores other work skews every number).
 */
export async function describeRun(log) {
  const machine = { cpus: cpus().length, cpuModel: cpus()[0]?.model ?? '?', kernel: release(), node: process.version };
  const git = (...args) => spawnSync('git', args, { cwd: ROOT, encoding: 'utf8' }).stdout?.trim() ?? '';
  const addon = `${ROOT}build/Release/gatehouse.node`;
  const provenance = {
    gitHead: git('rev-parse', 'HEAD') || null,
    dirty: git('status', '--porcelain', 'src', 'native/src') !== '',
    addonBuiltAt: existsSync(addon) ? statSync(addon).mtime.toISOString() : null,
  };
  const before = machineCpu();
  await sleep(2000);
  const after = machineCpu();
  machine.backgroundBusy = +((after.busy - before.busy) / (after.total - before.total)).toFixed(2);
  log(`machine busy before the bench: ${Math.round(machine.backgroundBusy * 100)}% of ${machine.cpus} cores`);
  return { machine, provenance };
}
