// Types for bench/lib/loadgen.js, for TypeScript callers (test/unit/loadgen.test.ts).

/** The built load generator's path. */
export const LOADGEN: string;

/** Builds the load generator when it is missing or older than its source. */
export function buildLoadgen(): void;

/** Options become the loadgen's flags: `{ connectRate: 100 }` is `--connect-rate 100` (bench/loadgen/loadgen.c). */
export type LoaderOptions = Record<string, string | number>;

/** The `ready` notice: every connection attempt ended. `failed` counts attempts that failed and connections closed since. */
export interface LoaderReady {
  event: 'ready';
  connected: number;
  failed: number;
}

/** The answer to `stats` (bench/README.md, "The load generator"). */
export interface LoaderStats {
  connected: number;
  failed: number;
  closed: number;
  closedByPeer: number;
  connectTimeouts: number;
  connectRate: number;
  connectSpanUs: number;
  received: number;
  bytes: number;
  messagesReceived: number;
  bytesReceived: number;
  sent: number;
  stalls: number;
  sendErrors: number;
  pings: number;
  pongs: number;
  delivery: { connections: number; min: number; p50: number; max: number; zero: number };
  latencyUs: { n: number; p50: number; p90: number; p99: number; p999: number; max: number };
  broadcastReceived: number;
  cpuUserMs: number;
  cpuSystemMs: number;
}

export class Loader {
  constructor(options: LoaderOptions);
  readonly pid: number;
  stderr: string;
  ready(ms: number): Promise<LoaderReady>;
  command(cmd: 'stats'): Promise<LoaderStats>;
  command(cmd: string): Promise<{ ok: string }>;
  quit(): Promise<void>;
}

export function all(loaders: Loader[], cmd: string): Promise<unknown[]>;
