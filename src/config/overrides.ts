import { resolve } from 'node:path';
import { ConfigError } from './errors.js';
import { allEnvNames, displayPath, ENV_NOT_SETTINGS, ENV_PREFIX, LISTENER_SETTINGS, SETTINGS, settingAt, settingOfEnv, type SettingKind } from './settings.js';

/** One setting given outside the file: by a GATEHOUSE_* variable or a flag. */
export interface SettingOverride {
  /** Dotted path, listener indexes as numbers: 'worker.threads', 'listeners.0.port'. */
  path: string;
  /** The value as the file would hold it (already typed). */
  value: unknown;
  /** Where it came from, for messages: 'environment variable GATEHOUSE_WORKER_THREADS', '--set worker.threads'. */
  source: string;
}

const TRUE = ['true', '1', 'yes', 'on'];
const FALSE = ['false', '0', 'no', 'off'];

/** Turns the text of a variable or `--set` into the value a config file would hold. */
export function parseSettingText(text: string, kind: SettingKind, source: string): unknown {
  const got = `(got ${JSON.stringify(text)})`;
  switch (kind) {
    case 'int':
      if (!/^[+-]?\d+$/.test(text.trim())) throw new ConfigError(`${source} must be an integer ${got}`);
      return Number(text);
    case 'number': {
      const n = Number(text);
      if (text.trim() === '' || !Number.isFinite(n)) throw new ConfigError(`${source} must be a number ${got}`);
      return n;
    }
    case 'boolean': {
      const t = text.trim().toLowerCase();
      if (TRUE.includes(t)) return true;
      if (FALSE.includes(t)) return false;
      throw new ConfigError(`${source} must be true or false ${got}`);
    }
    case 'string':
      return text;
    case 'nullable-string':
      return text === '' || text === 'null' ? null : text;
    case 'path':
      if (text === '') throw new ConfigError(`${source} must not be empty`);
      // Typed in a shell, so relative to where the command runs, not to the app.
      return resolve(text);
    case 'list': {
      if (text.trim().startsWith('[')) {
        const v = parseJson(text, source);
        if (!Array.isArray(v) || !v.every((s) => typeof s === 'string')) throw new ConfigError(`${source} must be a JSON array of strings ${got}`);
        return v;
      }
      return text.split(',').map((s) => s.trim()).filter((s) => s !== '');
    }
    case 'json':
      return parseJson(text, source);
  }
}

function parseJson(text: string, source: string): unknown {
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new ConfigError(`${source} must be JSON: ${(err as Error).message}`);
  }
}

/** Classic edit distance, for "did you mean" on misspelt names. */
function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let diagonal = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const above = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, diagonal + (a[i - 1] === b[j - 1] ? 0 : 1));
      diagonal = above;
    }
  }
  return row[b.length]!;
}

function closest(name: string, candidates: readonly string[]): string | null {
  let best: string | null = null;
  let bestDistance = Infinity;
  for (const c of candidates) {
    const d = distance(name, c);
    if (d < bestDistance) [best, bestDistance] = [c, d];
  }
  return best !== null && bestDistance <= Math.max(2, Math.floor(name.length / 8)) ? best : null;
}

/** Section prefixes: a variable under one of them is certainly meant as a setting. */
const SECTION_PREFIXES = ['GATEHOUSE_GATEWAY_', 'GATEHOUSE_WORKER_', 'GATEHOUSE_REGISTER_', 'GATEHOUSE_LISTENERS_'];

/**
 * The settings given by GATEHOUSE_* variables. An empty variable counts as unset.
 * A variable that looks like a setting but is none (a typo, under a section
 * prefix or close to a real name) is an error rather than silently ignored;
 * other GATEHOUSE_* names (GATEHOUSE_ROLE, test switches) are left alone.
 */
export function settingsFromEnv(env: NodeJS.ProcessEnv = process.env): SettingOverride[] {
  const known = allEnvNames();
  const byPath = new Map<string, SettingOverride & { text: string }>();
  for (const name of Object.keys(env).sort()) {
    const text = env[name];
    if (!name.startsWith(ENV_PREFIX) || text === undefined || text === '' || ENV_NOT_SETTINGS.includes(name)) continue;
    const setting = settingOfEnv(name);
    if (!setting) {
      const hint = closest(name, known);
      if (hint || SECTION_PREFIXES.some((p) => name.startsWith(p))) {
        throw new ConfigError(`environment variable ${name} is not a setting${hint ? ` (did you mean ${hint}?)` : ''}; see docs/configuration.md`);
      }
      continue;
    }
    const source = `environment variable ${name}`;
    const value = parseSettingText(text, setting.kind, source);
    const earlier = byPath.get(setting.path);
    if (earlier && JSON.stringify(earlier.value) !== JSON.stringify(value)) {
      throw new ConfigError(`${earlier.source}=${JSON.stringify(earlier.text)} and ${source}=${JSON.stringify(text)} both set ${displayPath(setting.path)}; keep one`);
    }
    byPath.set(setting.path, { path: setting.path, value, source, text });
  }
  // Shallow paths first, so GATEHOUSE_LISTENERS (the whole list) comes before
  // GATEHOUSE_LISTENERS_0_PORT (one field of it).
  return [...byPath.values()]
    .sort((a, b) => a.path.split('.').length - b.path.split('.').length)
    .map(({ path, value, source }) => ({ path, value, source }));
}

/** Every dotted path `--set` accepts, for "did you mean". */
function allSettingPaths(): string[] {
  return [...SETTINGS.map((s) => s.path), ...LISTENER_SETTINGS.map((s) => `listeners.0.${s.path}`)];
}

/**
 * Parses repeated `--set key.path=value` flags (the CLI passes their values).
 * Keys are the file's dotted paths; a listener is `listeners.<i>.<field>` or
 * `listeners[<i>].<field>`. Later flags win over earlier ones.
 */
export function parseSetFlags(values: readonly string[]): SettingOverride[] {
  return values.map((item) => {
    const eq = item.indexOf('=');
    if (eq <= 0) throw new ConfigError(`--set needs key=value, e.g. --set worker.threads=4 (got ${JSON.stringify(item)})`);
    const key = item.slice(0, eq).trim();
    const text = item.slice(eq + 1);
    const setting = settingAt(key);
    if (!setting) {
      const hint = closest(key.replace(/\[(\d+)\]/g, '.$1').replace(/^listeners\.\d+\./, 'listeners.0.'), allSettingPaths());
      throw new ConfigError(`--set ${key}: not a setting${hint ? ` (did you mean ${hint.replace(/^listeners\.0\./, 'listeners.<i>.')}?)` : ''}; see docs/configuration.md`);
    }
    const source = `--set ${key}`;
    return { path: setting.path, value: parseSettingText(text, setting.kind, source), source };
  });
}

type Raw = Record<string, unknown>;

function isObject(v: unknown): v is Raw {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * The file's settings with the overrides written over them, in order (so later
 * ones win). Nothing in `raw` is modified: each level on the way is copied.
 */
export function applyOverrides(raw: Raw, overrides: readonly SettingOverride[]): Raw {
  let result: Raw = { ...raw };
  for (const o of overrides) result = setPath(result, o.path.split('.'), o.value, o);
  return result;
}

function setPath(container: Raw | unknown[], keys: string[], value: unknown, o: SettingOverride): Raw {
  const [key, ...rest] = keys as [string, ...string[]];
  if (Array.isArray(container)) {
    const copy = [...container];
    const index = Number(key);
    if (index > copy.length) {
      throw new ConfigError(`${o.source}: there is no listeners[${index}] (there are ${copy.length} listeners; add listeners in order)`);
    }
    copy[index] = rest.length === 0 ? value : setPath(nextLevel(copy[index], o, keys), rest, value, o);
    return copy as unknown as Raw;
  }
  const copy: Raw = { ...container };
  copy[key] = rest.length === 0 ? value : setPath(nextLevel(copy[key], o, keys), rest, value, o);
  return copy;
}

function nextLevel(current: unknown, o: SettingOverride, keys: string[]): Raw | unknown[] {
  const wantsList = /^\d+$/.test(keys[1] ?? '');
  if (current === undefined) return wantsList ? [] : {};
  if (wantsList ? Array.isArray(current) : isObject(current)) return current as Raw | unknown[];
  const where = displayPath(o.path.split('.').slice(0, o.path.split('.').length - keys.length + 1).join('.'));
  throw new ConfigError(`${o.source}: ${where} in the file must be ${wantsList ? 'a list' : 'an object'} to set ${displayPath(o.path)}`);
}

/**
 * Adds to a validation message which override gave the value it complains
 * about, e.g. "worker.threads must be … (got 0); set by environment variable
 * GATEHOUSE_WORKER_THREADS". The most specific match wins (a listener field
 * over the listener it belongs to, which an override may have created); among
 * equal ones, the last applied, which is the one in effect.
 */
export function attributeError(err: ConfigError, overrides: readonly SettingOverride[]): ConfigError {
  let match: SettingOverride | null = null;
  let matchScore = 0;
  for (const o of overrides) {
    const shown = displayPath(o.path);
    const listener = /^listeners\[\d+\]/.exec(shown)?.[0];
    for (const prefix of listener && listener !== shown ? [shown, listener] : [shown]) {
      const hit = [' ', '.', '['].some((sep) => err.message.startsWith(prefix + sep));
      if (hit && prefix.length >= matchScore) [match, matchScore] = [o, prefix.length];
      if (hit) break;
    }
  }
  return match ? new ConfigError(`${err.message}; set by ${match.source}`) : err;
}
