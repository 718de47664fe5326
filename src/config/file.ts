import { existsSync, readFileSync, statSync } from 'node:fs';
import { extname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { CONFIG_FILE_NAMES } from './defaults.js';
import { ConfigError } from './errors.js';

const SCRIPT_EXTENSIONS = ['.js', '.mjs', '.cjs'];
const TYPESCRIPT_EXTENSIONS = ['.ts', '.mts', '.cts'];

/**
 * Finds the config file of an app given as a directory or as the file itself.
 * Two config files in one app would leave the reader guessing which one runs,
 * so that is an error rather than a silent choice.
 */
export function findConfigFile(app: string): string {
  const target = resolve(app);
  if (!existsSync(target)) throw new ConfigError(`app "${app}" does not exist`);
  if (statSync(target).isFile()) return target;
  const found = CONFIG_FILE_NAMES.map((name) => join(target, name)).filter((file) => existsSync(file));
  if (found.length === 0) throw new ConfigError(`no gatehouse.config.{json,js,mjs,ts} in ${target}`);
  if (found.length > 1) throw new ConfigError(`${target} has ${found.length} config files (${found.map((f) => f.slice(target.length + 1)).join(', ')}); keep one`);
  return found[0]!;
}

/**
 * A module's configuration: its default export (or the module itself), which
 * may also be a function, sync or async, returning the configuration.
 */
async function configFromModule(file: string, mod: Record<string, unknown>): Promise<unknown> {
  let value: unknown = 'default' in mod ? mod.default : mod;
  // A TypeScript file compiled as CommonJS (no "type": "module" near it) comes
  // back as { default: { default: config } }.
  if (typeof value === 'object' && value !== null && !Array.isArray(value) && Object.keys(value).length === 1 && 'default' in value) {
    value = (value as { default: unknown }).default;
  }
  if (typeof value === 'function') {
    try {
      value = await (value as () => unknown)();
    } catch (err) {
      throw new ConfigError(`${file}: the configuration function failed: ${(err as Error).message}`);
    }
  }
  return value;
}

/**
 * TypeScript configs go through tsx's tsImport, which compiles with esbuild on
 * the fly in a loader scoped to this one import (Node 20 has no type stripping;
 * 22/24 have it only behind flags or without enums and path rewrites, so one
 * loader everywhere behaves the same).
 */
async function importTypeScript(file: string): Promise<Record<string, unknown>> {
  const { tsImport } = await import('tsx/esm/api');
  return (await tsImport(pathToFileURL(file).href, import.meta.url)) as Record<string, unknown>;
}

/** Reads a config file into the plain object it describes (not yet checked). */
export async function readConfigFile(file: string): Promise<unknown> {
  const ext = extname(file);
  if (ext === '.json') {
    try {
      return JSON.parse(readFileSync(file, 'utf8'));
    } catch (err) {
      throw new ConfigError(`${file} is not valid JSON: ${(err as Error).message}`);
    }
  }
  const isScript = SCRIPT_EXTENSIONS.includes(ext);
  if (!isScript && !TYPESCRIPT_EXTENSIONS.includes(ext)) {
    throw new ConfigError(`${file}: a config file must be .json, .js, .mjs, .cjs, .ts, .mts or .cts`);
  }
  let mod: Record<string, unknown>;
  try {
    // The version query makes a changed file load anew in a long-lived process
    // (restart, tests) instead of coming from the module cache.
    const url = `${pathToFileURL(file).href}?mtime=${statSync(file).mtimeMs}`;
    mod = isScript ? ((await import(url)) as Record<string, unknown>) : await importTypeScript(file);
  } catch (err) {
    throw new ConfigError(`${file} could not be loaded: ${(err as Error).message}`);
  }
  return configFromModule(file, mod);
}
