import type { ResolvedConfig } from '../config/types.js';
import { controlRequest } from '../control/client.js';
import { controlSocketPath } from '../control/protocol.js';
import type { ConnectionRow } from '../gateway/engine.js';
import { requireRunning } from './app-state.js';
import { formatBytes, formatCount, renderTable } from './format.js';

/** One row of `gatehouse connections`. */
export interface ConnectionInfo {
  clientId: string;
  /** Index of the gateway process holding it. */
  gateway: number;
  /** The listener's protocol: text, json, frame, websocket, custom. */
  transport: string;
  listener: string;
  /** "address:port" of the client. */
  remoteAddress: string;
  uid: string | null;
  groups: string[];
  bytesIn: number;
  bytesOut: number;
  /** Bytes written and not yet taken by the kernel. */
  sendQueue: number;
  /** Messages not written to this client because its output was over gateway.sendBufferSize ('drop' policy). */
  slowConsumerDrops: number;
}

export interface ConnectionsReport {
  /** Every client connection of the app (counted even past the limit). */
  total: number;
  connections: ConnectionInfo[];
  /** Gateways that did not answer, with why. */
  unreachable: { gateway: number | null; pid: number; error: string }[];
}

interface GatewayAnswer {
  index: number;
  total: number;
  rows: ConnectionRow[];
}

export async function connectionsReport(config: ResolvedConfig, limit: number | undefined): Promise<ConnectionsReport> {
  const gateways = requireRunning(config).filter((e) => e.role === 'gateway');
  const report: ConnectionsReport = { total: 0, connections: [], unreachable: [] };
  const answers = await Promise.all(
    gateways.map(async (g) => {
      try {
        return (await controlRequest(controlSocketPath(config.runDir, g.name), 'connections', limit === undefined ? {} : { limit }, 5000)) as GatewayAnswer;
      } catch (err) {
        report.unreachable.push({ gateway: g.index, pid: g.pid, error: (err as Error).message });
        return null;
      }
    }),
  );
  for (const a of answers) {
    if (a === null) continue;
    report.total += a.total;
    for (const r of a.rows) {
      report.connections.push({
        clientId: r.clientId,
        gateway: a.index,
        transport: r.protocol,
        listener: r.listener,
        remoteAddress: r.remoteAddress.includes(':') ? `[${r.remoteAddress}]:${r.remotePort}` : `${r.remoteAddress}:${r.remotePort}`,
        uid: r.uid,
        groups: r.groups,
        bytesIn: r.bytesIn,
        bytesOut: r.bytesOut,
        sendQueue: r.sendQueueBytes,
        slowConsumerDrops: r.slowConsumerDrops,
      });
    }
  }
  if (limit !== undefined) report.connections = report.connections.slice(0, limit);
  return report;
}

/** `gatehouse connections <app> [--json] [--limit N]`. */
export async function connectionsCommand(config: ResolvedConfig, options: { json: boolean; limit: number | undefined }): Promise<void> {
  const report = await connectionsReport(config, options.limit);
  if (options.json) {
    process.stdout.write(`${JSON.stringify(report)}\n`);
    return;
  }
  const rows = report.connections.map((c) => [
    c.clientId,
    String(c.gateway),
    c.transport,
    c.remoteAddress,
    c.uid ?? '-',
    c.groups.length === 0 ? '-' : c.groups.join(','),
    formatBytes(c.bytesIn),
    formatBytes(c.bytesOut),
    formatBytes(c.sendQueue),
    formatCount(c.slowConsumerDrops),
  ]);
  const table = renderTable(['CLIENT ID', 'GATEWAY', 'TRANSPORT', 'REMOTE ADDRESS', 'UID', 'GROUPS', 'BYTES IN', 'BYTES OUT', 'SEND QUEUE', 'DROPS'], rows);
  const shown = report.connections.length < report.total ? ` (showing ${report.connections.length})` : '';
  process.stdout.write(`${table}\n${report.total} connection${report.total === 1 ? '' : 's'}${shown}\n`);
  for (const u of report.unreachable) process.stderr.write(`gatehouse: gateway ${u.gateway} (pid ${u.pid}) did not answer: ${u.error}\n`);
}
