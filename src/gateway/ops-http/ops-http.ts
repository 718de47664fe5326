/**
 * The gateway's operations HTTP endpoints (see routes.ts): for load balancers'
 * health checks and for scraping counters without the control socket, so they
 * must never cost the data plane more than one JSON.stringify per request.
 *
 * Served by uWebSockets.js when its binary loads for this Node, by node:http
 * otherwise: uWS is an optional dependency and a failed load never stops a
 * gateway from starting. The package's own entry point is not used, because it
 * silently swaps in a ws-based imitation (and warns on stdout) when the binary
 * does not match; here a mismatch simply means node:http.
 */
import { createRequire } from 'node:module';
import type { Logger } from '../../log/logger.js';
import { listenNodeHttp } from './node-server.js';
import type { OpsSource } from './routes.js';
import { listenUws, type UwsModule } from './uws-server.js';

export { opsResponse, type EngineKind, type OpsResponse, type OpsSource } from './routes.js';
export type { UwsModule } from './uws-server.js';

export interface OpsHttpServer {
  kind: 'uWebSockets.js' | 'node:http';
  host: string;
  /** The port bound (port 0 resolved). */
  port: number;
  close(): Promise<void>;
}

export interface OpsHttpOptions {
  host: string;
  port: number;
  source: OpsSource;
  logger: Logger;
  /** Loads uWebSockets.js; throws (or returns null) when it is not usable. Injectable so tests can force node:http. */
  loadUws?: () => Promise<UwsModule | null>;
}

/** The native binary of uWebSockets.js for this platform and Node ABI. */
export async function loadUwsBinary(): Promise<UwsModule> {
  const require = createRequire(import.meta.url);
  const dir = require.resolve('uWebSockets.js/package.json').replace(/package\.json$/, '');
  return require(`${dir}binaries/uws_${process.platform}_${process.arch}_${process.versions.modules}.node`) as UwsModule;
}

/** Starts the endpoints; rejects when the port cannot be bound (the gateway then fails to start, like a listener would). */
export async function startOpsHttp(options: OpsHttpOptions): Promise<OpsHttpServer> {
  const { host, port, source, logger } = options;
  let uws: UwsModule | null = null;
  let why = '';
  try {
    uws = await (options.loadUws ?? loadUwsBinary)();
    if (uws === null) why = 'not available';
  } catch (err) {
    why = err instanceof Error ? err.message.split('\n')[0]! : String(err);
  }
  const server = uws !== null ? await listenUws(uws, host, port, source) : await listenNodeHttp(host, port, source);
  logger.info(
    { server: server.kind, host: server.host, port: server.port, ...(uws === null ? { uwsUnavailable: why } : {}) },
    `operations HTTP on ${server.kind}`,
  );
  return server;
}
