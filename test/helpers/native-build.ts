/**
 * Runs the native engine's standalone C++ builds (native/Makefile) from node:test:
 * make with a bounded time and captured output, the "N passed, M failed" lines
 * of the C++ harness, and the tools a suite needs. A missing tool skips the test
 * with the reason, except in CI (CI set), where it fails: .ci/run installs them.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import type { TestContext } from 'node:test';
import { REPO_ROOT } from './cluster.js';

export const NATIVE_DIR = join(REPO_ROOT, 'native');
/** Build directories of these tests, relative to native/ as the Makefile wants them. */
export const buildDir = (name: string): string => `../build/${name}`;
/**
 * One compile job by default: the machine (and CI) has 2 cores, and the test
 * runner runs another file beside this one, often a timing-sensitive e2e test.
 * GATEHOUSE_NATIVE_JOBS=2 builds faster when nothing else runs.
 */
export const MAKE_JOBS = `-j${Math.min(2, Math.max(1, Number(process.env.GATEHOUSE_NATIVE_JOBS) || 1))}`;

export interface RunResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  timedOut: boolean;
  ms: number;
  /** stdout and stderr interleaved as they came. */
  output: string;
}

const OUTPUT_LIMIT = 4 * 1024 * 1024;

/**
 * Runs a command in its own process group, so a timeout kills make and the
 * compilers or test binaries under it too; at the lowest CPU priority, so the
 * compiles and fuzzers never starve the timing-sensitive test file that runs
 * beside them. Its own session is its own scheduler autogroup (where one
 * exists), which would get an equal share whatever the process nice is: the
 * group's nice is lowered too.
 */
export function run(cmd: string, args: readonly string[], options: { cwd?: string; timeoutMs: number; env?: NodeJS.ProcessEnv }): Promise<RunResult> {
  const started = Date.now();
  return new Promise((resolve) => {
    const child = spawn('nice', ['-n', '19', cmd, ...args], { cwd: options.cwd ?? REPO_ROOT, env: options.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    lowerAutogroup(child.pid);
    let output = '';
    const add = (chunk: Buffer): void => {
      output += chunk.toString('utf8');
      if (output.length > OUTPUT_LIMIT) output = output.slice(-OUTPUT_LIMIT / 2);
    };
    child.stdout.on('data', add);
    child.stderr.on('data', add);
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        /* already gone */
      }
    }, options.timeoutMs);
    const finish = (code: number | null, signal: NodeJS.Signals | null): void => {
      clearTimeout(timer);
      resolve({ code, signal, timedOut, ms: Date.now() - started, output });
    };
    child.once('error', (e) => {
      output += `\n${cmd}: ${e.message}\n`;
      finish(null, null);
    });
    child.once('close', finish);
  });
}

function lowerAutogroup(pid: number | undefined): void {
  if (pid === undefined) return;
  try {
    writeFileSync(`/proc/${pid}/autogroup`, '19');
  } catch {
    /* no autogroups here (or not allowed): the process nice still applies */
  }
}

export function make(args: readonly string[], timeoutMs: number): Promise<RunResult> {
  return run('make', ['-C', NATIVE_DIR, ...args], { timeoutMs });
}

/** The last lines of a run's output, for assertion messages. */
export function tail(r: RunResult, lines = 60): string {
  const all = r.output.trimEnd().split('\n');
  const shown = all.slice(-lines).join('\n');
  const how = r.timedOut ? `killed after ${r.ms} ms (timeout)` : `exit ${r.code}${r.signal ? ` (${r.signal})` : ''} after ${r.ms} ms`;
  return `${how}; last ${Math.min(lines, all.length)} of ${all.length} lines:\n${shown}`;
}

export function onPath(name: string): boolean {
  return (process.env.PATH ?? '').split(delimiter).some((dir) => dir !== '' && existsSync(join(dir, name)));
}

/** clang's libFuzzer runtime (Debian: libclang-rt-14-dev). */
export function haveLibFuzzer(): boolean {
  for (const base of ['/usr/lib/llvm-14/lib/clang', '/usr/lib/clang']) {
    if (!existsSync(base)) continue;
    for (const version of readdirSync(base)) {
      if (existsSync(join(base, version, 'lib', 'linux', 'libclang_rt.fuzzer-x86_64.a'))) return true;
    }
  }
  return false;
}

/**
 * True when every tool is there. Otherwise skips the test with the reason, or,
 * in CI, throws: there the tools are installed and a missing one is a defect.
 */
export function requireTools(t: TestContext, tools: readonly { name: string; present: boolean; apt: string }[]): boolean {
  const missing = tools.filter((x) => !x.present);
  if (missing.length === 0) return true;
  const reason = `${missing.map((x) => x.name).join(', ')} not installed (apt-get install ${[...new Set(missing.map((x) => x.apt))].join(' ')}, or run scripts/install-native-tools.sh as root)`;
  if (process.env.CI) throw new Error(`${reason}; CI must have it`);
  t.skip(reason);
  return false;
}

export const TOOL_GXX = () => ({ name: 'g++', present: onPath('g++'), apt: 'g++' });
export const TOOL_MAKE = () => ({ name: 'make', present: onPath('make'), apt: 'make' });
export const TOOL_VALGRIND = () => ({ name: 'valgrind', present: onPath('valgrind'), apt: 'valgrind' });
export const TOOL_CLANG = () => ({ name: 'clang++', present: onPath('clang++'), apt: 'clang' });
/** OpenSSL's headers and libcrypto for the standalone builds (the addon uses the node binary's OpenSSL). */
export const TOOL_LIBSSL = () => ({ name: 'OpenSSL headers', present: existsSync('/usr/include/openssl/evp.h'), apt: 'libssl-dev' });
export const TOOL_LIBFUZZER = () => ({ name: 'libFuzzer runtime', present: haveLibFuzzer(), apt: 'libclang-rt-14-dev' });

/** The C++ unit tests there are (native/test/<module>_<name>_test.cc), by binary name. */
export function cppTests(): string[] {
  return readdirSync(join(NATIVE_DIR, 'test'))
    .filter((f) => f.endsWith('_test.cc'))
    .map((f) => f.slice(0, -'.cc'.length))
    .sort();
}

/** The fuzz targets there are (native/fuzz/fuzz_<module>_<name>.cc). */
export function fuzzTargets(): string[] {
  const dir = join(NATIVE_DIR, 'fuzz');
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => /^fuzz_.*\.cc$/.test(f))
    .map((f) => f.slice(0, -'.cc'.length))
    .sort();
}

export interface HarnessResult {
  test: string;
  passed: number;
  failed: number;
}

/**
 * The harness summary of each test binary the Makefile ran: it prints
 * "== <path>/<test>" before running one, and the binary ends with
 * "N passed, M failed". A binary that crashed has no summary (passed -1).
 */
export function harnessResults(output: string): HarnessResult[] {
  const results: HarnessResult[] = [];
  let current: HarnessResult | null = null;
  for (const line of output.split('\n')) {
    const start = /^== (?:.*\/)?([A-Za-z0-9_]+_test)\s*$/.exec(line);
    if (start) {
      current = { test: start[1]!, passed: -1, failed: -1 };
      results.push(current);
      continue;
    }
    const summary = /^(\d+) passed, (\d+) failed\s*$/.exec(line);
    if (summary && current) {
      current.passed = Number(summary[1]);
      current.failed = Number(summary[2]);
    }
  }
  return results;
}

/**
 * `make -C native test` in one mode (asan: ASan+UBSan; valgrind: under
 * valgrind), in its own build directory: exit 0, every test binary of
 * native/test ran and ended with "N passed, 0 failed". One subtest per binary.
 */
export async function runCppSuite(t: TestContext, mode: 'asan' | 'valgrind', timeoutMs: number): Promise<void> {
  const tools = mode === 'valgrind' ? [TOOL_GXX(), TOOL_MAKE(), TOOL_LIBSSL(), TOOL_VALGRIND()] : [TOOL_GXX(), TOOL_MAKE(), TOOL_LIBSSL()];
  if (!requireTools(t, tools)) return;
  const expected = cppTests();
  if (expected.length === 0) throw new Error(`no C++ unit tests (${NATIVE_DIR}/test/*_test.cc)`);
  const args = [MAKE_JOBS, 'test', `MODE=${mode}`, `BUILD=${buildDir(`tests-${mode}`)}`];
  const r = await make(args, timeoutMs);
  const results = harnessResults(r.output);
  t.diagnostic(`make ${args.join(' ')}: ${results.length} test binaries, ${results.reduce((n, x) => n + Math.max(0, x.passed), 0)} tests passed, exit ${r.code}, ${r.ms} ms`);
  // The Makefile stops at the first binary that fails (a sanitizer or valgrind
  // error exits non-zero even when every CHECK passed): that is the last one run.
  const stoppedAt = r.code !== 0 ? results[results.length - 1] : undefined;
  for (const x of results) {
    await t.test(x.test, () => {
      assert.ok(x.passed >= 0, `${x.test} printed no "N passed, M failed" line (crashed?): ${tail(r)}`);
      assert.equal(x.failed, 0, `${x.test}: ${x.failed} failed: ${tail(r)}`);
      assert.notEqual(x, stoppedAt, `${x.test} exited non-zero under ${mode}: ${tail(r)}`);
    });
  }
  assert.equal(r.code, 0, `make ${args.join(' ')} failed: ${tail(r)}`);
  assert.match(r.output, /\b0 failed\b/);
  const ran = results.map((x) => x.test).sort();
  assert.deepEqual(ran, expected, 'every test binary of native/test ran');
}
