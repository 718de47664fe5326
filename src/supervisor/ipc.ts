/**
 * Messages between the supervisor and its child processes (Node IPC channel).
 * A child learns its role and index from the environment (GATEHOUSE_ROLE,
 * GATEHOUSE_INDEX) and reads the resolved configuration from the JSON file named
 * by GATEHOUSE_CONFIG_FILE.
 */

export const ENV_ROLE = 'GATEHOUSE_ROLE';
export const ENV_INDEX = 'GATEHOUSE_INDEX';
export const ENV_CONFIG_FILE = 'GATEHOUSE_CONFIG_FILE';

/** Supervisor → child: stop (graceful where the child supports it), then exit. */
export interface StopMessage {
  type: 'stop';
}

/**
 * Gateway → supervisor: every listener is serving and worker links are accepted.
 * Gateways are cluster workers (scheduling policy SCHED_NONE): each calls
 * listen() on every client listener and the cluster primary (the supervisor)
 * shares one listening socket per port among them, so with port 0 all gateways
 * still share one port; `listeners` tells which.
 */
export interface GatewayReadyMessage {
  type: 'ready';
  role: 'gateway';
  gatewayId: string;
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

export type SupervisorToChild = StopMessage;
export type ChildToSupervisor = GatewayReadyMessage | WorkerReadyMessage;
