import { dirname, resolve } from 'node:path';
import { ConfigError } from './errors.js';
import { findConfigFile, readConfigFile } from './file.js';
import { applyOverrides, attributeError, settingsFromEnv, type SettingOverride } from './overrides.js';
import type { ResolvedConfig } from './types.js';
import { resolveConfig } from './validate.js';

export { findConfigFile } from './file.js';

/**
 * Settings given on the command line. The named flags are shorthands kept from
 * the first release; `set` holds the generic `--set key.path=value` flags
 * (parsed with parseSetFlags). Named flags are applied after `set`.
 */
export interface ConfigOverrides {
  gateways?: number;
  workers?: number;
  threads?: number;
  runDir?: string;
  logLevel?: ResolvedConfig['logLevel'];
  secretKey?: string;
  /** `--engine` (start, restart): 'auto' | 'native' | 'js', checked like the setting. */
  engine?: string;
  set?: SettingOverride[];
}

/** The named flags as overrides, each attributed to its flag in messages. */
function namedFlagOverrides(flags: ConfigOverrides): SettingOverride[] {
  const named: [keyof ConfigOverrides, string, string][] = [
    ['gateways', 'gateway.count', '--gateways'],
    ['workers', 'worker.count', '--workers'],
    ['threads', 'worker.threads', '--threads'],
    ['runDir', 'runDir', '--run-dir'],
    ['logLevel', 'logLevel', '--log-level'],
    ['secretKey', 'secretKey', '--secret-key'],
    ['engine', 'engine', '--engine'],
  ];
  const out: SettingOverride[] = [];
  for (const [key, path, source] of named) {
    const value = flags[key];
    if (value === undefined) continue;
    // A relative --run-dir was typed in a shell: relative to where it runs.
    out.push({ path, value: key === 'runDir' ? resolve(value as string) : value, source });
  }
  return out;
}

/**
 * Reads, overrides and validates an app's configuration.
 * Precedence: flags > GATEHOUSE_* environment > the file > defaults. A wrong
 * value is reported naming the setting and, when it did not come from the
 * file, the variable or flag that gave it.
 */
export async function loadConfig(app: string, flags: ConfigOverrides = {}, env: NodeJS.ProcessEnv = process.env): Promise<ResolvedConfig> {
  const file = findConfigFile(app);
  const raw = await readConfigFile(file);
  const overrides = [...settingsFromEnv(env), ...(flags.set ?? []), ...namedFlagOverrides(flags)];
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new ConfigError(`${file} must describe an object (got ${Array.isArray(raw) ? 'a list' : raw === null ? 'null' : typeof raw})`);
  }
  try {
    return resolveConfig(applyOverrides(raw as Record<string, unknown>, overrides), dirname(file));
  } catch (err) {
    if (err instanceof ConfigError) throw attributeError(err, overrides);
    throw err;
  }
}
