/**
 * How a JS gateway's client listeners get their listening socket.
 *
 * Node 20 (and 22 before 22.12): through the cluster primary, which opens
 * one socket per port and shares it among the gateways (SCHED_NONE): one
 * accept queue for all of them, so in a connect storm every gateway drains
 * the same 4,096 slots, and a busy gateway makes the kernel drop handshakes
 * for all (docs/worker.md, "Connect storms").
 *
 * Node 22.12+ / 23.1+ offer `reusePort` on net.Server: each gateway binds its
 * own socket with SO_REUSEPORT, exclusively (not through the primary), as the
 * native engine does: one accept queue per gateway, and the kernel spreads
 * new connections over them. The ports of listeners configured with port 0
 * then come from gateway 0, like the native engine's (supervisor/gateway-ports.ts).
 */

/** Whether this Node's net.Server.listen() takes `reusePort` (Linux; added in v22.12.0 and v23.1.0). */
export function nodeHasReusePort(version: string = process.versions.node, platform: NodeJS.Platform = process.platform): boolean {
  if (platform !== 'linux') return false;
  const [major, minor] = version.split('.').map(Number) as [number, number];
  if (!Number.isInteger(major) || !Number.isInteger(minor)) return false;
  return major > 23 || (major === 23 && minor >= 1) || (major === 22 && minor >= 12);
}

/** listen() options for a client listener: its own SO_REUSEPORT socket where Node can, else the primary's shared one. */
export function clientListenOptions(
  host: string,
  port: number,
  backlog: number,
  ownSocket: boolean = nodeHasReusePort(),
): { host: string; port: number; backlog: number; exclusive?: true; reusePort?: true } {
  return ownSocket ? { host, port, backlog, exclusive: true, reusePort: true } : { host, port, backlog };
}
