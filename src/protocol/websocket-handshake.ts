import type { WebSocketHandshake } from '../types.js';

/**
 * The WebSocketConnect event's payload from protocol version 3 on: the upgrade
 * request as the gateway read it, nothing derived. Both engines send this
 * shape, and the worker derives what onWebSocketConnect receives with
 * deriveHandshake(), so the two engines' handshakes come from one piece of
 * code. Strings are latin1 (each byte of the head one character), as Node's
 * HTTP parser gives them.
 */
export interface RawHandshake {
  /** The request target as sent. */
  url: string;
  /** Header names (as sent, any case) and values, alternating, in order: Node's `req.rawHeaders`. */
  rawHeaders: string[];
  /** The peer, IPv4-mapped IPv6 already made plain (the address the client's info carries). */
  remoteAddress: string;
  remotePort: number;
}

/** A version-3 payload carries `rawHeaders`; a version-2 one is derived already (it carries `headers`). */
export function isRawHandshake(payload: unknown): payload is RawHandshake {
  return typeof payload === 'object' && payload !== null && Array.isArray((payload as RawHandshake).rawHeaders);
}

/**
 * What onWebSocketConnect receives about the upgrade request:
 * - url: the request target as sent;
 * - path: its path (before `?` and `#`), percent-decoded (left as sent when the
 *   escapes are malformed); no URL normalization (`//a/../b` stays as is);
 * - query: the query string parsed as application/x-www-form-urlencoded (`+` is
 *   a space); a key given once maps to a string, a repeated key to an array of
 *   its values in order;
 * - headers: what Node's `req.headers` holds (headersOf);
 * - cookies: `name=value` pairs of the Cookie header; names and values trimmed,
 *   surrounding double quotes removed, values percent-decoded when the escapes
 *   are valid (else kept as sent); the first of repeated names wins; pairs
 *   without `=` or with an empty name are skipped;
 * - remoteAddress/remotePort: the peer.
 *
 * All objects are plain own-property objects (`__proto__` is an ordinary key
 * of query and cookies).
 */
export function deriveHandshake(raw: RawHandshake): WebSocketHandshake {
  const url = raw.url;
  const hash = url.indexOf('#');
  const target = hash === -1 ? url : url.slice(0, hash);
  const question = target.indexOf('?');
  const rawPath = question === -1 ? target : target.slice(0, question);
  const search = question === -1 ? '' : target.slice(question + 1);
  const headers = headersOf(raw.rawHeaders);
  const cookieHeader = headers.cookie;
  return {
    url,
    path: decodeOrKeep(rawPath),
    query: parseQuery(search),
    headers,
    cookies: parseCookies(typeof cookieHeader === 'string' ? cookieHeader : ''),
    remoteAddress: raw.remoteAddress,
    remotePort: raw.remotePort,
  };
}

/**
 * Header fields whose repeats Node's IncomingMessage drops (the first one
 * wins): the fields HTTP defines as single-valued.
 */
const KEPT_ONCE = new Set([
  'age', 'authorization', 'content-length', 'content-type', 'etag', 'expires', 'from', 'host', 'if-modified-since',
  'if-unmodified-since', 'last-modified', 'location', 'max-forwards', 'proxy-authorization', 'referer', 'retry-after',
  'server', 'user-agent',
]);

/**
 * `{ ...req.headers }` from `req.rawHeaders`, by Node's rules: names
 * lower-cased; a repeated single-valued field keeps its first value;
 * `set-cookie` is an array; repeated `cookie` values are joined with `'; '`,
 * any other repeated field's with `', '`. A `__proto__` field is dropped, as
 * Node's assignment into a plain object drops it. The test
 * test/unit/websocket-handshake.test.ts holds this against Node's own parser.
 */
export function headersOf(rawHeaders: readonly string[]): Record<string, string | string[]> {
  const fields = new Map<string, string | string[]>();
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
    const name = rawHeaders[i]!.toLowerCase();
    const value = rawHeaders[i + 1]!;
    if (name === '__proto__') continue;
    const seen = fields.get(name);
    if (name === 'set-cookie') {
      if (seen === undefined) fields.set(name, [value]);
      else (seen as string[]).push(value);
    } else if (seen === undefined) {
      fields.set(name, value);
    } else if (!KEPT_ONCE.has(name)) {
      fields.set(name, `${seen as string}${name === 'cookie' ? '; ' : ', '}${value}`);
    }
  }
  return Object.fromEntries(fields);
}

function parseQuery(search: string): Record<string, string | string[]> {
  const entries = new Map<string, string | string[]>();
  for (const [key, value] of new URLSearchParams(search)) {
    const seen = entries.get(key);
    if (seen === undefined) entries.set(key, value);
    else if (typeof seen === 'string') entries.set(key, [seen, value]);
    else seen.push(value);
  }
  return Object.fromEntries(entries);
}

function parseCookies(header: string): Record<string, string> {
  const cookies = new Map<string, string>();
  for (const pair of header.split(';')) {
    const eq = pair.indexOf('=');
    if (eq === -1) continue;
    const name = pair.slice(0, eq).trim();
    if (name === '' || cookies.has(name)) continue;
    let value = pair.slice(eq + 1).trim();
    if (value.length >= 2 && value.startsWith('"') && value.endsWith('"')) value = value.slice(1, -1);
    cookies.set(name, value.includes('%') ? decodeOrKeep(value) : value);
  }
  return Object.fromEntries(cookies);
}

function decodeOrKeep(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/**
 * The version-2 WebSocketConnect payload (the handshake derived, as JSON) of a
 * version-3 one: what a gateway of either engine sends a version-2 worker
 * during a rolling upgrade (the native engine calls it through the addon).
 * Goes when OLDEST_PROTOCOL_VERSION reaches 3.
 */
export function protocol2Handshake(rawJson: string): string {
  return JSON.stringify(deriveHandshake(JSON.parse(rawJson) as RawHandshake));
}
