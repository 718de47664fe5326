/**
 * Every setting a user can write, with the type its text form (an environment
 * variable or `--set key=value`) is parsed as. The ranges and allowed values are
 * checked once, by validate.ts, whatever the source; this table only turns text
 * into the JSON value the file would have held.
 *
 * Environment names are derived, never listed by hand: `GATEHOUSE_` followed by
 * the path with each camelCase word upper-cased and the parts joined by `_`
 * (gateway.pingInterval → GATEHOUSE_GATEWAY_PING_INTERVAL). A listener's field is
 * addressed by its index: listeners.0.port → GATEHOUSE_LISTENERS_0_PORT.
 */

/**
 * - int, number, boolean: the literal (booleans: true/false/1/0/yes/no);
 * - string: the text as is; nullable-string: also `null`, or empty in `--set`;
 * - path: a file or directory, relative to the current directory (not the app's);
 * - list: comma-separated, or a JSON array;
 * - json: a JSON value (objects and arrays of objects).
 */
export type SettingKind = 'int' | 'number' | 'boolean' | 'string' | 'nullable-string' | 'path' | 'list' | 'json';

export interface SettingSpec {
  /** Dotted path as in the file, e.g. 'gateway.pingInterval'. */
  path: string;
  kind: SettingKind;
}

/** Top-level and section settings; listeners are described by LISTENER_SETTINGS. */
export const SETTINGS: readonly SettingSpec[] = [
  { path: 'name', kind: 'string' },
  { path: 'instance', kind: 'string' },
  { path: 'events', kind: 'path' },
  { path: 'runDir', kind: 'path' },
  { path: 'secretKey', kind: 'nullable-string' },
  { path: 'queryTimeout', kind: 'int' },
  { path: 'logLevel', kind: 'string' },
  { path: 'logFile', kind: 'path' },
  { path: 'stopTimeout', kind: 'int' },
  { path: 'reloadTimeout', kind: 'int' },
  { path: 'engine', kind: 'string' },
  { path: 'listeners', kind: 'json' },
  { path: 'gateway.count', kind: 'int' },
  { path: 'gateway.pingInterval', kind: 'number' },
  { path: 'gateway.pingNotResponseLimit', kind: 'int' },
  { path: 'gateway.pingData', kind: 'string' },
  { path: 'gateway.linkHost', kind: 'nullable-string' },
  { path: 'gateway.linkPort', kind: 'int' },
  { path: 'gateway.maxUnackedEvents', kind: 'int' },
  { path: 'gateway.sendBufferSize', kind: 'int' },
  { path: 'gateway.slowConsumerPolicy', kind: 'string' },
  { path: 'gateway.opsPort', kind: 'int' },
  { path: 'gateway.opsHost', kind: 'string' },
  { path: 'worker.count', kind: 'int' },
  { path: 'worker.threads', kind: 'int' },
  { path: 'worker.maxBatchEvents', kind: 'int' },
  { path: 'worker.credits', kind: 'int' },
  { path: 'worker.gateways', kind: 'list' },
  { path: 'worker.processTimeout', kind: 'int' },
  { path: 'worker.linkOutputLimit', kind: 'int' },
  { path: 'worker.linkOutputPolicy', kind: 'string' },
  { path: 'register.embedded', kind: 'boolean' },
  { path: 'register.host', kind: 'string' },
  { path: 'register.port', kind: 'int' },
  { path: 'register.addresses', kind: 'list' },
  { path: 'redis', kind: 'list' },
  { path: 'cluster.prefix', kind: 'string' },
  { path: 'cluster.presenceTtl', kind: 'int' },
];

/** Fields of one listener, relative to `listeners.<i>`. */
export const LISTENER_SETTINGS: readonly SettingSpec[] = [
  { path: 'name', kind: 'string' },
  { path: 'protocol', kind: 'string' },
  { path: 'host', kind: 'string' },
  { path: 'port', kind: 'int' },
  { path: 'maxMessageSize', kind: 'int' },
  { path: 'frame', kind: 'json' },
  { path: 'frame.headerSize', kind: 'int' },
  { path: 'frame.endian', kind: 'string' },
  { path: 'frame.lengthIncludesHeader', kind: 'boolean' },
  { path: 'codec', kind: 'path' },
  { path: 'static', kind: 'json' },
  { path: 'backlog', kind: 'int' },
];

/**
 * Short names kept from the first release; each is the same as the variable of
 * the setting it names, and giving both with different values is an error.
 */
export const ENV_ALIASES: Readonly<Record<string, string>> = {
  GATEHOUSE_GATEWAYS: 'gateway.count',
  GATEHOUSE_WORKERS: 'worker.count',
  GATEHOUSE_THREADS: 'worker.threads',
};

export const ENV_PREFIX = 'GATEHOUSE_';

/**
 * GATEHOUSE_* variables that are not settings: what the supervisor tells its
 * children (src/supervisor/ipc.ts, src/register/bind-port.ts) and the log
 * format switch. A new internal variable under a section prefix belongs here.
 */
export const ENV_NOT_SETTINGS: readonly string[] = [
  'GATEHOUSE_ROLE',
  'GATEHOUSE_INDEX',
  'GATEHOUSE_CONFIG_FILE',
  'GATEHOUSE_REGISTERS',
  'GATEHOUSE_REGISTER_BIND_PORT',
  'GATEHOUSE_LOG_PRETTY',
  'GATEHOUSE_GATEWAY_BIND_PORTS',
  'GATEHOUSE_NATIVE_STRICT',
];

/** `pingNotResponseLimit` → `PING_NOT_RESPONSE_LIMIT`. */
function upperSnake(word: string): string {
  return word.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toUpperCase();
}

/** The environment variable of a dotted setting path (listener indexes included). */
export function envNameOf(path: string): string {
  return ENV_PREFIX + path.split('.').map(upperSnake).join('_');
}

/**
 * How a setting path is shown in messages, matching validate.ts:
 * 'listeners.0.frame.headerSize' → 'listeners[0].frame.headerSize'.
 */
export function displayPath(path: string): string {
  return path.replace(/^listeners\.(\d+)/, 'listeners[$1]');
}

export interface ResolvedSetting {
  /** Dotted path with a numeric listener index, e.g. 'listeners.0.port'. */
  path: string;
  kind: SettingKind;
}

/** The setting a dotted path names (`listeners.1.port`, `listeners[1].port`), or null. */
export function settingAt(path: string): ResolvedSetting | null {
  const normalized = path.replace(/\[(\d+)\]/g, '.$1');
  const top = SETTINGS.find((s) => s.path === normalized);
  if (top) return { path: top.path, kind: top.kind };
  const m = /^listeners\.(\d+)\.(.+)$/.exec(normalized);
  if (!m) return null;
  const field = LISTENER_SETTINGS.find((s) => s.path === m[2]);
  return field ? { path: `listeners.${Number(m[1])}.${field.path}`, kind: field.kind } : null;
}

/** The setting an environment variable names, or null. */
export function settingOfEnv(name: string): ResolvedSetting | null {
  const alias = ENV_ALIASES[name];
  if (alias) return settingAt(alias);
  const top = SETTINGS.find((s) => envNameOf(s.path) === name);
  if (top) return { path: top.path, kind: top.kind };
  const m = /^GATEHOUSE_LISTENERS_(\d+)_(.+)$/.exec(name);
  if (!m) return null;
  const field = LISTENER_SETTINGS.find((s) => envNameOf(s.path) === `${ENV_PREFIX}${m[2]}`);
  return field ? { path: `listeners.${Number(m[1])}.${field.path}`, kind: field.kind } : null;
}

/** Every variable name a user may set, for "did you mean" hints and the docs test. */
export function allEnvNames(): string[] {
  return [
    ...SETTINGS.map((s) => envNameOf(s.path)),
    ...LISTENER_SETTINGS.map((s) => envNameOf(`listeners.0.${s.path}`)),
    ...Object.keys(ENV_ALIASES),
  ];
}
