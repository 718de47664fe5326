import { readFileSync } from 'node:fs';
import { ENV_CONFIG_FILE, ENV_INDEX, ENV_ROLE } from '../supervisor/ipc.js';
import type { ResolvedConfig } from './types.js';

export interface ChildEnvironment {
  role: 'gateway' | 'worker';
  index: number;
  config: ResolvedConfig;
}

/** What a child process was started as, from the environment the supervisor gave it. */
export function readChildEnvironment(expectedRole: 'gateway' | 'worker'): ChildEnvironment {
  const role = process.env[ENV_ROLE];
  const file = process.env[ENV_CONFIG_FILE];
  const index = Number(process.env[ENV_INDEX] ?? '0');
  if (role !== expectedRole || !file || !Number.isInteger(index) || index < 0) {
    throw new Error(`this is the ${expectedRole} process entry: start it with "gatehouse start <app>", not directly`);
  }
  const config = JSON.parse(readFileSync(file, 'utf8')) as ResolvedConfig;
  return { role, index, config };
}
