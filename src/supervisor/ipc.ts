/**
 * Messages between the supervisor and its child processes (Node IPC channel).
 * A child learns its role and index from the environment (GATEHOUSE_ROLE,
 * GATEHOUSE_INDEX) and reads the resolved configuration from the JSON file named
 * by GATEHOUSE_CONFIG_FILE.
 */

export const ENV_ROLE = 'GATEHOUSE_ROLE';
export const ENV_INDEX = 'GATEHOUSE_INDEX';
export const ENV_CONFIG_FILE = 'GATEHOUSE_CONFIG_FILE';

/**
 * Supervisor → child: stop, then exit. Graceful: a gateway stops accepting,
 * lets in-flight events finish, delivers queued output and closes its clients in
 * batches (WebSocket 1001); a worker finishes what it holds. Either way the child
 * exits within deadlineMs. SIGTERM means graceful with the configured stopTimeout.
 */
export interface StopMessage {
  type: 'stop';
  graceful?: boolean;
  deadlineMs?: number;
}

/**
 * Supervisor → business worker (reload): send Drain on every link, keep
 * handling what the gateways still send until each says no client is pinned to
 * it any more, then run onWorkerStop and exit 0; exit anyway at deadlineMs.
 */
export interface DrainMessage {
  type: 'drain';
  deadlineMs: number;
}

/** The registers ("host:port") children announce to / learn from, comma-separated. */
export const ENV_REGISTERS = 'GATEHOUSE_REGISTERS';

/** Register → supervisor: listening on `address` ("host:port"). */
export interface RegisterReadyMessage {
  type: 'ready';
  role: 'register';
  address: string;
}

/**
 * Gateway → supervisor: every listener is serving and worker links are accepted.
 * Gateways are cluster workers (scheduling policy SCHED_NONE). Native
 * gateways, and JS gateways on Node 22.12+, each bind their own sockets
 * (SO_REUSEPORT) on the ports the first gateway got (gateway-ports.ts); JS
 * gateways on an older Node call listen() through the cluster primary (the
 * supervisor), which shares one listening socket per port among them. Either way, with port 0 all gateways share
 * one port; `listeners` tells which.
 */
export interface GatewayReadyMessage {
  type: 'ready';
  role: 'gateway';
  gatewayId: string;
  /** The engine this gateway runs. */
  engine: 'native' | 'js';
  linkPath: string;
  linkPort: number | null;
  listeners: { name: string; protocol: string; host: string; port: number }[];
}

/** Worker → supervisor: every pool thread ran onWorkerStart, and `linked` gateway links are open. */
export interface WorkerReadyMessage {
  type: 'ready';
  role: 'worker';
  linked: number;
}

/**
 * Supervisor → business worker after a failed reload: a worker of the new
 * generation may have taken this index's pid file and control socket before
 * it was stopped; the running worker writes and binds them again.
 */
export interface ReclaimMessage {
  type: 'reclaim';
}

export type SupervisorToChild = StopMessage | DrainMessage | ReclaimMessage;
export type ChildToSupervisor = GatewayReadyMessage | WorkerReadyMessage | RegisterReadyMessage;
