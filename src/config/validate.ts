import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { addressList, bool, int, isObject, nonEmpty, num, oneOf, path, section, str, unknownKeys, type Raw } from './checks.js';
import { checkCoherence } from './coherence.js';
import { DEFAULT_FRAME, DEFAULT_GATEWAY, DEFAULT_LISTENER, DEFAULT_QUERY_TIMEOUT, DEFAULT_REGISTER, DEFAULT_ENGINE, DEFAULT_PRESENCE_TTL, DEFAULT_RELOAD_TIMEOUT, DEFAULT_STOP_TIMEOUT, defaultWorker, MAX_BACKLOG, systemMaxBacklog } from './defaults.js';
import { ConfigError } from './errors.js';
import type { ClusterConfig, FrameOptions, GatewayConfig, ListenerConfig, ListenerProtocol, RegisterConfig, ResolvedConfig, WorkerConfig } from './types.js';

const PROTOCOLS: readonly ListenerProtocol[] = ['text', 'json', 'frame', 'websocket', 'custom'];
const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'] as const;
const ENGINES = ['auto', 'native', 'js'] as const;

function frameOptions(v: unknown, where: string): FrameOptions {
  if (v === undefined) return { ...DEFAULT_FRAME };
  if (!isObject(v)) throw new ConfigError(`${where}.frame must be an object (got ${JSON.stringify(v)})`);
  unknownKeys(v, ['headerSize', 'endian', 'lengthIncludesHeader'], `${where}.frame.`);
  const headerSize = v.headerSize ?? DEFAULT_FRAME.headerSize;
  if (headerSize !== 2 && headerSize !== 4) throw new ConfigError(`${where}.frame.headerSize must be 2 or 4 (got ${JSON.stringify(headerSize)})`);
  const includes = bool(v.lengthIncludesHeader, `${where}.frame.lengthIncludesHeader`, DEFAULT_FRAME.lengthIncludesHeader);
  return { headerSize, endian: oneOf(v.endian, `${where}.frame.endian`, ['big', 'little'], 'big'), lengthIncludesHeader: includes };
}

function listener(v: unknown, i: number, appDir: string): ListenerConfig {
  const where = `listeners[${i}]`;
  if (!isObject(v)) throw new ConfigError(`${where} must be an object (got ${JSON.stringify(v)})`);
  unknownKeys(v, ['name', 'protocol', 'host', 'port', 'maxMessageSize', 'frame', 'codec', 'static', 'backlog'], `${where}.`);
  if (v.protocol === undefined) throw new ConfigError(`${where}.protocol is required (one of ${PROTOCOLS.join(', ')})`);
  const protocol = oneOf(v.protocol, `${where}.protocol`, PROTOCOLS, 'text');
  if (v.port === undefined) throw new ConfigError(`${where}.port is required`);
  const port = int(v.port, `${where}.port`, 0, 65535, 0);
  let codec: string | null = null;
  if (protocol === 'custom') {
    if (typeof v.codec !== 'string' || v.codec === '') throw new ConfigError(`${where}.codec must name the codec module of a custom listener`);
    codec = path(v.codec, appDir);
  } else if (v.codec !== undefined) throw new ConfigError(`${where}.codec is only for protocol 'custom'`);
  if (v.frame !== undefined && protocol !== 'frame') throw new ConfigError(`${where}.frame is only for protocol 'frame'`);
  const statics: Record<string, string> = {};
  if (v.static !== undefined) {
    if (protocol !== 'websocket') throw new ConfigError(`${where}.static is only for protocol 'websocket'`);
    if (!isObject(v.static)) throw new ConfigError(`${where}.static must map URL paths to files`);
    for (const [route, file] of Object.entries(v.static)) {
      if (!route.startsWith('/')) throw new ConfigError(`${where}.static route "${route}" must start with /`);
      if (typeof file !== 'string') throw new ConfigError(`${where}.static["${route}"] must be a file path`);
      statics[route] = path(file, appDir);
    }
  }
  return {
    name: nonEmpty(v.name, `${where}.name`, `${protocol}-${port}`),
    protocol,
    host: nonEmpty(v.host, `${where}.host`, DEFAULT_LISTENER.host),
    port,
    maxMessageSize: int(v.maxMessageSize, `${where}.maxMessageSize`, 1, 256 * 1024 * 1024, DEFAULT_LISTENER.maxMessageSize),
    frame: frameOptions(v.frame, where),
    codec,
    static: statics,
    backlog: v.backlog === undefined ? systemMaxBacklog() : int(v.backlog, `${where}.backlog`, 1, MAX_BACKLOG, 0),
  };
}

function gateway(raw: Raw): GatewayConfig {
  const g = section(raw, 'gateway');
  unknownKeys(g, Object.keys(DEFAULT_GATEWAY), 'gateway.');
  const linkHost = g.linkHost === undefined || g.linkHost === null ? null : nonEmpty(g.linkHost, 'gateway.linkHost', '');
  return {
    count: int(g.count, 'gateway.count', 1, 256, DEFAULT_GATEWAY.count),
    pingInterval: num(g.pingInterval, 'gateway.pingInterval', 0, 86_400, DEFAULT_GATEWAY.pingInterval),
    pingNotResponseLimit: int(g.pingNotResponseLimit, 'gateway.pingNotResponseLimit', 0, 1000, DEFAULT_GATEWAY.pingNotResponseLimit),
    pingData: str(g.pingData, 'gateway.pingData', DEFAULT_GATEWAY.pingData),
    linkHost,
    linkPort: int(g.linkPort, 'gateway.linkPort', 1, 65535, DEFAULT_GATEWAY.linkPort),
    maxUnackedEvents: int(g.maxUnackedEvents, 'gateway.maxUnackedEvents', 16, 1 << 24, DEFAULT_GATEWAY.maxUnackedEvents),
    sendBufferSize: int(g.sendBufferSize, 'gateway.sendBufferSize', 1024, 1 << 30, DEFAULT_GATEWAY.sendBufferSize),
    slowConsumerPolicy: oneOf(g.slowConsumerPolicy, 'gateway.slowConsumerPolicy', ['drop', 'close'], DEFAULT_GATEWAY.slowConsumerPolicy),
    opsPort: int(g.opsPort, 'gateway.opsPort', 0, 65535, DEFAULT_GATEWAY.opsPort),
    opsHost: nonEmpty(g.opsHost, 'gateway.opsHost', DEFAULT_GATEWAY.opsHost),
  };
}

function worker(raw: Raw): WorkerConfig {
  const w = section(raw, 'worker');
  const d = defaultWorker();
  unknownKeys(w, Object.keys(d), 'worker.');
  return {
    count: int(w.count, 'worker.count', 0, 256, d.count),
    threads: int(w.threads, 'worker.threads', 1, 1024, d.threads),
    maxBatchEvents: int(w.maxBatchEvents, 'worker.maxBatchEvents', 1, 1 << 20, d.maxBatchEvents),
    credits: int(w.credits, 'worker.credits', 1, 1 << 24, d.credits),
    gateways: addressList(w.gateways, 'worker.gateways'),
    processTimeout: int(w.processTimeout, 'worker.processTimeout', 1, 86_400_000, d.processTimeout),
    linkOutputLimit: int(w.linkOutputLimit, 'worker.linkOutputLimit', 64 * 1024, 2 ** 40, d.linkOutputLimit),
    linkOutputPolicy: oneOf(w.linkOutputPolicy, 'worker.linkOutputPolicy', ['close', 'drop'], d.linkOutputPolicy),
  };
}

function register(raw: Raw, withRedis: boolean): RegisterConfig {
  const r = section(raw, 'register');
  unknownKeys(r, Object.keys(DEFAULT_REGISTER), 'register.');
  return {
    // With Redis, Redis carries discovery: the register runs only when asked for.
    embedded: bool(r.embedded, 'register.embedded', DEFAULT_REGISTER.embedded && !withRedis),
    host: nonEmpty(r.host, 'register.host', DEFAULT_REGISTER.host),
    port: int(r.port, 'register.port', 0, 65535, DEFAULT_REGISTER.port),
    addresses: addressList(r.addresses, 'register.addresses'),
  };
}

/** A Redis URL ioredis can connect to: redis:// or rediss:// with a host. */
function redisUrl(v: unknown, name: string): string {
  if (typeof v !== 'string' || v.trim() === '') throw new ConfigError(`${name} must be a Redis URL such as "redis://127.0.0.1:6379" (got ${JSON.stringify(v)})`);
  let url: URL;
  try {
    url = new URL(v);
  } catch {
    throw new ConfigError(`${name} must be a Redis URL such as "redis://127.0.0.1:6379" (got ${JSON.stringify(v)})`);
  }
  if (url.protocol !== 'redis:' && url.protocol !== 'rediss:') throw new ConfigError(`${name} must start with redis:// or rediss:// (got ${JSON.stringify(v)})`);
  if (url.hostname === '') throw new ConfigError(`${name} must name a host (got ${JSON.stringify(v)})`);
  if (url.pathname !== '' && url.pathname !== '/' && !/^\/\d+$/.test(url.pathname)) throw new ConfigError(`${name}: the path of a Redis URL is a database number (got ${JSON.stringify(v)})`);
  return v;
}

function cluster(raw: Raw, name: string): ClusterConfig {
  const c = section(raw, 'cluster');
  unknownKeys(c, ['prefix', 'presenceTtl'], 'cluster.');
  const given = raw.redis === undefined ? [] : typeof raw.redis === 'string' ? [raw.redis] : raw.redis;
  if (!Array.isArray(given)) throw new ConfigError(`redis must be a Redis URL or a list of them, one per shard (got ${JSON.stringify(raw.redis)})`);
  const redis = given.map((u, i) => redisUrl(u, given.length === 1 && typeof raw.redis === 'string' ? 'redis' : `redis[${i}]`));
  const twice = redis.find((u, i) => redis.indexOf(u) !== i);
  if (twice !== undefined) throw new ConfigError(`redis lists ${twice} twice (each URL is one shard)`);
  return {
    redis,
    prefix: nonEmpty(c.prefix, 'cluster.prefix', `gatehouse:${name}:`),
    presenceTtl: int(c.presenceTtl, 'cluster.presenceTtl', 1000, 3_600_000, DEFAULT_PRESENCE_TTL),
  };
}

/** The run directory of an app when none is configured: per user, per app directory (and per instance). */
export function defaultRunDir(name: string, appDir: string, instance = ''): string {
  const uid = typeof process.getuid === 'function' ? process.getuid() : 0;
  const tag = createHash('sha256').update(instance === '' ? appDir : `${appDir}\0${instance}`).digest('hex').slice(0, 10);
  const label = instance === '' ? name : `${name}-${instance}`;
  return join(tmpdir(), `gatehouse-${uid}`, `${label.replace(/[^A-Za-z0-9_.-]/g, '_').slice(0, 32)}-${tag}`);
}

/**
 * Checks a configuration as written by the user and fills in every default.
 * Throws ConfigError naming the first setting that is wrong.
 */
export function resolveConfig(raw: unknown, appDir: string): ResolvedConfig {
  if (!isObject(raw)) throw new ConfigError('the configuration must be an object');
  unknownKeys(raw, ['name', 'events', 'runDir', 'secretKey', 'queryTimeout', 'logLevel', 'logFile', 'stopTimeout', 'reloadTimeout', 'engine', 'listeners', 'gateway', 'worker', 'register', 'instance', 'redis', 'cluster'], '');
  const name = nonEmpty(raw.name, 'name', basename(appDir));
  const instance = str(raw.instance, 'instance', '');
  if (!/^[A-Za-z0-9_.-]{0,32}$/.test(instance)) throw new ConfigError(`instance must be at most 32 letters, digits, '_', '.' or '-' (got ${JSON.stringify(instance)})`);
  const clusterConfig = cluster(raw, name);
  if (typeof raw.events !== 'string' || raw.events === '') throw new ConfigError('events must name the app\'s events module (e.g. "./events.js")');
  if (!Array.isArray(raw.listeners)) throw new ConfigError(`listeners must be a list of client listeners (got ${JSON.stringify(raw.listeners)})`);
  const listeners = raw.listeners.map((l, i) => listener(l, i, appDir));
  const names = new Set<string>();
  for (const l of listeners) {
    if (names.has(l.name)) throw new ConfigError(`listener name "${l.name}" is used twice`);
    names.add(l.name);
  }
  const secretKey = raw.secretKey === undefined || raw.secretKey === null ? null : str(raw.secretKey, 'secretKey', '');
  if (secretKey === '') throw new ConfigError('secretKey must not be empty (leave it out for Unix-socket links only)');
  const runDir = raw.runDir === undefined ? defaultRunDir(name, appDir, instance) : path(nonEmpty(raw.runDir, 'runDir', ''), appDir);
  const config: ResolvedConfig = {
    name,
    instance,
    appDir,
    events: path(raw.events, appDir),
    runDir,
    secretKey,
    queryTimeout: int(raw.queryTimeout, 'queryTimeout', 1, 3_600_000, DEFAULT_QUERY_TIMEOUT),
    logLevel: oneOf(raw.logLevel, 'logLevel', LOG_LEVELS, 'info'),
    logFile: raw.logFile === undefined ? join(runDir, 'gatehouse.log') : path(nonEmpty(raw.logFile, 'logFile', ''), appDir),
    stopTimeout: int(raw.stopTimeout, 'stopTimeout', 100, 3_600_000, DEFAULT_STOP_TIMEOUT),
    reloadTimeout: int(raw.reloadTimeout, 'reloadTimeout', 100, 3_600_000, DEFAULT_RELOAD_TIMEOUT),
    engine: oneOf(raw.engine, 'engine', ENGINES, DEFAULT_ENGINE),
    listeners,
    gateway: gateway(raw),
    worker: worker(raw),
    register: register(raw, clusterConfig.redis.length > 0),
    cluster: clusterConfig,
  };
  checkCoherence(config);
  return config;
}

export { checkCoherence, isLoopbackHost } from './coherence.js';
