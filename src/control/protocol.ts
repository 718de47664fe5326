/**
 * The control-socket protocol: every gatehouse process (supervisor, gateways,
 * business workers, the embedded register) listens on a Unix socket in the run
 * directory, `supervisor.ctl` or `<role>-<index>.ctl`. A request is one JSON
 * line `{"id":n,"cmd":"status"|"connections"|"stop"|"reload", ...args}`; the
 * answer is one JSON line `{"id":n,"ok":true,"result":...}` or
 * `{"id":n,"ok":false,"error":"..."}`. Several requests may share a connection;
 * answers carry the request's id and may come in any order.
 *
 * The run directory is mode 0700, so only its owner can reach these sockets:
 * that is the whole authentication.
 */
import { join } from 'node:path';

export type ControlCommand = 'status' | 'connections' | 'stop' | 'reload';

export interface ControlRequest {
  id: number;
  cmd: string;
  [arg: string]: unknown;
}

export type ControlResponse = { id: number; ok: true; result: unknown } | { id: number; ok: false; error: string };

/** A control request's longest line; anything longer is refused (the socket is closed). */
export const MAX_CONTROL_LINE = 64 * 1024;

/** `<runDir>/<name>.ctl`, name being `supervisor` or `<role>-<index>`. */
export function controlSocketPath(runDir: string, name: string): string {
  return join(runDir, `${name}.ctl`);
}

/** The name of a child process in the run directory: `gateway-0`, `worker-1`, `register`. */
export function processName(role: string, index: number | null): string {
  return index === null ? role : `${role}-${index}`;
}

/** What every process answers to `status`: one row of `gatehouse status`. */
export interface ProcessStatus {
  role: string;
  index: number | null;
  pid: number;
  /** Resident set size, bytes. */
  memory: number;
  /** Gateways: client connections; workers: open gateway links; others: 0. */
  connections: number;
  messagesIn: number;
  messagesOut: number;
  sendFailures: number;
  /** Gateways: events acknowledged by workers; workers: events handled (failed ones included). */
  events: number;
  /** events per second over the last sampling second. */
  eventsPerSecond: number;
  /** Gateways: the engine ('js' or 'native'); others: null. */
  engine: string | null;
  /** Seconds since the process started. */
  uptime: number;
  /** Role-specific counters (engine stats, worker stats, supervisor state). */
  details?: Record<string, unknown>;
}
