/** Configuration as the processes use it: every default filled in, every path absolute. */

export type ListenerProtocol = 'text' | 'json' | 'frame' | 'websocket' | 'custom';

/** Which gateway engine runs: 'auto' (native when it can serve every listener), 'native' or 'js'. */
export type EngineSetting = 'auto' | 'native' | 'js';

export interface FrameOptions {
  /** Bytes of the length header: 2 or 4. */
  headerSize: 2 | 4;
  endian: 'big' | 'little';
  /** Whether the length counts the header itself (some game protocols do). */
  lengthIncludesHeader: boolean;
}

export interface ListenerConfig {
  /** Unique among listeners; shown to handlers as ctx.listener. Default `${protocol}-${port}`. */
  name: string;
  protocol: ListenerProtocol;
  /** Default '0.0.0.0'. */
  host: string;
  /** 0 lets the system choose; the chosen port is logged with "ready". */
  port: number;
  /** Largest message (after framing) a client may send; a client that exceeds it is closed. Default 1 MiB. */
  maxMessageSize: number;
  /** For protocol 'frame'. Default {headerSize: 4, endian: 'big', lengthIncludesHeader: false}. */
  frame: FrameOptions;
  /** For protocol 'custom': absolute path of a module whose default export is a ClientCodec. */
  codec: string | null;
  /** For protocol 'websocket': URL path → absolute file path, served to plain HTTP GETs. */
  static: Record<string, string>;
  /**
   * Length of the kernel's accept queue (listen(2) backlog). Default: the
   * system's maximum, net.core.somaxconn (511 when it cannot be read); the
   * kernel caps a larger value at that maximum.
   */
  backlog: number;
}

export interface GatewayConfig {
  /** Gateway processes on this machine. Default 1. */
  count: number;
  /** Seconds between heartbeat checks; 0 turns heartbeats off. Default 0. */
  pingInterval: number;
  /** A client silent for pingInterval × this many intervals is closed; 0 never closes. Default 0. */
  pingNotResponseLimit: number;
  /** Sent each interval to clients that were silent during it; '' sends nothing. Default ''. */
  pingData: string;
  /** Host for the TCP worker-link listener (workers on other machines); null: Unix sockets only. Default null. */
  linkHost: string | null;
  /** First TCP worker-link port; gateway i listens on linkPort + i. Default 7300. */
  linkPort: number;
  /** Unacknowledged events a gateway holds before it stops reading from clients. Default 65536. */
  maxUnackedEvents: number;
  /** Bytes queued for one client socket beyond which it is a slow consumer. Default 1 MiB. */
  sendBufferSize: number;
  /** What happens to a slow consumer's new output: 'drop' (counted) or 'close'. Default 'drop'. */
  slowConsumerPolicy: 'drop' | 'close';
  /** First port of the operations HTTP endpoints (/healthz, /stats, /connections); gateway i listens on opsPort + i; 0: off. Default 0. */
  opsPort: number;
  /** Host of the operations HTTP endpoints. Default '127.0.0.1'. */
  opsHost: string;
}

export interface WorkerConfig {
  /** Business-worker processes on this machine. Default 1. */
  count: number;
  /** piscina threads per worker process. Default: the number of cores. */
  threads: number;
  /** Most events handed to the pool in one task. Default 256. */
  maxBatchEvents: number;
  /** Events a gateway may have unacknowledged on one link of this worker. Default 8192. */
  credits: number;
  /** TCP addresses ("host:port") of gateways on other machines, linked besides the local ones. */
  gateways: string[];
  /** Milliseconds a handler may run before it is reported (and, in a later release, its thread replaced). Default 30000. */
  processTimeout: number;
  /** Bytes queued for one gateway link that the gateway has not read yet, at most. Default 64 MiB. */
  linkOutputLimit: number;
  /** When a link's queue would pass linkOutputLimit: 'close' the link (the gateway redelivers what was not acked; default) or 'drop' the new command (counted). */
  linkOutputPolicy: 'close' | 'drop';
}

export interface RegisterConfig {
  /** Run a register in the supervisor's process tree. Default true. */
  embedded: boolean;
  /** Where the embedded register listens. Default '127.0.0.1'. */
  host: string;
  /** Port of the embedded register; 0 (the default) lets the system choose. */
  port: number;
  /** Registers ("host:port") gateways announce to and workers learn from; [] means the embedded one. */
  addresses: string[];
}

export interface ClusterConfig {
  /**
   * Redis URLs ("redis://host:port", "rediss://…" for TLS); several are shards,
   * keys spread over them by consistent hashing. [] (the default): no Redis, the
   * register carries discovery. GATEHOUSE_REDIS (comma-separated).
   */
  redis: string[];
  /** Prefix of every Redis key and channel; apps sharing a Redis keep apart by it. Default `gatehouse:<name>:`. */
  prefix: string;
  /** Milliseconds a gateway's announcement lives in Redis without a heartbeat (heartbeats every third of it). Default 10000. */
  presenceTtl: number;
}

export interface ResolvedConfig {
  /** App name, used for the run directory and logs. Default: the app directory's name. */
  name: string;
  /**
   * Which member of a deployment this is, when one app runs several times on
   * one machine (GATEHOUSE_INSTANCE): it keeps their run directories (pid files,
   * sockets, logs) apart; '' (the default) for the only one.
   */
  instance: string;
  /** Directory of the app (where its config file is). */
  appDir: string;
  /** Absolute path of the events module. */
  events: string;
  /** Directory for sockets and pid files; only the owner may enter it. */
  runDir: string;
  /** Shared secret for worker links; required when gateway.linkHost is set. */
  secretKey: string | null;
  /** Milliseconds before a Gateway API query fails. Default 5000. */
  queryTimeout: number;
  logLevel: 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal' | 'silent';
  /** Log file of a daemon (`start -d`). Default `<runDir>/gatehouse.log`. */
  logFile: string;
  /** Milliseconds a graceful stop (`stop -g`, SIGTERM) may take before the rest is killed. Default 10000. */
  stopTimeout: number;
  /** Milliseconds a reload may take to drain the old business workers before they are stopped. Default 30000. */
  reloadTimeout: number;
  /**
   * The gateway engine. Default 'auto'. resolveConfig always sets it; it is
   * optional only so configurations built by hand (tests, older config.json
   * files) still type-check, and absent means 'auto'.
   */
  engine?: EngineSetting;
  listeners: ListenerConfig[];
  gateway: GatewayConfig;
  worker: WorkerConfig;
  register: RegisterConfig;
  cluster: ClusterConfig;
}

/**
 * A configuration as the user writes it (gatehouse.config.ts): only `events`
 * and `listeners` are required; everything else has the default documented
 * above and in docs/configuration.md.
 */
export interface GatehouseConfig {
  name?: string;
  instance?: string;
  events: string;
  runDir?: string;
  secretKey?: string | null;
  queryTimeout?: number;
  logLevel?: ResolvedConfig['logLevel'];
  logFile?: string;
  stopTimeout?: number;
  reloadTimeout?: number;
  engine?: EngineSetting;
  listeners: ListenerInput[];
  gateway?: Partial<GatewayConfig>;
  worker?: Partial<WorkerConfig>;
  register?: Partial<RegisterConfig>;
  /** A URL or a list of shard URLs; see ClusterConfig.redis. */
  redis?: string | string[];
  cluster?: Partial<Omit<ClusterConfig, 'redis'>>;
}

export interface ListenerInput {
  name?: string;
  protocol: ListenerProtocol;
  host?: string;
  port: number;
  maxMessageSize?: number;
  frame?: Partial<FrameOptions>;
  codec?: string;
  static?: Record<string, string>;
  backlog?: number;
}
