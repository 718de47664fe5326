/**
 * Messages between the supervisor and its child processes (Node IPC channel).
 * A child learns its role and index from the environment (GATEHOUSE_ROLE,
 * GATEHOUSE_INDEX) and reads the resolved configuration from the JSON file named
 * by GATEHOUSE_CONFIG_FILE.
 */

export const ENV_ROLE = 'GATEHOUSE_ROLE';
export const ENV_INDEX = 'GATEHOUSE_INDEX';
export const ENV_CONFIG_FILE = 'GATEHOUSE_CONFIG_FILE';

/** Supervisor → gateway: the listening server of listener `listener` (config index) comes as the handle. */
export interface ListenMessage {
  type: 'listen';
  listener: number;
}

/** Supervisor → child: stop (graceful where the child supports it), then exit. */
export interface StopMessage {
  type: 'stop';
}

/** Gateway → supervisor: every listener is serving and worker links are accepted. */
export interface GatewayReadyMessage {
  type: 'ready';
  role: 'gateway';
  gatewayId: string;
  linkPath: string;
  linkPort: number | null;
}

/** Worker → supervisor: every pool thread ran onWorkerStart, and `linked` gateway links are open. */
export interface WorkerReadyMessage {
  type: 'ready';
  role: 'worker';
  linked: number;
}

export type SupervisorToChild = ListenMessage | StopMessage;
export type ChildToSupervisor = GatewayReadyMessage | WorkerReadyMessage;
