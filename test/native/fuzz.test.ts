/**
 * The native engine's libFuzzer targets (native/fuzz/fuzz_<module>_<name>.cc),
 * built by `make -C native fuzz` (clang++, ASan+UBSan) into build/tests-fuzz and
 * each run for a bounded time: together at most FUZZ_BUDGET_S seconds of
 * fuzzing (GATEHOUSE_FUZZ_SECONDS sets the time per target). A target must exit
 * 0 and end with libFuzzer's "Done N runs"; a crash, a leak, a sanitizer report
 * or an input slower than 10 s fails it, with the input saved under
 * build/tests-fuzz/artifacts/.
 *
 * The targets are run here rather than through `make fuzz-run`, to bound the
 * total time and keep each target's findings under artifacts/.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from '../helpers/cluster.js';
import { buildDir, fuzzTargets, make, MAKE_JOBS, NATIVE_DIR, requireTools, run, tail, TOOL_CLANG, TOOL_LIBFUZZER, TOOL_LIBSSL, TOOL_MAKE } from '../helpers/native-build.js';

const FUZZ_BUDGET_S = 150;
const BUILD = join(REPO_ROOT, 'build', 'tests-fuzz');
const BIN = join(BUILD, 'bin');

function secondsPerTarget(count: number): number {
  const fixed = Number(process.env.GATEHOUSE_FUZZ_SECONDS);
  if (Number.isInteger(fixed) && fixed > 0) return fixed;
  return Math.max(2, Math.min(20, Math.floor(FUZZ_BUDGET_S / Math.max(1, count))));
}

test('libFuzzer targets run for a bounded time without a finding', { timeout: 20 * 60_000 }, async (t) => {
  if (!requireTools(t, [TOOL_MAKE(), TOOL_CLANG(), TOOL_LIBFUZZER(), TOOL_LIBSSL()])) return;
  const targets = fuzzTargets();
  if (targets.length === 0) throw new Error(`no fuzz targets (${NATIVE_DIR}/fuzz/fuzz_*.cc)`);

  // FUZZ_BUILD on the command line: the binaries in one known place.
  const args = [MAKE_JOBS, 'fuzz', `BUILD=${buildDir('tests-fuzz')}`, `FUZZ_BUILD=${buildDir('tests-fuzz/bin')}`];
  const built = await make(args, 12 * 60_000);
  assert.equal(built.code, 0, `make ${args.join(' ')} failed: ${tail(built)}`);

  const seconds = secondsPerTarget(targets.length);
  t.diagnostic(`${targets.length} fuzz targets, ${seconds} s each (build ${built.ms} ms)`);
  const artifacts = join(BUILD, 'artifacts');
  mkdirSync(artifacts, { recursive: true });
  for (const target of targets) {
    await t.test(target, async () => {
      const corpus = join(BUILD, `corpus-${target}`);
      mkdirSync(corpus, { recursive: true });
      const seeds = join(NATIVE_DIR, 'fuzz', 'corpus', target);
      const fuzzArgs = [
        `-max_total_time=${seconds}`,
        '-max_len=65536',
        '-rss_limit_mb=1024',
        '-timeout=10',
        '-print_final_stats=1',
        `-artifact_prefix=${join(artifacts, `${target}-`)}`,
        corpus,
        ...(existsSync(seeds) ? [seeds] : []),
      ];
      const r = await run(join(BIN, target), fuzzArgs, { timeoutMs: (seconds + 90) * 1000 });
      assert.equal(r.code, 0, `${target} found a problem: ${tail(r, 80)}`);
      assert.match(r.output, /Done \d+ runs in \d+ second/, `${target} did not finish its run: ${tail(r)}`);
      const runs = /stat::number_of_executed_units:\s*(\d+)/.exec(r.output)?.[1];
      t.diagnostic(`${target}: ${runs ?? '?'} runs in ${r.ms} ms`);
    });
  }
});
