/**
 * Every gateway of a machine serves the same client ports. Native gateways,
 * and JS gateways on a Node with net's `reusePort` (22.12+), bind their own
 * sockets with SO_REUSEPORT: for them the supervisor starts gateway 0 first,
 * takes the ports it bound for the listeners configured with port 0, and
 * hands them to every gateway started after it (the others, and restarted
 * ones) in GATEHOUSE_GATEWAY_BIND_PORTS. A JS gateway on an older Node gets
 * its sockets from the cluster primary (one listening socket per port,
 * shared, so port 0 resolves once for all) and ignores the variable: binding
 * the port itself would collide with the primary's shared socket.
 */
import type { ListenerConfig, ResolvedConfig } from '../config/types.js';
import type { GatewayReadyMessage } from './ipc.js';

/** Supervisor → gateway: JSON object, listener name → port to bind instead of its configured port 0. */
export const ENV_GATEWAY_BIND_PORTS = 'GATEHOUSE_GATEWAY_BIND_PORTS';

/** Whether gateways must learn their ports from the first one: several of them, and some port chosen by the system. */
export function needsSharedPorts(config: Pick<ResolvedConfig, 'gateway' | 'listeners'>): boolean {
  return config.gateway.count > 1 && config.listeners.some((l) => l.port === 0);
}

/** The variable's value from a gateway's ready message, or null when no listener has port 0. */
export function bindPortsFrom(listeners: readonly ListenerConfig[], ready: GatewayReadyMessage['listeners']): string | null {
  const ports: Record<string, number> = {};
  for (const l of listeners) {
    if (l.port !== 0) continue;
    const bound = ready.find((r) => r.name === l.name);
    if (bound !== undefined && bound.port > 0) ports[l.name] = bound.port;
  }
  return Object.keys(ports).length === 0 ? null : JSON.stringify(ports);
}

/**
 * The configuration with the ports the supervisor handed over (only for
 * listeners configured with port 0). A value that is not what the supervisor
 * writes is ignored: the gateway then binds port 0 like the first one did.
 */
export function withBindPorts(config: ResolvedConfig, text: string | undefined): ResolvedConfig {
  if (text === undefined || text === '') return config;
  let ports: unknown;
  try {
    ports = JSON.parse(text);
  } catch {
    return config;
  }
  if (typeof ports !== 'object' || ports === null || Array.isArray(ports)) return config;
  const given = ports as Record<string, unknown>;
  const listeners = config.listeners.map((l) => {
    const port = given[l.name];
    return l.port === 0 && typeof port === 'number' && Number.isInteger(port) && port > 0 && port <= 65535 ? { ...l, port } : l;
  });
  return { ...config, listeners };
}
