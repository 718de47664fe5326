// Types for bench/lib/loadgen.js, for TypeScript callers (test/unit/loadgen.test.ts).

/** The built load generator's path. */
export const LOADGEN: string;

/** Builds the load generator when it is missing or older than its source. */
export function buildLoadgen(): void;

/** The group options (bench/loadgen/loadgen.c's header comment), spelled as LoaderOptions keys. */
export interface LoaderGroupOptions {
  /** `--groups G`: 0..100000 groups laid out over the global connection index (default 0: none). */
  groups?: number;
  /** `--group-min A`, `--group-max B`: group k has A + floor((B−A)·k/(G−1)) members (defaults 10 and 1000). */
  groupMin?: number;
  groupMax?: number;
  /** `--index-base N`: this loader's first connection is global index N (default 0). */
  indexBase?: number;
  /** `--join-on-command 1`: connections join their group on the "join" command, not as they open. */
  joinOnCommand?: number;
  /** `--target-groups T`: `mode: 'groupcast'` (with `rate: R`, R `G g<k> <ns> …` messages per second in total over
   * the open connections) sends to g0..g<T−1> (1..100000), without joining them. */
  targetGroups?: number;
}

/** Options become the loadgen's flags: `{ connectRate: 100 }` is `--connect-rate 100` (bench/loadgen/loadgen.c). */
export type LoaderOptions = Record<string, string | number> & LoaderGroupOptions;

/** A latency sample set's summary, µs. */
export interface LatencySummary {
  n: number;
  p50: number;
  p90: number;
  p99: number;
  p999: number;
  max: number;
}

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
  latencyUs: LatencySummary;
  /** `J ok` answers to this loader's joins (not messages; never reset). */
  joinAcks: number;
  /** Messages starting `G ` (group deliveries; also in messagesReceived). */
  groupReceived: number;
  /** Their delivery times, now − the <ns> they carry; n < groupReceived when some could not be timed. */
  groupLatencyUs: LatencySummary;
  broadcastReceived: number;
  cpuUserMs: number;
  cpuSystemMs: number;
  mark: { reached: number; firstNs: number; lastNs: number };
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
