/**
 * What the operations HTTP endpoints answer, independent of the server that
 * carries them (uWebSockets.js or node:http), so both give byte-identical
 * answers and the routing is tested once.
 *
 *   GET /healthz            → 200 {"status":"ok"}
 *   GET /stats              → 200 the engine's stats() plus {"engine": "native"|"js"}
 *   GET /connections?limit=N → 200 listConnections({limit}) (all rows without limit)
 *   anything else           → 404 {"error":"not found"}
 */
import type { Engine } from '../engine.js';

export type EngineKind = 'native' | 'js';

/** The part of an engine the endpoints read; never called per client message, only per request. */
export interface OpsSource {
  engineKind: EngineKind;
  engine: Pick<Engine, 'stats' | 'listConnections'>;
}

export interface OpsResponse {
  status: 200 | 400 | 404 | 500;
  /** JSON text. */
  body: string;
}

export const STATUS_LINES: Readonly<Record<OpsResponse['status'], string>> = {
  200: '200 OK',
  400: '400 Bad Request',
  404: '404 Not Found',
  500: '500 Internal Server Error',
};

const LIMIT = /^\d{1,9}$/;

function error(status: OpsResponse['status'], message: string): OpsResponse {
  return { status, body: JSON.stringify({ error: message }) };
}

/**
 * The answer to one request. `path` is the URL without its query; `query` the
 * raw text after '?' ('' when none). Method names are compared upper-cased
 * because uWebSockets.js reports them in lower case.
 */
export function opsResponse(method: string, path: string, query: string, source: OpsSource): OpsResponse {
  if (method.toUpperCase() !== 'GET') return error(404, 'not found');
  try {
    switch (path) {
      case '/healthz':
        return { status: 200, body: '{"status":"ok"}' };
      case '/stats':
        return { status: 200, body: JSON.stringify({ ...source.engine.stats(), engine: source.engineKind }) };
      case '/connections': {
        const text = new URLSearchParams(query).get('limit');
        if (text !== null && !LIMIT.test(text)) return error(400, `limit must be a non-negative integer (got ${JSON.stringify(text)})`);
        const rows = source.engine.listConnections(text === null ? {} : { limit: Number(text) });
        return { status: 200, body: JSON.stringify(rows) };
      }
      default:
        return error(404, 'not found');
    }
  } catch (err) {
    // An engine failing to report must not take the endpoint (or the gateway) down.
    return error(500, err instanceof Error ? err.message : String(err));
  }
}

/** Splits a request target into its path and raw query. */
export function splitTarget(target: string): { path: string; query: string } {
  const q = target.indexOf('?');
  return q < 0 ? { path: target, query: '' } : { path: target.slice(0, q), query: target.slice(q + 1) };
}
