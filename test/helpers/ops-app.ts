/**
 * Starts an ops-test app (fixture ops-load or ops-faults) under the real
 * supervisor, in the foreground (`gatehouse start <app>` through
 * helpers/cluster.ts), with:
 *
 * - a text listener named `tcp` (and optionally a WebSocket listener `ws`) on 127.0.0.1, port 0;
 * - the embedded register on port 0, so concurrent test files never share one;
 * - a scratch directory holding the generation file (OPS_GENERATION_FILE) and
 *   the attempts file (OPS_ATTEMPTS_FILE) the fixtures read and write.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fixtureApp, startCluster, writeApp, type AppSpec, type Cluster, type ListenerSpec, type LogLine } from './cluster.js';

export interface OpsAppOptions {
  fixture: 'ops-load' | 'ops-faults';
  gateways: number;
  workers: number;
  threads: number;
  /** Adds a WebSocket listener named `ws`. */
  websocket?: boolean;
  gateway?: Record<string, unknown>;
  worker?: Record<string, unknown>;
  stopTimeout?: number;
  reloadTimeout?: number;
  logLevel?: string;
  readyTimeoutMs?: number;
}

export interface OpsApp {
  cluster: Cluster;
  appDir: string;
  runDir: string;
  generationFile: string;
  attemptsFile: string;
  /** Rewrites the generation tag that workers started from now on report. */
  setGeneration(tag: string): void;
  /** Lines of the attempts file: `<tag> <eventId> <r|-> <pid>`. */
  attempts(tag?: string): string[][];
}

const scratchDirs: string[] = [];
process.once('exit', () => {
  for (const d of scratchDirs) rmSync(d, { recursive: true, force: true });
});

export function opsAppSpec(o: OpsAppOptions): AppSpec {
  const listeners: ListenerSpec[] = [{ name: 'tcp', protocol: 'text' }];
  if (o.websocket) listeners.push({ name: 'ws', protocol: 'websocket' });
  return {
    events: fixtureApp(o.fixture),
    listeners,
    gateway: { count: o.gateways, ...o.gateway },
    worker: { count: o.workers, threads: o.threads, ...o.worker },
    register: { port: 0 },
    ...(o.stopTimeout !== undefined ? { stopTimeout: o.stopTimeout } : {}),
    ...(o.reloadTimeout !== undefined ? { reloadTimeout: o.reloadTimeout } : {}),
    logLevel: o.logLevel ?? 'info',
  };
}

export async function startOpsApp(o: OpsAppOptions): Promise<OpsApp> {
  const scratch = mkdtempSync(join(tmpdir(), 'gh-ops-'));
  scratchDirs.push(scratch);
  const generationFile = join(scratch, 'generation');
  const attemptsFile = join(scratch, 'attempts');
  writeFileSync(generationFile, 'g0\n');
  writeFileSync(attemptsFile, '');
  const appDir = writeApp(opsAppSpec(o));
  const cluster = await startCluster({
    app: appDir,
    env: { OPS_GENERATION_FILE: generationFile, OPS_ATTEMPTS_FILE: attemptsFile },
    readyTimeoutMs: o.readyTimeoutMs ?? 30_000,
  });
  return {
    cluster,
    appDir,
    runDir: cluster.runDir,
    generationFile,
    attemptsFile,
    setGeneration: (tag) => writeFileSync(generationFile, `${tag}\n`),
    attempts: (tag) =>
      readFileSync(attemptsFile, 'utf8')
        .split('\n')
        .filter((l) => l !== '')
        .map((l) => l.split(' '))
        .filter((f) => tag === undefined || f[0] === tag),
  };
}

/** Log lines at warn level or above (pino ≥ 40) that mention text anywhere (e.g. a client id). */
export function warningsMentioning(cluster: Cluster, text: string): LogLine[] {
  return cluster.lines.filter((l) => typeof l.level === 'number' && l.level >= 40 && JSON.stringify(l).includes(text));
}

/** A short rendering of log lines for assertion messages. */
export function showLines(lines: readonly LogLine[], max = 10): string {
  return lines
    .slice(-max)
    .map((l) => l.raw ?? JSON.stringify(l))
    .join('\n');
}
