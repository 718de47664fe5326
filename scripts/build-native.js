#!/usr/bin/env node
// Builds the native engine addon (build/Release/gatehouse.node) with node-gyp:
// `npm install` runs this, and so can a developer (`node scripts/build-native.js`).
//
// It must work offline: node-gyp is pointed (--nodedir) at headers already on
// the machine when they match this Node (distribution packages put them in
// <prefix>/include/node), so nothing is downloaded. A build that fails is not an
// install failure: the pure-JS engine serves everything, so this prints one
// warning line (the details go to build/native-build.log) and exits 0.
//
// GATEHOUSE_NATIVE_STRICT=1 makes a failure exit 1 instead (CI that must have the addon).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { delimiter, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const logFile = join(root, 'build', 'native-build.log');
const strict = process.env.GATEHOUSE_NATIVE_STRICT === '1';
const JOBS = '2';

/** Node's own headers, when some prefix on this machine has them for exactly this version. */
function localNodeDir() {
  const candidates = [process.config?.variables?.node_prefix, dirname(dirname(process.execPath))].filter((p) => typeof p === 'string' && p !== '');
  for (const dir of [...new Set(candidates)]) {
    const header = join(dir, 'include', 'node', 'node_version.h');
    if (!existsSync(header) || !existsSync(join(dir, 'include', 'node', 'common.gypi'))) continue;
    const text = readFileSync(header, 'utf8');
    const part = (name) => new RegExp(`#define\\s+NODE_${name}_VERSION\\s+(\\d+)`).exec(text)?.[1];
    if (`v${part('MAJOR')}.${part('MINOR')}.${part('PATCH')}` === process.version) return dir;
  }
  return null;
}

function onPath(name) {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (dir !== '' && existsSync(join(dir, name))) return join(dir, name);
  }
  return null;
}

/** How to run node-gyp: [command, ...leading args]. npm bundles one; during `npm install` it is on PATH too. */
function findNodeGyp() {
  const scripts = [];
  const fromNpm = process.env.npm_config_node_gyp;
  if (fromNpm && fromNpm.endsWith('.js')) scripts.push(fromNpm);
  if (process.env.npm_execpath) scripts.push(join(dirname(process.env.npm_execpath), '..', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'));
  scripts.push(join(dirname(process.execPath), '..', 'lib', 'node_modules', 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'));
  const require = createRequire(import.meta.url);
  for (const request of ['node-gyp/bin/node-gyp.js', 'npm/node_modules/node-gyp/bin/node-gyp.js']) {
    try {
      scripts.push(require.resolve(request));
    } catch {
      // not installed there
    }
  }
  const script = scripts.find((s) => existsSync(s));
  if (script) return [process.execPath, script];
  if (fromNpm && existsSync(fromNpm)) return [fromNpm];
  const bin = onPath('node-gyp');
  if (bin) return [bin];
  return ['npm', 'exec', '--no', '--', 'node-gyp'];
}

function fail(reason) {
  const line = `gatehouse: the native engine was not built (${reason}); the pure-JS engine will be used. Details: ${logFile}`;
  process.stderr.write(`${line}\n`);
  process.exit(strict ? 1 : 0);
}

/** Runs one node-gyp step, appending its output to the log; a failure's reason, or null. */
function step(command, lead, args, log) {
  const r = spawnSync(command, [...lead, ...args], { cwd: root, encoding: 'utf8', env: { ...process.env, JOBS }, maxBuffer: 64 * 1024 * 1024 });
  log.push(`$ ${[command, ...lead, ...args].join(' ')}`, r.stdout ?? '', r.stderr ?? '');
  if (r.error) return `node-gyp could not run: ${r.error.message}`;
  if (r.status === 0) return null;
  const errorLine = `${r.stdout ?? ''}\n${r.stderr ?? ''}`.split('\n').find((l) => /error[: ]/i.test(l) && !/^gyp ERR! (stack|System|command|cwd|node -v|node-gyp -v|not ok)/.test(l));
  return `node-gyp ${args[0]} exited with ${r.status ?? r.signal}${errorLine ? `: ${errorLine.trim().slice(0, 200)}` : ''}`;
}

function main() {
  mkdirSync(dirname(logFile), { recursive: true });
  const [command, ...lead] = findNodeGyp();
  const nodeDir = localNodeDir();
  const nodeDirArgs = nodeDir === null ? [] : [`--nodedir=${nodeDir}`];
  const log = [];
  // configure + build, never `rebuild`: its clean step deletes all of build/, and
  // build/ also holds the standalone C++ builds (native/Makefile BUILD=../build/...).
  const failure = step(command, lead, ['configure', ...nodeDirArgs], log) ?? step(command, lead, ['build', `--jobs=${JOBS}`, ...nodeDirArgs], log);
  writeFileSync(logFile, `${log.join('\n')}\n`);
  if (failure !== null) return fail(failure);
  if (!existsSync(join(root, 'build', 'Release', 'gatehouse.node'))) return fail('node-gyp succeeded but build/Release/gatehouse.node is missing');
  process.stdout.write(`gatehouse: native engine built (build/Release/gatehouse.node${nodeDir === null ? '' : `, headers from ${nodeDir}`})\n`);
}

main();
