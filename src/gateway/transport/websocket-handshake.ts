import type { IncomingMessage } from 'node:http';
import type { RawHandshake } from '../../protocol/websocket-handshake.js';

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
 * The WebSocketConnect payload of an upgrade request: the head as Node's
 * parser read it. The worker derives path, query, headers and cookies from it
 * (src/protocol/websocket-handshake.ts), the same code for both engines.
 */
export function rawHandshake(req: IncomingMessage): RawHandshake {
  return {
    url: req.url ?? '/',
    rawHeaders: req.rawHeaders,
    remoteAddress: normalizeAddress(req.socket.remoteAddress),
    remotePort: req.socket.remotePort ?? 0,
  };
}
