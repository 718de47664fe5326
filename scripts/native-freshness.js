// Whether build/Release/gatehouse.node was built from the current C++ sources:
// the files under native/src and binding.gyp that are newer than the binary.
// Used by `npm test` (pretest rebuilds a stale addon) and by the generated
// [native] test wrappers (they fail, naming the newer files, rather than test
// an old binary).
//
//   node scripts/native-freshness.js --rebuild   rebuild when missing or stale
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const projectRoot = fileURLToPath(new URL('..', import.meta.url));

function* sourceFiles(dir) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, entry.name);
    if (entry.isDirectory()) yield* sourceFiles(p);
    else if (entry.isFile()) yield p;
  }
}

/**
 * The sources newer than the addon (paths relative to `root`, the project by
 * default), or null when the addon is missing.
 */
export function staleSources(root = projectRoot) {
  const addonPath = join(root, 'build', 'Release', 'gatehouse.node');
  if (!existsSync(addonPath)) return null;
  const built = statSync(addonPath).mtimeMs;
  const newer = [];
  const src = join(root, 'native', 'src');
  const candidates = [join(root, 'binding.gyp'), ...(existsSync(src) ? sourceFiles(src) : [])];
  for (const f of candidates) if (existsSync(f) && statSync(f).mtimeMs > built) newer.push(relative(root, f));
  return newer;
}

if (process.argv[1] === fileURLToPath(import.meta.url) && process.argv.includes('--rebuild')) {
  const stale = staleSources();
  if (stale === null || stale.length > 0) {
    const why = stale === null ? 'it is not built' : `${stale.length} source file(s) are newer than it: ${stale.slice(0, 3).join(', ')}`;
    console.error(`gatehouse: building the native addon (${why})`);
    const r = spawnSync(process.execPath, [join(projectRoot, 'scripts', 'build-native.js')], { stdio: 'inherit' });
    process.exit(r.status ?? 1);
  }
}
