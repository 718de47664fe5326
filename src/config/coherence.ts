import { join } from 'node:path';
import { ConfigError } from './errors.js';
import type { ResolvedConfig } from './types.js';

/** Hosts that only this machine can reach: no secret needed to talk over them. */
export function isLoopbackHost(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '');
  return h === 'localhost' || h === '::1' || /^127\.\d+\.\d+\.\d+$/.test(h);
}

function hostOf(address: string): string {
  return address.slice(0, address.lastIndexOf(':'));
}

const WILDCARD_HOSTS = ['0.0.0.0', '::', '[::]', ''];

/** Two listening sockets collide when their ports match and one host covers the other. */
function hostsOverlap(a: string, b: string): boolean {
  return a === b || WILDCARD_HOSTS.includes(a) || WILDCARD_HOSTS.includes(b);
}

interface Endpoint {
  /** How the message names it; starts with the setting so errors are attributed. */
  label: string;
  host: string;
  port: number;
}

function endpoints(c: ResolvedConfig): Endpoint[] {
  const list: Endpoint[] = c.listeners.filter((l) => l.port !== 0).map((l) => ({ label: `listener "${l.name}"`, host: l.host, port: l.port }));
  if (c.gateway.linkHost !== null) {
    for (let i = 0; i < c.gateway.count; i++) {
      list.push({ label: `gateway.linkPort (gateway ${i}'s worker link)`, host: c.gateway.linkHost, port: c.gateway.linkPort + i });
    }
  }
  if (c.gateway.opsPort !== 0) {
    for (let i = 0; i < c.gateway.count; i++) {
      list.push({ label: `gateway.opsPort (gateway ${i}'s operations HTTP)`, host: c.gateway.opsHost, port: c.gateway.opsPort + i });
    }
  }
  if (c.register.embedded && c.register.port !== 0) list.push({ label: 'register.port (the embedded register)', host: c.register.host, port: c.register.port });
  return list;
}

/** Rules that span settings. */
export function checkCoherence(c: ResolvedConfig): void {
  if (c.gateway.linkHost !== null && c.secretKey === null) {
    throw new ConfigError('gateway.linkHost opens worker links over TCP, which requires a secretKey');
  }
  if (c.gateway.linkHost !== null && c.gateway.linkPort + c.gateway.count - 1 > 65535) {
    throw new ConfigError(`gateway.linkPort ${c.gateway.linkPort} leaves no port for gateway ${c.gateway.count - 1} (gateway i listens on linkPort + i, at most 65535)`);
  }
  if (c.gateway.opsPort !== 0 && c.gateway.opsPort + c.gateway.count - 1 > 65535) {
    throw new ConfigError(`gateway.opsPort ${c.gateway.opsPort} leaves no port for gateway ${c.gateway.count - 1} (gateway i listens on opsPort + i, at most 65535)`);
  }
  if (c.worker.gateways.length > 0 && c.secretKey === null) {
    throw new ConfigError('worker.gateways links over TCP, which requires a secretKey');
  }
  if (c.register.embedded && !isLoopbackHost(c.register.host) && c.secretKey === null) {
    throw new ConfigError(`register.host ${c.register.host} lets other machines reach the register, which requires a secretKey`);
  }
  const remote = c.register.addresses.find((a) => !isLoopbackHost(hostOf(a)));
  if (remote !== undefined && c.secretKey === null) {
    throw new ConfigError(`register.addresses includes ${remote} on another machine, which requires a secretKey`);
  }
  const seen: Endpoint[] = [];
  for (const e of endpoints(c)) {
    const other = seen.find((s) => s.port === e.port && hostsOverlap(s.host, e.host));
    if (other) {
      // The later label leads, so a register or link port given by a flag is
      // the setting the message (and its attribution) names.
      const [first, second] = e.label.startsWith('listener ') ? [other, e] : [e, other];
      throw new ConfigError(`${first.label} and ${second.label} both use ${other.host}:${e.port}`);
    }
    seen.push(e);
  }
  if (Buffer.byteLength(join(c.runDir, 'gateway-999.sock')) > 100) {
    throw new ConfigError(`runDir ${c.runDir} is too long for Unix socket paths (keep it under 80 characters)`);
  }
}
