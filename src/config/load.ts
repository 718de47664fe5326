import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { CONFIG_FILE_NAMES } from './defaults.js';
import { ConfigError } from './errors.js';
import type { ResolvedConfig } from './types.js';
import { checkCoherence, resolveConfig } from './validate.js';

/** Settings given on the command line or in the environment; they win over the file. */
export interface ConfigOverrides {
  gateways?: number;
  workers?: number;
  threads?: number;
  runDir?: string;
  logLevel?: ResolvedConfig['logLevel'];
  secretKey?: string;
}

/** Finds the config file of an app given as a directory or as the file itself. */
export function findConfigFile(app: string): string {
  const target = resolve(app);
  if (!existsSync(target)) throw new ConfigError(`app "${app}" does not exist`);
  if (statSync(target).isFile()) return target;
  for (const name of CONFIG_FILE_NAMES) {
    const file = join(target, name);
    if (existsSync(file)) return file;
  }
  throw new ConfigError(`no ${CONFIG_FILE_NAMES.join(' or ')} in ${target}`);
}

async function readConfigFile(file: string): Promise<unknown> {
  if (file.endsWith('.json')) {
    try {
      return JSON.parse(readFileSync(file, 'utf8'));
    } catch (err) {
      throw new ConfigError(`${file} is not valid JSON: ${(err as Error).message}`);
    }
  }
  if (file.endsWith('.js') || file.endsWith('.mjs')) {
    const mod = (await import(pathToFileURL(file).href)) as { default?: unknown };
    return mod.default ?? mod;
  }
  throw new ConfigError(`${file}: a config file must be .json, .js or .mjs`);
}

function envInt(env: NodeJS.ProcessEnv, key: string): number | undefined {
  const v = env[key];
  if (v === undefined || v === '') return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw new ConfigError(`environment variable ${key} must be a non-negative integer (got "${v}")`);
  return n;
}

/** GATEHOUSE_* environment variables that override the file. */
export function overridesFromEnv(env: NodeJS.ProcessEnv = process.env): ConfigOverrides {
  const o: ConfigOverrides = {};
  const g = envInt(env, 'GATEHOUSE_GATEWAYS');
  const w = envInt(env, 'GATEHOUSE_WORKERS');
  const t = envInt(env, 'GATEHOUSE_THREADS');
  if (g !== undefined) o.gateways = g;
  if (w !== undefined) o.workers = w;
  if (t !== undefined) o.threads = t;
  if (env.GATEHOUSE_RUN_DIR) o.runDir = env.GATEHOUSE_RUN_DIR;
  if (env.GATEHOUSE_LOG_LEVEL) o.logLevel = env.GATEHOUSE_LOG_LEVEL as ResolvedConfig['logLevel'];
  if (env.GATEHOUSE_SECRET_KEY) o.secretKey = env.GATEHOUSE_SECRET_KEY;
  return o;
}

/** Reads, overrides (flags > env > file > defaults) and validates an app's configuration. */
export async function loadConfig(app: string, flags: ConfigOverrides = {}, env: NodeJS.ProcessEnv = process.env): Promise<ResolvedConfig> {
  const file = findConfigFile(app);
  const raw = await readConfigFile(file);
  const appDir = dirname(file);
  const merged = { ...overridesFromEnv(env), ...stripUndefined(flags) };
  if (typeof raw === 'object' && raw !== null && !Array.isArray(raw)) {
    const r = raw as Record<string, unknown>;
    const gateway = { ...(r.gateway as object | undefined) } as Record<string, unknown>;
    const worker = { ...(r.worker as object | undefined) } as Record<string, unknown>;
    if (merged.gateways !== undefined) gateway.count = merged.gateways;
    if (merged.workers !== undefined) worker.count = merged.workers;
    if (merged.threads !== undefined) worker.threads = merged.threads;
    const next: Record<string, unknown> = { ...r, gateway, worker };
    if (merged.runDir !== undefined) next.runDir = resolve(merged.runDir);
    if (merged.logLevel !== undefined) next.logLevel = merged.logLevel;
    if (merged.secretKey !== undefined) next.secretKey = merged.secretKey;
    const config = resolveConfig(next, appDir);
    checkCoherence(config);
    return config;
  }
  return resolveConfig(raw, appDir);
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
