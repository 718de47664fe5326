/**
 * Loads the native addon once per process. A missing or broken build is not an
 * error here: the caller (../select-engine.ts) decides between falling back to
 * the JS engine and refusing to start, and says why using `reason`.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { ADDON_ABI, type NativeAddon } from './addon.js';

export type AddonLoad = { ok: true; addon: NativeAddon; path: string } | { ok: false; reason: string; path: string };

/** Where node-gyp puts the addon: <package>/build/Release (this file is <package>/dist/src/gateway/engine-native/loader.js). */
export const ADDON_PATH = fileURLToPath(new URL('../../../../build/Release/gatehouse.node', import.meta.url));

let loaded: AddonLoad | null = null;

/** The addon at ADDON_PATH, loaded on the first call; later calls return the same answer. */
export function loadNativeAddon(): AddonLoad {
  loaded ??= loadAddonAt(ADDON_PATH);
  return loaded;
}

/** Loads an addon file (not cached: tests load other builds). */
export function loadAddonAt(path: string): AddonLoad {
  if (!existsSync(path)) return { ok: false, path, reason: `${path} is not built (npm install builds it; or run "node scripts/build-native.js")` };
  let mod: Partial<NativeAddon>;
  try {
    mod = createRequire(import.meta.url)(path) as Partial<NativeAddon>;
  } catch (err) {
    return { ok: false, path, reason: `${path} cannot be loaded: ${(err as Error).message.split('\n')[0]}` };
  }
  if (typeof mod.Engine !== 'function') return { ok: false, path, reason: `${path} is not the gatehouse addon (it has no Engine)` };
  if (mod.abi !== ADDON_ABI) {
    return { ok: false, path, reason: `${path} is a stale build (addon ABI ${String(mod.abi)}, this code needs ${ADDON_ABI}); rebuild it with "node scripts/build-native.js"` };
  }
  return { ok: true, path, addon: mod as NativeAddon };
}
