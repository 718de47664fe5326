import { isAbsolute, resolve } from 'node:path';
import { ConfigError } from './errors.js';

/**
 * The checks every setting goes through. Each message starts with the
 * setting's name as the user writes it (loadConfig relies on that to add which
 * variable or flag gave the value) and says what it must be and what it got.
 */

export type Raw = Record<string, unknown>;

export function isObject(v: unknown): v is Raw {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function section(raw: Raw, key: string): Raw {
  const v = raw[key];
  if (v === undefined) return {};
  if (!isObject(v)) throw new ConfigError(`${key} must be an object (got ${JSON.stringify(v)})`);
  return v;
}

export function unknownKeys(obj: Raw, allowed: readonly string[], where: string): void {
  for (const k of Object.keys(obj)) {
    if (!allowed.includes(k)) throw new ConfigError(`${where}${k} is not a setting (allowed: ${allowed.join(', ')})`);
  }
}

export function int(v: unknown, name: string, min: number, max: number, fallback: number): number {
  if (v === undefined) return fallback;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
    throw new ConfigError(`${name} must be an integer between ${min} and ${max} (got ${JSON.stringify(v)})`);
  }
  return v;
}

export function num(v: unknown, name: string, min: number, max: number, fallback: number): number {
  if (v === undefined) return fallback;
  if (typeof v !== 'number' || !Number.isFinite(v) || v < min || v > max) {
    throw new ConfigError(`${name} must be a number between ${min} and ${max} (got ${JSON.stringify(v)})`);
  }
  return v;
}

export function str(v: unknown, name: string, fallback: string): string {
  if (v === undefined) return fallback;
  if (typeof v !== 'string') throw new ConfigError(`${name} must be a string (got ${JSON.stringify(v)})`);
  return v;
}

/** A string that means nothing when empty (a name, a host, a path). */
export function nonEmpty(v: unknown, name: string, fallback: string): string {
  const s = str(v, name, fallback);
  if (s.trim() === '') throw new ConfigError(`${name} must not be empty`);
  return s;
}

export function bool(v: unknown, name: string, fallback: boolean): boolean {
  if (v === undefined) return fallback;
  if (typeof v !== 'boolean') throw new ConfigError(`${name} must be true or false (got ${JSON.stringify(v)})`);
  return v;
}

export function oneOf<T extends string>(v: unknown, name: string, options: readonly T[], fallback: T): T {
  if (v === undefined) return fallback;
  if (typeof v !== 'string' || !options.includes(v as T)) {
    throw new ConfigError(`${name} must be one of ${options.map((o) => `'${o}'`).join(', ')} (got ${JSON.stringify(v)})`);
  }
  return v as T;
}

export function path(v: string, appDir: string): string {
  return isAbsolute(v) ? v : resolve(appDir, v);
}

/** "host:port" or "[v6]:port", with a port that can be connected to. */
export function isAddress(v: unknown): boolean {
  if (typeof v !== 'string') return false;
  const m = /^(\[[0-9A-Fa-f:.]+\]|[^\s:[\]]+):(\d{1,5})$/.exec(v);
  return m !== null && Number(m[2]) >= 1 && Number(m[2]) <= 65535;
}

export function addressList(v: unknown, name: string): string[] {
  if (v === undefined) return [];
  if (!Array.isArray(v)) throw new ConfigError(`${name} must be a list of "host:port" addresses (got ${JSON.stringify(v)})`);
  v.forEach((a, i) => {
    if (!isAddress(a)) throw new ConfigError(`${name}[${i}] must be "host:port" with a port from 1 to 65535 (got ${JSON.stringify(a)})`);
  });
  return v as string[];
}
