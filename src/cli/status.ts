import { setTimeout as sleep } from 'node:timers/promises';
import type { ResolvedConfig } from '../config/types.js';
import type { ProcessStatus } from '../control/protocol.js';
import { collectStatus, liveProcesses, requireRunning } from './app-state.js';
import { formatBytes, formatCount, formatDuration, renderTable } from './format.js';

export interface StatusSummary {
  processes: number;
  memory: number;
  /** Client connections (gateways). */
  connections: number;
  /** Client messages in and out (gateways). */
  messagesIn: number;
  messagesOut: number;
  /** Every process's send failures. */
  sendFailures: number;
  /** Events acknowledged by workers (gateways' count: each event once). */
  events: number;
  eventsPerSecond: number;
  /** The supervisor's uptime, or the oldest process's. */
  uptime: number;
}

export interface StatusReport {
  processes: ProcessStatus[];
  summary: StatusSummary;
}

/**
 * The summary row. Client-facing counts come from the gateways alone: a
 * worker's "connections" are its gateway links and its events are the same
 * events the gateways count, so adding them up would count twice.
 */
export function summarize(processes: ProcessStatus[]): StatusSummary {
  const gateways = processes.filter((p) => p.role === 'gateway');
  const sum = (rows: ProcessStatus[], key: keyof ProcessStatus): number => rows.reduce((n, p) => n + (typeof p[key] === 'number' ? (p[key] as number) : 0), 0);
  const supervisor = processes.find((p) => p.role === 'supervisor');
  return {
    processes: processes.length,
    memory: sum(processes, 'memory'),
    connections: sum(gateways, 'connections'),
    messagesIn: sum(gateways, 'messagesIn'),
    messagesOut: sum(gateways, 'messagesOut'),
    sendFailures: sum(processes, 'sendFailures'),
    events: sum(gateways, 'events'),
    eventsPerSecond: Math.round(sum(gateways, 'eventsPerSecond') * 10) / 10,
    uptime: supervisor?.uptime ?? Math.max(0, ...processes.map((p) => p.uptime)),
  };
}

export async function statusReport(config: ResolvedConfig): Promise<StatusReport> {
  const processes = await collectStatus(config);
  // Row output without the role-specific details (available through the control socket),
  // except a gateway's slow-consumer counts (sendFailures adds them up with encode
  // errors, and which policy fired is what an operator tuning sendBufferSize needs)
  // and what a connect storm ran into: clients refused at the held-events bound,
  // broadcasts dropped while held for opening clients (docs/worker.md "Connect storms"),
  // and the per-listener counters, whichever there are (../gateway/listener-counters.ts).
  const rows = processes.map(({ details, ...row }) => {
    if (details && 'unreachable' in details) return { ...row, unreachable: details.unreachable };
    if (row.role === 'gateway' && details) {
      const { slowConsumerDrops, slowConsumerCloses, connectionsRefused, heldForConnectDrops, listeners } = details;
      return { ...row, details: { slowConsumerDrops, slowConsumerCloses, connectionsRefused, heldForConnectDrops, listeners } };
    }
    return row;
  }) as ProcessStatus[];
  return { processes: rows, summary: summarize(rows) };
}

const HEADERS = ['ROLE', 'INDEX', 'PID', 'MEMORY', 'CONNS', 'MSG IN', 'MSG OUT', 'SEND FAIL', 'EVENTS', 'EVENTS/S', 'ENGINE', 'UPTIME'];

export function renderStatus(name: string, report: StatusReport): string {
  const rows = report.processes.map((p) => [
    p.role + ((p as { unreachable?: string }).unreachable ? ' (no answer)' : ''),
    p.index === null ? '-' : String(p.index),
    String(p.pid),
    formatBytes(p.memory),
    formatCount(p.connections),
    formatCount(p.messagesIn),
    formatCount(p.messagesOut),
    formatCount(p.sendFailures),
    formatCount(p.events),
    formatCount(p.eventsPerSecond),
    p.engine ?? '-',
    formatDuration(p.uptime),
  ]);
  const s = report.summary;
  rows.push([
    `total (${s.processes})`,
    '-',
    '-',
    formatBytes(s.memory),
    formatCount(s.connections),
    formatCount(s.messagesIn),
    formatCount(s.messagesOut),
    formatCount(s.sendFailures),
    formatCount(s.events),
    formatCount(s.eventsPerSecond),
    '-',
    formatDuration(s.uptime),
  ]);
  return `gatehouse: ${name}\n${renderTable(HEADERS, rows, { separatorBefore: rows.length - 1 })}\n`;
}

/** `gatehouse status <app> [--json] [--watch]`. */
export async function statusCommand(config: ResolvedConfig, options: { json: boolean; watch: boolean }): Promise<void> {
  requireRunning(config);
  const print = async (): Promise<void> => {
    const report = await statusReport(config);
    process.stdout.write(options.json ? `${JSON.stringify(report)}\n` : renderStatus(config.name, report));
  };
  if (!options.watch) return print();
  let running = true;
  process.once('SIGINT', () => (running = false));
  while (running) {
    if (!options.json) process.stdout.write('\x1b[2J\x1b[H');
    if (liveProcesses(config).length === 0) process.stdout.write(`gatehouse: ${config.name} is not running\n`);
    else await print();
    if (!options.json) process.stdout.write(`\n(refreshing every second; Ctrl-C to quit) ${new Date().toLocaleTimeString()}\n`);
    for (let i = 0; i < 10 && running; i++) await sleep(100);
  }
}
