import { readFile } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { extname } from 'node:path';

/** Handles one plain HTTP request on a websocket listener. */
export type StaticRequestHandler = (req: IncomingMessage, res: ServerResponse) => void;

/** The path of the health check every websocket listener answers. */
export const HEALTH_PATH = '/healthz';

const HEALTH_BODY = Buffer.from('{"status":"ok"}');

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.htm': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.txt': 'text/plain; charset=utf-8',
};
const DEFAULT_CONTENT_TYPE = 'application/octet-stream';

interface StaticFile {
  body: Buffer;
  contentType: string;
}

/** Content type served for a file, from its extension (case-insensitive). */
export function contentTypeFor(file: string): string {
  return CONTENT_TYPES[extname(file).toLowerCase()] ?? DEFAULT_CONTENT_TYPE;
}

/** One static route's file, read. */
export interface StaticFileEntry {
  path: string;
  body: Buffer;
  contentType: string;
}

/**
 * Reads a listener's `static` routes (URL path → absolute file path), once,
 * for either engine: a route must start with '/', cannot be /healthz, and a
 * missing or unreadable file rejects with an Error naming the route and the file.
 */
export async function readStaticFiles(routes: Record<string, string>): Promise<StaticFileEntry[]> {
  const out: StaticFileEntry[] = [];
  for (const [route, file] of Object.entries(routes)) {
    if (!route.startsWith('/')) throw new Error(`static route ${JSON.stringify(route)} must start with '/'`);
    if (route === HEALTH_PATH) throw new Error(`static route ${HEALTH_PATH} is reserved for the health check`);
    let body: Buffer;
    try {
      body = await readFile(file);
    } catch (err) {
      throw new Error(`static route ${route}: cannot read ${file}: ${(err as Error).message}`, { cause: err });
    }
    out.push({ path: route, body, contentType: contentTypeFor(file) });
  }
  return out;
}

/**
 * A request handler serving a listener's `static` routes (URL path → absolute
 * file path). Files are read once, here: a missing or unreadable file rejects
 * with an Error naming the route and the file, and later changes to a file are
 * not seen until the gateway restarts (these are small pages such as a demo
 * client, not a web server).
 *
 * The handler:
 * - matches the request path exactly (no percent-decoding), ignoring the query
 *   string; `/healthz` always answers 200 `{"status":"ok"}` (application/json)
 *   and cannot be configured as a route;
 * - answers 404 for unknown paths, and 405 with `Allow: GET, HEAD` for other
 *   methods on a known path;
 * - sends Content-Type (by extension), Content-Length and `Cache-Control: no-cache`;
 *   HEAD gets the same headers and no body.
 */
export async function createStaticRoutes(routes: Record<string, string>): Promise<StaticRequestHandler> {
  const files = new Map<string, StaticFile>();
  for (const { path, body, contentType } of await readStaticFiles(routes)) files.set(path, { body, contentType });
  files.set(HEALTH_PATH, { body: HEALTH_BODY, contentType: 'application/json' });

  return (req, res) => {
    const url = req.url ?? '/';
    const end = url.search(/[?#]/);
    const path = end === -1 ? url : url.slice(0, end);
    const file = files.get(path);
    if (file === undefined) {
      reply(res, req.method, 404, 'text/plain; charset=utf-8', Buffer.from('not found\n'));
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.setHeader('Allow', 'GET, HEAD');
      reply(res, req.method, 405, 'text/plain; charset=utf-8', Buffer.from('method not allowed\n'));
      return;
    }
    reply(res, req.method, 200, file.contentType, file.body);
  };
}

function reply(res: ServerResponse, method: string | undefined, status: number, contentType: string, body: Buffer): void {
  res.statusCode = status;
  res.setHeader('Content-Type', contentType);
  res.setHeader('Content-Length', body.length);
  res.setHeader('Cache-Control', 'no-cache');
  res.end(method === 'HEAD' ? undefined : body);
}
