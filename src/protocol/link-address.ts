import { join } from 'node:path';

/** Where gateway i of a machine listens for worker links. */
export function gatewayLinkPath(runDir: string, gatewayIndex: number): string {
  return join(runDir, `gateway-${gatewayIndex}.sock`);
}

/** A worker link target: a Unix socket path, or host and port. */
export type LinkAddress = { kind: 'unix'; path: string } | { kind: 'tcp'; host: string; port: number };

/** Parses "host:port" or "[v6]:port". */
export function parseTcpAddress(text: string): LinkAddress {
  const m = /^(?:\[([^\]]+)\]|([^:]+)):(\d{1,5})$/.exec(text.trim());
  const port = m ? Number(m[3]) : NaN;
  if (!m || !(port > 0 && port < 65536)) throw new TypeError(`"${text}" is not a gateway address of the form host:port`);
  return { kind: 'tcp', host: (m[1] ?? m[2])!, port };
}

export function formatLinkAddress(a: LinkAddress): string {
  return a.kind === 'unix' ? `unix:${a.path}` : `tcp:${a.host}:${a.port}`;
}
