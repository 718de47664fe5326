import type { IncomingMessage } from 'node:http';
import type { WebSocketHandshake } from '../../types.js';

const IPV4_MAPPED = /^::ffff:(\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3})$/i;

/**
 * A peer address as handlers see it: an IPv4-mapped IPv6 address (what a
 * dual-stack `::` listener reports for IPv4 clients, `::ffff:1.2.3.4`) becomes
 * plain `1.2.3.4`; any other address is returned as it is; undefined (a socket
 * already closed) becomes ''.
 */
export function normalizeAddress(address: string | undefined): string {
  if (address === undefined) return '';
  const mapped = IPV4_MAPPED.exec(address);
  return mapped === null ? address : mapped[1]!;
}

/**
 * What onWebSocketConnect receives about the upgrade request:
 * - url: the request target as sent ('/' if absent);
 * - path: its path (before `?` and `#`), percent-decoded (left as sent when the
 *   escapes are malformed); no URL normalization (`//a/../b` stays as is);
 * - query: the query string parsed as application/x-www-form-urlencoded (`+` is
 *   a space); a key given once maps to a string, a repeated key to an array of
 *   its values in order;
 * - headers: Node's parsed headers (lower-case names; repeated headers joined
 *   with ', ', set-cookie an array, cookie joined with '; ');
 * - cookies: `name=value` pairs of the Cookie header; names and values trimmed,
 *   surrounding double quotes removed, values percent-decoded when the escapes
 *   are valid (else kept as sent); the first of repeated names wins; pairs
 *   without `=` or with an empty name are skipped;
 * - remoteAddress/remotePort: the peer, with normalizeAddress() applied.
 *
 * All objects are plain own-property objects (`__proto__` is an ordinary key).
 */
export function readHandshake(req: IncomingMessage): WebSocketHandshake {
  const url = req.url ?? '/';
  const hash = url.indexOf('#');
  const target = hash === -1 ? url : url.slice(0, hash);
  const question = target.indexOf('?');
  const rawPath = question === -1 ? target : target.slice(0, question);
  const search = question === -1 ? '' : target.slice(question + 1);
  const cookieHeader = req.headers.cookie;
  return {
    url,
    path: decodeOrKeep(rawPath),
    query: parseQuery(search),
    headers: { ...req.headers },
    cookies: parseCookies(typeof cookieHeader === 'string' ? cookieHeader : ''),
    remoteAddress: normalizeAddress(req.socket.remoteAddress),
    remotePort: req.socket.remotePort ?? 0,
  };
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
